import { ConcurrencyConflict } from '../errors.js';
import type { NewEvent, StoredEvent } from './event.js';
import type { EventStore } from './store.js';

/**
 * Opens a stream with its first event, once. The event is appended at expected version 0;
 * when the stream already has a first event (`ConcurrencyConflict`), it is read back and,
 * if `isOwn(first)` says an earlier attempt of the same work wrote it, returned as if just
 * written. Step Functions retries a task whose write succeeded but whose invocation failed
 * afterwards (Lambda.ServiceException, a failed audit write): without this, every retry
 * would conflict at version 0 until the execution fails.
 *
 * Anything else in the first position is someone else's stream: the ConcurrencyConflict
 * is rethrown. Callers should return what the first event records (not what they would
 * write now): configuration can change between attempts, the record cannot.
 *
 * @example
 * const first = await openStream(store, executionStream(id), started, (e) => e.type === 'ExecutionStarted' && e.actor === started.actor);
 */
export async function openStream(store: EventStore, stream: string, event: NewEvent, isOwn: (first: StoredEvent) => boolean): Promise<StoredEvent> {
  try {
    const [written] = await store.append(stream, 0, [event]);
    return written as StoredEvent;
  } catch (error) {
    if (!(error instanceof ConcurrencyConflict)) throw error;
    const [first] = await store.read(stream);
    if (first === undefined || !isOwn(first)) throw error;
    return first;
  }
}
