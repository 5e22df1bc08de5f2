import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Lambda gives every function its own environment variables (each runs in processes of its
 * own). The local runtime runs every function's handlers in one process, which has one
 * `process.env`; with one shared environment, two functions could not have different values
 * for one variable (each workflow's request-approval has its own APPROVERS, WORKFLOW_NAME and
 * STATE_MACHINE_ARN).
 *
 * So while the runtime runs, `process.env` is a view: inside an invocation of a function, and
 * while one of its environments loads the handler module, it shows that environment's
 * variables (reads, writes, `in`, `Object.keys`, spreading); anywhere else it is the process's
 * own environment, untouched. Which function is current follows the asynchronous flow
 * (AsyncLocalStorage), so concurrent invocations of different functions each see their own
 * variables, including in callbacks and promises they start.
 */
const current = new AsyncLocalStorage<Record<string, string>>();

let installed: { original: NodeJS.ProcessEnv; descriptor: PropertyDescriptor } | undefined;

/**
 * Replaces `process.env` with the view; the returned function puts the original back.
 * One runtime per process installs it once, at start, and restores it at stop.
 *
 * @example
 * const restore = installFunctionEnvironments();
 * try { await runInFunctionEnvironment({ APPROVERS: '["a@example.com"]' }, () => handler(event, context)); }
 * finally { restore(); }
 */
export function installFunctionEnvironments(): () => void {
  if (installed !== undefined) throw new Error('function environments are installed already: one local runtime per process');
  const descriptor = Object.getOwnPropertyDescriptor(process, 'env');
  if (descriptor === undefined) throw new Error('process.env is not an own property of process');
  const original = process.env;
  installed = { original, descriptor };
  Object.defineProperty(process, 'env', { ...descriptor, value: environmentView(original) });
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    Object.defineProperty(process, 'env', { ...descriptor, value: original });
    installed = undefined;
  };
}

/**
 * Runs `run` (and everything it starts) seeing `environment` as `process.env`. Writes go to
 * `environment`: a handler that sets a variable sets it in its own environment, as on Lambda.
 *
 * @example
 * await runInFunctionEnvironment(environment, () => import(handlerUrl));
 */
export function runInFunctionEnvironment<T>(environment: Record<string, string>, run: () => T): T {
  if (installed === undefined) throw new Error('function environments are not installed (startLocalRuntime installs them): the handler would see the process environment');
  return current.run(environment, run);
}

/** The real environment outside an invocation, the current function's inside one. */
function environmentView(processEnvironment: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const target = (): Record<string | symbol, unknown> => (current.getStore() ?? processEnvironment) as Record<string | symbol, unknown>;
  return new Proxy(processEnvironment, {
    get: (_, name) => {
      const env = target();
      return env === processEnvironment || typeof name !== 'string' ? Reflect.get(env, name) : Object.hasOwn(env, name) ? env[name] : undefined;
    },
    set: (_, name, value) => {
      const env = target();
      // process.env keeps strings only: it turns what is assigned into one.
      if (env !== processEnvironment && typeof name === 'string') env[name] = String(value);
      else return Reflect.set(env, name, value);
      return true;
    },
    has: (_, name) => {
      const env = target();
      return env === processEnvironment ? Reflect.has(env, name) : Object.hasOwn(env, name);
    },
    deleteProperty: (_, name) => Reflect.deleteProperty(target(), name),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_, name) => {
      const env = target();
      if (env === processEnvironment) return Reflect.getOwnPropertyDescriptor(env, name);
      if (typeof name !== 'string' || !Object.hasOwn(env, name)) return undefined;
      return { value: env[name], writable: true, enumerable: true, configurable: true };
    },
    defineProperty: (_, name, descriptor) => {
      const env = target();
      if (env === processEnvironment) return Reflect.defineProperty(env, name, descriptor);
      if (typeof name !== 'string' || !('value' in descriptor)) return false;
      env[name] = String(descriptor.value);
      return true;
    },
  });
}
