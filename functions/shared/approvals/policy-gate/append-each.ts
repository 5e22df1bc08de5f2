import { ConcurrencyConflict } from '../../errors.js';
import type { NewEvent, StoredEvent } from '../../events/event.js';
import type { EventStore } from '../../events/store.js';

/**
 * Appends events one at a time, each at the version the previous one left, and stops at the first
 * that another writer beat (ConcurrencyConflict): what landed is returned with `complete: false`.
 * A policy gate writes its consequences this way because the local runtime's DynamoDB (dynalite)
 * has no transactions: every event is still a conditional write at the version read, so nothing
 * is written twice, and what a lost race leaves undone is settled by whoever reads next
 * (levels/settle.ts). Any other error is thrown as it came.
 *
 * @example
 * const { appended, complete } = await appendEach(store, stream, state.version, events);
 * if (!complete) events = await readVerified(store, stream); // and settle again
 */
export async function appendEach(store: EventStore, stream: string, expectedVersion: number, events: readonly NewEvent[]): Promise<{ appended: StoredEvent[]; complete: boolean }> {
  const appended: StoredEvent[] = [];
  for (const event of events) {
    try {
      appended.push(...(await store.append(stream, expectedVersion + appended.length, [event])));
    } catch (error) {
      if (error instanceof ConcurrencyConflict) return { appended, complete: false };
      throw error;
    }
  }
  return { appended, complete: true };
}
