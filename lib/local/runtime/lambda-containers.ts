import type { LambdaHandler } from './lambda-invoke.js';

type HandlerModule = { handler?: LambdaHandler };

/**
 * A handler run the way Lambda runs it: one invocation at a time per execution environment,
 * and a new environment when every one is busy. Handlers keep state at module scope (the step
 * logger's keys for the current invocation, cached clients), so two invocations sharing one
 * module instance would mix, for example, their executionId in each other's log lines.
 * Locally each environment is its own module instance of the handler file, imported again
 * with a `?container=N` query (its shared imports stay shared, as the process's do), and an
 * idle one is reused, warm, as Lambda reuses a warm environment.
 *
 * @example
 * const run = await lambdaContainers(new URL('functions/record-start/handler.ts', root).href);
 * await run(event, context);
 */
export async function lambdaContainers(handlerUrl: string): Promise<LambdaHandler> {
  const idle: LambdaHandler[] = [];
  let created = 0;
  const load = async (): Promise<LambdaHandler> => {
    created += 1;
    const module = (await import(created === 1 ? handlerUrl : `${handlerUrl}?container=${created}`)) as HandlerModule;
    if (typeof module.handler !== 'function') throw new Error(`${handlerUrl} exports no handler`);
    return module.handler;
  };
  idle.push(await load());
  return async (event, context) => {
    const container = idle.pop() ?? (await load());
    try {
      return await container(event, context);
    } finally {
      idle.push(container);
    }
  };
}
