import { TamperDetected } from '../errors.js';
import { hashEvent } from './canonical.js';
import type { StoredEvent } from './event.js';

/** The outcome of verifying one stream's hash chain. */
export type ChainVerdict =
  | { ok: true; events: number; head: string | null }
  | { ok: false; stream: string; version: number; reason: string };

/**
 * Verifies one stream: versions run 1..n in order with no gap or duplicate, every event
 * belongs to the same stream, every hash matches its content, and every `prevHash` is the
 * previous event's hash (null for version 1). Names the FIRST bad event.
 *
 * `version` in a failed verdict is the version the chain expected at that position, so a
 * deleted event is reported where it is missing. An empty list verifies (head null).
 *
 * @example
 * const verdict = verifyChain(await store.read('execution#e1'));
 * if (!verdict.ok) console.error(`${verdict.stream} v${verdict.version}: ${verdict.reason}`);
 */
export function verifyChain(events: readonly StoredEvent[]): ChainVerdict {
  const first = events[0];
  if (first === undefined) return { ok: true, events: 0, head: null };
  const stream = first.stream;
  let prevHash: string | null = null;
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as StoredEvent;
    const expected = i + 1;
    if (event.stream !== stream) {
      return { ok: false, stream, version: expected, reason: `event belongs to another stream (${event.stream})` };
    }
    if (event.version !== expected) {
      const reason =
        event.version < expected
          ? `version ${event.version} duplicated or out of order (expected ${expected})`
          : `version ${expected} missing (found ${event.version})`;
      return { ok: false, stream, version: expected, reason };
    }
    if (event.prevHash !== prevHash) {
      const reason =
        prevHash === null ? 'prevHash must be null for version 1' : `prevHash does not match hash of version ${expected - 1}`;
      return { ok: false, stream, version: expected, reason };
    }
    if (hashEvent(event) !== event.hash) {
      return { ok: false, stream, version: expected, reason: 'hash mismatch: content changed' };
    }
    prevHash = event.hash;
  }
  return { ok: true, events: events.length, head: prevHash };
}

/**
 * Like `verifyChain`, but throws `TamperDetected` naming the first bad event.
 *
 * @example
 * const events = await store.read(stream);
 * assertChain(events); // throws TamperDetected when anything was changed
 * const state = executionState(events);
 */
export function assertChain(events: readonly StoredEvent[]): void {
  const verdict = verifyChain(events);
  if (!verdict.ok) throw new TamperDetected(verdict.stream, verdict.version, verdict.reason);
}
