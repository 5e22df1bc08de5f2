import { runInFunctionEnvironment } from './function-environment.js';
import type { LambdaHandler } from './lambda-invoke.js';

type HandlerModule = { handler?: LambdaHandler };

/**
 * How many execution environments one local function may have at once. Module instances are
 * never unloaded (Node keeps every imported module), and every environment shares the process's
 * SDK clients and their socket pools (50 sockets each): without a bound, a restart that resumes
 * 1,000 waiting executions loaded 1,000 copies of request-approval and queued about 2,000
 * requests behind 50 sockets until handlers hit their timeout. Lambda bounds an account's
 * concurrency too and queues nothing; locally an invocation beyond the bound waits for an
 * environment, and its timeout starts when it runs, as Lambda's does.
 */
export const LOCAL_ENVIRONMENTS_PER_FUNCTION = 8;

/** A function's pool of environments: `acquire` waits for a free one; `run` runs in it. */
export interface LambdaPool {
  run: LambdaHandler;
  /** Resolves, in arrival order, once fewer than the bound are busy; call the returned release when done. */
  acquire: () => Promise<() => void>;
}

/**
 * A handler run the way Lambda runs it: one invocation at a time per execution environment,
 * and a new environment when every one is busy, up to `maxEnvironments`. Handlers keep state at
 * module scope (the step logger's keys for the current invocation, cached clients), so two
 * invocations sharing one module instance would mix, for example, their executionId in each
 * other's log lines. Locally each environment is its own module instance of the handler file,
 * imported again with a `?container=N` query (its shared imports stay shared, as the process's
 * do), and an idle one is reused, warm, as Lambda reuses a warm environment.
 *
 * With `function`, the pool is that function's: its module instances are its own (two functions
 * running one handler file, each workflow's request-approval, share no module state), and each
 * environment gets its own copy of the function's environment variables, which the handler sees
 * as `process.env` while its module loads and while it runs (function-environment.ts).
 *
 * @example
 * const pool = await lambdaContainers(new URL('functions/record-start/handler.ts', root).href);
 * const release = await pool.acquire();
 * try { await pool.run(event, context); } finally { release(); }
 */
export async function lambdaContainers(
  handlerUrl: string,
  maxEnvironments = LOCAL_ENVIRONMENTS_PER_FUNCTION,
  options: { function?: { name: string; environment: Readonly<Record<string, string>> } } = {},
): Promise<LambdaPool> {
  const fn = options.function;
  const idle: LambdaHandler[] = [];
  let created = 0;
  const moduleUrl = (container: number): string => {
    if (fn !== undefined) return `${handlerUrl}?function=${encodeURIComponent(fn.name)}&container=${container}`;
    return container === 1 ? handlerUrl : `${handlerUrl}?container=${container}`;
  };
  const load = async (): Promise<LambdaHandler> => {
    created += 1;
    const url = moduleUrl(created);
    if (fn === undefined) return handlerOf(handlerUrl, await import(url));
    // Each environment its own copy: what one sets in process.env stays in it, as in a Lambda environment.
    const environment = { ...fn.environment };
    const handler = handlerOf(handlerUrl, await runInFunctionEnvironment(environment, () => import(url)));
    return (event, context) => runInFunctionEnvironment(environment, () => handler(event, context));
  };
  idle.push(await load());

  let busy = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    const next = waiting.shift();
    if (next === undefined) busy -= 1;
    else next(); // the slot passes straight to the next in line
  };
  const acquire = async (): Promise<() => void> => {
    if (busy < maxEnvironments) busy += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  };
  const run: LambdaHandler = async (event, context) => {
    const container = idle.pop() ?? (await load());
    try {
      return await container(event, context);
    } finally {
      idle.push(container);
    }
  };
  return { run, acquire };
}

function handlerOf(handlerUrl: string, module: HandlerModule): LambdaHandler {
  if (typeof module.handler !== 'function') throw new Error(`${handlerUrl} exports no handler`);
  return module.handler;
}
