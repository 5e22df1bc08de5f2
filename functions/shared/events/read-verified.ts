import { assertChain } from './chain.js';
import type { StoredEvent } from './event.js';
import type { EventStore } from './store.js';

/**
 * Reads a stream and proves its hash chain before anyone decides on it: a payment, an
 * approval or an expiry must never rest on an event someone edited in the table. Costs a
 * few microseconds per event; throws `TamperDetected` naming the first bad event.
 *
 * @example
 * const approval = approvalState(await readVerified(store, approvalStream(approvalId)));
 */
export async function readVerified(store: EventStore, stream: string): Promise<StoredEvent[]> {
  const events = await store.read(stream);
  assertChain(events);
  return events;
}
