import { ConcurrencyConflict } from '../errors.js';
import type { NewEvent, StoredEvent } from './event.js';
import type { EventStore } from './store.js';

/** A store that can tell its head version without reading the whole stream (both our stores can). */
interface HeadVersionReader {
  headVersion(stream: string): Promise<number>;
}

export interface AppendFactsOptions {
  /** How many appends to try before the last ConcurrencyConflict is rethrown. @default 5 */
  maxAttempts?: number;
  /**
   * Pause before retry number `attempt` (2, 3, ...), in ms. Jitter spreads writers that
   * collided apart. @default up to 10 ms × attempt, random
   */
  retryDelayMs?: (attempt: number) => number;
}

/**
 * Appends facts that do not depend on the stream's state (StepSucceeded, SecretRead,
 * ModelInvoked, ...) at whatever the head is: reads the head version, appends, and on
 * `ConcurrencyConflict` re-reads and tries again, at most `maxAttempts` times in all.
 * Never use it for decisions (ApprovalDecided): those must be decided against the state
 * the caller read, and a conflict must make it decide again.
 *
 * @example
 * await appendFacts(store, executionStream(id), [
 *   { type: 'StepSucceeded', actor: 'step:extract-invoice', data: { step: 'extract-invoice', durationMs: 412 } },
 * ]);
 */
export async function appendFacts(
  store: EventStore,
  stream: string,
  events: NewEvent[],
  { maxAttempts = 5, retryDelayMs = defaultDelay }: AppendFactsOptions = {},
): Promise<StoredEvent[]> {
  const attempts = Math.max(1, Math.floor(maxAttempts));
  for (let attempt = 1; ; attempt++) {
    const version = await headVersion(store, stream);
    try {
      return await store.append(stream, version, events);
    } catch (error) {
      if (!(error instanceof ConcurrencyConflict) || attempt >= attempts) throw error;
      const delay = retryDelayMs(attempt + 1);
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

async function headVersion(store: EventStore, stream: string): Promise<number> {
  const reader = store as Partial<HeadVersionReader>;
  if (typeof reader.headVersion === 'function') return reader.headVersion.call(store, stream);
  return (await store.read(stream)).at(-1)?.version ?? 0;
}

function defaultDelay(attempt: number): number {
  return Math.floor(Math.random() * 10 * attempt);
}
