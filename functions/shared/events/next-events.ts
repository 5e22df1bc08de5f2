import type { Sealer } from '../crypto/sealer.js';
import { hashEvent } from './canonical.js';
import type { Json, NewEvent, StoredEvent } from './event.js';
import { assertItemFits } from './item-size.js';

/** The last event of a stream as far as an append is concerned. */
export interface StreamHead {
  version: number;
  hash: string;
}

export interface NextEventsInput {
  stream: string;
  /** The current head, or null for an empty stream. */
  head: StreamHead | null;
  events: readonly NewEvent[];
  sealer: Sealer;
  now: () => Date;
}

/**
 * Turns validated `NewEvent`s into the `StoredEvent`s that follow `head`: numbers them,
 * stamps the time, seals each `sensitive` part bound to its stream and version, links and
 * hashes them, and checks each fits in a DynamoDB item. Every store builds events here,
 * so the in-memory store and the DynamoDB store hash and seal identically.
 *
 * `data` is copied through JSON text (the form the table stores), so the returned event is
 * exactly what a later `read` returns (e.g. `-0` becomes `0`) and shares nothing with the caller.
 *
 * @example
 * const [stored] = await buildNextEvents({ stream, head: null, events: [started], sealer, now: () => new Date() });
 * // stored.version === 1, stored.prevHash === null
 */
export async function buildNextEvents(input: NextEventsInput): Promise<StoredEvent[]> {
  const { stream, head, events, sealer } = input;
  const time = input.now().toISOString();
  const firstVersion = (head?.version ?? 0) + 1;
  // Sealing is the slow part (a KMS call per event at worst); run those concurrently.
  const sealed = await Promise.all(
    events.map((event, i) =>
      event.sensitive === undefined ? null : sealer.seal(event.sensitive, { stream, version: firstVersion + i }),
    ),
  );
  const built: StoredEvent[] = [];
  let prevHash = head?.hash ?? null;
  events.forEach((event, i) => {
    const dataText = JSON.stringify(event.data);
    const unhashed = {
      stream,
      version: firstVersion + i,
      type: event.type,
      time,
      actor: event.actor,
      data: JSON.parse(dataText) as { [key: string]: Json },
      sealed: sealed[i] ?? null,
      prevHash,
    };
    const stored: StoredEvent = { ...unhashed, hash: hashEvent(unhashed) };
    assertItemFits(stored, `events[${i}]`, dataText);
    built.push(stored);
    prevHash = stored.hash;
  });
  return built;
}
