import { ConcurrencyConflict } from '../errors.js';
import type { NewEvent, StoredEvent } from './event.js';
import type { EventStore } from './store.js';

/**
 * Decides whether a stream that already exists is an earlier attempt of the same work.
 * `first` is its first event; `all` is every event of the stream as read back (`all[0]` is
 * `first`), for callers that must also know what was written after it: another writer's
 * events mean the stream has moved on and is no longer "mine to continue".
 */
export type IsOwnStream = (first: StoredEvent, all: readonly StoredEvent[]) => boolean;

/**
 * Opens a stream with its first event, once. The event is appended at expected version 0;
 * when the stream already has a first event (`ConcurrencyConflict`), it is read back and,
 * if `isOwn(first, all)` says an earlier attempt of the same work wrote it, returned as if
 * just written. Step Functions retries a task whose write succeeded but whose invocation
 * failed afterwards (Lambda.ServiceException, a failed audit write): without this, every
 * retry would conflict at version 0 until the execution fails.
 *
 * Anything else is someone else's stream: the ConcurrencyConflict is rethrown. Callers
 * should return what the first event records (not what they would write now):
 * configuration can change between attempts, the record cannot.
 *
 * @example
 * const first = await openStream(store, executionStream(id), started,
 *   (first, all) => first.type === 'ExecutionStarted' && all.every((e) => e.actor === started.actor));
 */
export async function openStream(store: EventStore, stream: string, event: NewEvent, isOwn: IsOwnStream): Promise<StoredEvent> {
  try {
    const [written] = await store.append(stream, 0, [event]);
    return written as StoredEvent;
  } catch (error) {
    if (!(error instanceof ConcurrencyConflict)) throw error;
    const all = await store.read(stream);
    const [first] = all;
    if (first === undefined || !isOwn(first, all)) throw error;
    return first;
  }
}
