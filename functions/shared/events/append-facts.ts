import { ConcurrencyConflict, ConfigurationInvalid } from '../errors.js';
import type { NewEvent, StoredEvent } from './event.js';
import type { EventStore } from './store.js';

/**
 * What a store may offer beyond `EventStore` (DynamoDbEventStore offers all three; the in-memory
 * store only `headVersion`). appendFacts uses whatever is there.
 */
interface HeadAwareStore {
  /** The head version, read from the store (one small read). */
  headVersion(stream: string): Promise<number>;
  /** The head version the store last saw, without a request; a guess another writer may have passed. */
  cachedHeadVersion(stream: string): number | undefined;
  /** Whether an append of several events is one atomic write here (false: one event per append). */
  canAppendAtomically(): boolean;
}

/**
 * Events per append when `oneAtATime` meets a store that writes several atomically: ten items of
 * at most 400 KB each stay within TransactWriteItems' 4 MB, whatever the events hold.
 */
const MAX_FACTS_PER_APPEND = 10;

export interface AppendFactsOptions {
  /** How many appends to try before the last ConcurrencyConflict is rethrown. @default 5 */
  maxAttempts?: number;
  /**
   * Pause before retry number `attempt` (2, 3, ...), in ms. Jitter spreads writers that
   * collided apart. @default up to 10 ms × attempt, random
   */
  retryDelayMs?: (attempt: number) => number;
  /**
   * Do not require the list to be written atomically: on a store that cannot append several
   * events in one write (dynalite has no transactions) the events are appended one at a time, each
   * at the version the previous append returned; on one that can (`canAppendAtomically()`:
   * DynamoDB, moto, LocalStack) they go in groups of up to 10 per transaction. The head is read
   * once at the start (or not at all, when the store remembers it) and again only after a
   * conflict; `maxAttempts` counts per append. A failure can leave the earlier events written:
   * order them so that the last one is the one that says "done". @default false
   */
  oneAtATime?: boolean;
}

/**
 * Appends facts that do not depend on the stream's state (StepSucceeded, SecretRead,
 * ModelInvoked, ...) at whatever the head is: finds the head version, appends, and on
 * `ConcurrencyConflict` re-reads and tries again, at most `maxAttempts` times in all.
 * Never use it for decisions (ApprovalDecided): those must be decided against the state
 * the caller read, and a conflict must make it decide again.
 *
 * Requests: the first try uses the head the store remembers (`cachedHeadVersion`), when it has
 * one, and reads it otherwise; a remembered head that turns out stale costs one refused write and
 * a read, and does not count as an attempt (it was not a race with a writer, just old news).
 *
 * With `oneAtATime` the events are appended in order, each append at the version the previous
 * one returned (see the option).
 *
 * @example
 * await appendFacts(store, executionStream(id), [
 *   { type: 'StepSucceeded', actor: 'step:extract-invoice', data: { step: 'extract-invoice', durationMs: 412 } },
 * ]);
 * // Facts first, the commit marker last, without requiring a transaction:
 * await appendFacts(store, executionStream(id), [secretRead, paymentRecorded, stepSucceeded], { oneAtATime: true });
 */
export async function appendFacts(
  store: EventStore,
  stream: string,
  events: NewEvent[],
  { maxAttempts = 5, retryDelayMs = defaultDelay, oneAtATime = false }: AppendFactsOptions = {},
): Promise<StoredEvent[]> {
  const attempts = Math.max(1, Math.floor(maxAttempts));
  const aware = store as Partial<HeadAwareStore>;
  const stored: StoredEvent[] = [];
  // The version the last append returned; unknown (look it up) at the start and after a conflict.
  let known: number | undefined;
  // The store's remembered head is tried until the first conflict; after one, only reads are trusted.
  let guessing = true;
  let remaining = events;
  while (remaining.length > 0) {
    const batch = !oneAtATime ? remaining : remaining.slice(0, atomic(aware) ? MAX_FACTS_PER_APPEND : 1);
    for (let attempt = 1; ; ) {
      const guessed = known === undefined && guessing ? aware.cachedHeadVersion?.call(store, stream) : undefined;
      const version = known ?? guessed ?? (await headVersion(store, stream));
      try {
        const written = await store.append(stream, version, batch);
        stored.push(...written);
        known = written.at(-1)?.version ?? version;
        remaining = remaining.slice(batch.length);
        break;
      } catch (error) {
        known = undefined;
        // The store just learned it has no transactions (dynalite): the same events, one at a time.
        if (oneAtATime && batch.length > 1 && error instanceof ConfigurationInvalid && !atomic(aware)) break;
        if (!(error instanceof ConcurrencyConflict)) throw error;
        guessing = false;
        if (guessed !== undefined) continue; // a stale remembered head: read it, without counting an attempt
        if (attempt >= attempts) throw error;
        attempt += 1;
        const delay = retryDelayMs(attempt);
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
  return stored;
}

function atomic(store: Partial<HeadAwareStore>): boolean {
  return typeof store.canAppendAtomically === 'function' && store.canAppendAtomically();
}

async function headVersion(store: EventStore, stream: string): Promise<number> {
  const reader = store as Partial<HeadAwareStore>;
  if (typeof reader.headVersion === 'function') return reader.headVersion.call(store, stream);
  return (await store.read(stream)).at(-1)?.version ?? 0;
}

function defaultDelay(attempt: number): number {
  return Math.floor(Math.random() * 10 * attempt);
}
