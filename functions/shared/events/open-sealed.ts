import type { Sealer } from '../crypto/sealer.js';
import type { Json, StoredEvent } from './event.js';

/**
 * Opens the sealed (sensitive) part of a stored event, bound to the event's own stream
 * and version: a ciphertext copied in from another event fails with `TamperDetected`.
 * An event without a sensitive part opens as `{}`.
 *
 * @example
 * const [requested] = await store.read(approvalStream(approvalId));
 * const { taskToken } = await openSealed(requested, sealer);
 */
export async function openSealed(event: StoredEvent, sealer: Sealer): Promise<{ [key: string]: Json }> {
  if (event.sealed === null) return {};
  return sealer.open(event.sealed, { stream: event.stream, version: event.version });
}
