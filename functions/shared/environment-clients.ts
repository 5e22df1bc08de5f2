/**
 * What a handler builds once per container from its environment: AWS SDK clients (endpoint,
 * region and credentials come from AWS_ENDPOINT_URL_*, AWS_REGION, ...), and values cached
 * with them. On Lambda a container's environment never changes. The local runtime, the bench
 * and tests change it within one process (another port, another data folder), so every such
 * cache is made here, and `forgetEnvironmentClients()` drops them all at once: each is built
 * again, from the new environment, at its next use. One mechanism, so a new cache cannot be
 * forgotten in a list somewhere else.
 */
export interface EnvironmentClient<T> {
  /** The replacement if one is in use, else the one built from the environment (built now if needed). */
  get(): T;
  /** Replaces it (tests, tools); `undefined` goes back to building from the environment. */
  use(replacement: T | undefined): void;
}

const forgetters = new Set<() => void>();

/**
 * @example
 * const sfn = environmentClient(() => new SFNClient({}));
 * await sfn.get().send(command);
 */
export function environmentClient<T>(create: () => T): EnvironmentClient<T> {
  let replacement: T | undefined;
  let built: T | undefined;
  forgetters.add(() => {
    replacement = undefined;
    built = undefined;
  });
  return {
    get: () => replacement ?? (built ??= create()),
    use: (value) => {
      replacement = value;
    },
  };
}

/**
 * Registers something else built from the environment (a cache of values, a client held in a
 * closure) to be forgotten with the clients.
 *
 * @example
 * onForgetEnvironment(() => clearCache([cacheKey]));
 */
export function onForgetEnvironment(forget: () => void): void {
  forgetters.add(forget);
}

/** Drops every client and value built from the environment, and every replacement in use. */
export function forgetEnvironmentClients(): void {
  for (const forget of forgetters) forget();
}
