import type { NewEvent, StoredEvent } from './event.js';

/**
 * The event store: append with an expected version, read a stream. That is all.
 *
 * `expectedVersion` is the version of the last event the caller has seen (0 for an empty
 * stream). The append writes versions expectedVersion+1 ... atomically, or nothing: when
 * another writer got there first it throws `ConcurrencyConflict` and never overwrites.
 */
export interface EventStore {
  append(stream: string, expectedVersion: number, events: NewEvent[]): Promise<StoredEvent[]>;
  /** Every event of the stream in version order; an unknown stream reads as []. */
  read(stream: string): Promise<StoredEvent[]>;
}
