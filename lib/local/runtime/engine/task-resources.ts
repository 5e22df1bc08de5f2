import { invokeLocalLambda, type LocalLambda } from '../lambda/lambda-invoke.js';
import type { TaskTokens } from './task-tokens.js';

/**
 * What stands in `$$.Task.Token` while Parameters are evaluated; each attempt of a
 * `.waitForTaskToken` task replaces it with a freshly issued token before the function sees it.
 * aws-local-stepfunctions evaluates `$$` against one context object per run, so a per-attempt
 * token can only be swapped in here.
 */
export const TASK_TOKEN_PLACEHOLDER = 'wardflow-local-task-token-placeholder';

type TaskHandler = (input: unknown) => Promise<unknown>;
type State = { Type?: string; Resource?: string; TimeoutSeconds?: number; HeartbeatSeconds?: number; Branches?: Definition[]; Iterator?: Definition; ItemProcessor?: Definition };
type Definition = { States?: Record<string, State> };

const LAMBDA_ARN = /^arn:aws:lambda:/;
const INVOKE = 'arn:aws:states:::lambda:invoke';
const INVOKE_WAIT = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

export interface TaskResourceOptions {
  functions: readonly LocalLambda[];
  tokens: TaskTokens;
  executionArn: string;
  /** Told when a `.waitForTaskToken` task's function has returned and the task waits for its token. */
  onWaiting?: () => void;
}

/**
 * One local handler per Task state (nested Parallel/Map states included), with the integration
 * semantics of AWS:
 * - `Resource: <function ARN>`: the effective input is the event, the function's result is the
 *   task's result (what CDK's payloadResponseOnly produces);
 * - `arn:aws:states:::lambda:invoke`: Parameters carry FunctionName and Payload, and the result
 *   is wrapped as `{ ExecutedVersion, Payload, StatusCode, ... }`;
 * - `...lambda:invoke.waitForTaskToken`: the function is invoked with a new task token and its
 *   result ignored; the task waits for SendTaskSuccess (its output is the result) or
 *   SendTaskFailure (the task fails with that error), or times out (States.Timeout, enforced by
 *   aws-local-stepfunctions from TimeoutSeconds; States.HeartbeatTimeout from HeartbeatSeconds,
 *   enforced here).
 * Any other Resource is refused when the definition is loaded, not halfway through a run.
 *
 * @example
 * const handlers = taskResourceHandlers(definition, { functions, tokens, executionArn });
 * machine.run(input, { overrides: { taskResourceLocalHandlers: handlers } });
 */
export function taskResourceHandlers(definition: Definition, options: TaskResourceOptions): Record<string, TaskHandler> {
  const handlers: Record<string, TaskHandler> = {};
  for (const [name, state] of taskStates(definition)) handlers[name] = handlerFor(name, state, options);
  return handlers;
}

/** Refuses, before anything runs, a definition with a Task the local runtime cannot execute. */
export function assertRunnableLocally(definition: Definition, functions: readonly LocalLambda[]): void {
  for (const [name, state] of taskStates(definition)) {
    const resource = state.Resource ?? '';
    if (LAMBDA_ARN.test(resource)) findFunction(resource, functions, name);
    else if (resource !== INVOKE && resource !== INVOKE_WAIT) {
      throw new Error(`state ${name} uses Resource ${resource}; the local runtime runs Lambda functions only (function ARN, lambda:invoke, lambda:invoke.waitForTaskToken)`);
    }
  }
}

function* taskStates(definition: Definition): Generator<[string, State]> {
  for (const [name, state] of Object.entries(definition.States ?? {})) {
    if (state.Type === 'Task') yield [name, state];
    for (const nested of [...(state.Branches ?? []), state.Iterator, state.ItemProcessor]) {
      if (nested !== undefined) yield* taskStates(nested);
    }
  }
}

function handlerFor(stateName: string, state: State, options: TaskResourceOptions): TaskHandler {
  const resource = state.Resource ?? '';
  if (LAMBDA_ARN.test(resource)) {
    const fn = findFunction(resource, options.functions, stateName);
    return (input) => invokeLocalLambda(fn, input);
  }
  if (resource === INVOKE) {
    return async (input) => {
      const { fn, payload } = invocationOf(input, options.functions, stateName);
      const result = await invokeLocalLambda(fn, payload);
      return {
        ExecutedVersion: '$LATEST',
        Payload: result,
        SdkHttpMetadata: { HttpStatusCode: 200 },
        SdkResponseMetadata: {},
        StatusCode: 200,
      };
    };
  }
  if (resource === INVOKE_WAIT) {
    return async (input) => {
      const { fn, payload } = invocationOf(input, options.functions, stateName);
      // aws-local-stepfunctions has no HeartbeatSeconds: without a heartbeat in time the task fails
      // with States.HeartbeatTimeout, as on AWS; SendTaskHeartbeat restarts the clock.
      const heartbeatSeconds = state.HeartbeatSeconds;
      let heartbeat: NodeJS.Timeout | undefined;
      const beat = () => {
        clearTimeout(heartbeat);
        if (heartbeatSeconds === undefined) return;
        heartbeat = setTimeout(
          () => options.tokens.expire(token, 'States.HeartbeatTimeout', `No heartbeat within ${heartbeatSeconds} seconds.`),
          heartbeatSeconds * 1000,
        );
      };
      const { token, answer } = options.tokens.issue({ executionArn: options.executionArn, stateName, onHeartbeat: beat });
      const timeoutSeconds = state.TimeoutSeconds;
      // aws-local-stepfunctions fails the task with States.Timeout at the same moment; the token must die with it.
      const timer = timeoutSeconds === undefined ? undefined : setTimeout(() => options.tokens.abandon(token, 'timed-out'), timeoutSeconds * 1000);
      beat();
      try {
        await invokeLocalLambda(fn, withToken(payload, token));
        options.onWaiting?.();
        return await answer;
      } catch (error) {
        options.tokens.abandon(token, 'ended');
        throw error;
      } finally {
        clearTimeout(timer);
        clearTimeout(heartbeat);
      }
    };
  }
  throw new Error(`state ${stateName}: Resource ${resource} cannot run locally`);
}

function invocationOf(input: unknown, functions: readonly LocalLambda[], stateName: string): { fn: LocalLambda; payload: unknown } {
  const { FunctionName, Payload } = (input ?? {}) as { FunctionName?: unknown; Payload?: unknown };
  if (typeof FunctionName !== 'string') throw new Error(`state ${stateName}: Parameters.FunctionName is missing`);
  return { fn: findFunction(FunctionName, functions, stateName), payload: Payload ?? {} };
}

/** By ARN (qualified or not) or by function name, as Lambda accepts. */
function findFunction(nameOrArn: string, functions: readonly LocalLambda[], stateName: string): LocalLambda {
  const unqualified = nameOrArn.replace(/^(arn:aws:lambda:[^:]+:[^:]+:function:[^:]+):.+$/, '$1');
  const fn = functions.find((f) => f.arn === unqualified || f.arn.split(':').at(-1) === unqualified);
  if (fn === undefined) throw new Error(`state ${stateName} invokes ${nameOrArn}, which is not a function of this application`);
  return fn;
}

function withToken(value: unknown, token: string): unknown {
  if (value === TASK_TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((item) => withToken(item, token));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withToken(item, token)]));
  }
  return value;
}
