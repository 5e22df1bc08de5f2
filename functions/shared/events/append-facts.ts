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
  /**
   * Append the events one at a time (one conditional write each, no transaction: dynalite
   * has none) instead of atomically. Each append expects the version the previous one
   * returned, so the head is read once at the start and again only after a conflict;
   * `maxAttempts` counts per event. A failure leaves the earlier events written: order
   * them so that the last one is the one that says "done". @default false
   */
  oneAtATime?: boolean;
}

/**
 * Appends facts that do not depend on the stream's state (StepSucceeded, SecretRead,
 * ModelInvoked, ...) at whatever the head is: reads the head version, appends, and on
 * `ConcurrencyConflict` re-reads and tries again, at most `maxAttempts` times in all.
 * Never use it for decisions (ApprovalDecided): those must be decided against the state
 * the caller read, and a conflict must make it decide again.
 *
 * With `oneAtATime` the events are appended in order, each at the version the previous
 * append returned: one head read for the whole list (DynamoDbEventStore.append reads the
 * head again itself, for prevHash), re-read only when another writer got in between.
 *
 * @example
 * await appendFacts(store, executionStream(id), [
 *   { type: 'StepSucceeded', actor: 'step:extract-invoice', data: { step: 'extract-invoice', durationMs: 412 } },
 * ]);
 * // Facts first, the commit marker last, without a transaction:
 * await appendFacts(store, executionStream(id), [secretRead, paymentRecorded, stepSucceeded], { oneAtATime: true });
 */
export async function appendFacts(
  store: EventStore,
  stream: string,
  events: NewEvent[],
  { maxAttempts = 5, retryDelayMs = defaultDelay, oneAtATime = false }: AppendFactsOptions = {},
): Promise<StoredEvent[]> {
  const attempts = Math.max(1, Math.floor(maxAttempts));
  const batches = oneAtATime ? events.map((event) => [event]) : [events];
  const stored: StoredEvent[] = [];
  // The version the last append returned; unknown (read it) at the start and after a conflict.
  let known: number | undefined;
  for (const batch of batches) {
    for (let attempt = 1; ; attempt++) {
      const version = known ?? (await headVersion(store, stream));
      try {
        const written = await store.append(stream, version, batch);
        stored.push(...written);
        known = written.at(-1)?.version ?? version;
        break;
      } catch (error) {
        known = undefined;
        if (!(error instanceof ConcurrencyConflict) || attempt >= attempts) throw error;
        const delay = retryDelayMs(attempt + 1);
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
  return stored;
}

async function headVersion(store: EventStore, stream: string): Promise<number> {
  const reader = store as Partial<HeadVersionReader>;
  if (typeof reader.headVersion === 'function') return reader.headVersion.call(store, stream);
  return (await store.read(stream)).at(-1)?.version ?? 0;
}

function defaultDelay(attempt: number): number {
  return Math.floor(Math.random() * 10 * attempt);
}
