/**
 * Event store cases: the cost of hashing, verifying and appending events, against the floor
 * of raw SHA-256 on inputs of the same size. What an auditor's `wardflow audit verify` over
 * an archive costs is "parse + verify"; what a step pays per recorded fact is "append".
 */
import { hash, randomBytes } from 'node:crypto';
import { EncryptionSdkSealer } from '../../functions/shared/crypto/envelope-sealer.js';
import { canonicalEncoding, hashEvent } from '../../functions/shared/events/canonical.js';
import { verifyChain } from '../../functions/shared/events/chain.js';
import type { NewEvent, StoredEvent } from '../../functions/shared/events/event.js';
import { InMemoryEventStore } from '../../functions/shared/events/memory-store.js';
import { type Archive, EVENTS_PER_STREAM, seededRandom } from '../fixtures/events.js';
import type { BenchCase } from '../harness.js';

export const SHA256_INPUT_BYTES = 456;

/** Names of the rows the ratios are computed from. */
export const ROW = {
  sha256: `sha256 one-shot, ${SHA256_INPUT_BYTES}-byte string -> hex`,
  verify: 'verifyChain (verify only)',
  parseVerify: 'verifyChain (JSON.parse each line + verify)',
} as const;

/** Keeps results alive so V8 cannot drop the work being timed. */
let sink: unknown;
export const consumed = (): unknown => sink;

/**
 * Cases over the archive: raw SHA-256, canonical encoding, hashEvent, verifyChain (with and
 * without parsing), sealing, and in-memory appends with and without a sensitive part.
 *
 * @example
 * for (const c of eventCases(buildArchive(100_000))) console.log((await measure(c)).opsPerSecond);
 */
export function eventCases(archive: Archive, options: { appends: number; sealedAppends: number }): BenchCase[] {
  const total = archive.events.length;
  const random = seededRandom(7);
  // 1024 distinct inputs of exactly SHA256_INPUT_BYTES ASCII bytes, reused in turn.
  const inputs = Array.from({ length: 1024 }, () =>
    Array.from({ length: SHA256_INPUT_BYTES }, () => String.fromCharCode(32 + Math.floor(random() * 95))).join(''),
  );
  // The stored events themselves: the hash covers every field but `hash`, which canonicalEncoding skips.
  const events = archive.events;
  const key = randomBytes(32);
  const sealer = EncryptionSdkSealer.rawAes({ keyName: 'bench', keyNamespace: 'wardflow-bench', key });

  return [
    {
      name: ROW.sha256,
      n: total,
      setup: () => () => {
        let last = '';
        for (let i = 0; i < total; i++) last = hash('sha256', inputs[i & 1023] as string, 'hex');
        sink = last;
      },
    },
    {
      name: 'canonicalEncoding (JCS string, no hash)',
      n: total,
      setup: () => () => {
        let bytes = 0;
        for (let i = 0; i < total; i++) bytes += canonicalEncoding(events[i] as StoredEvent).length;
        sink = bytes;
      },
    },
    {
      name: 'hashEvent (canonicalEncoding + sha256)',
      n: total,
      setup: () => () => {
        let last = '';
        for (let i = 0; i < total; i++) last = hashEvent(events[i] as StoredEvent);
        sink = last;
      },
    },
    {
      name: ROW.verify,
      n: total,
      setup: () => () => {
        let verified = 0;
        for (const chain of archive.streams) {
          const verdict = verifyChain(chain);
          if (verdict.ok) verified += verdict.events;
        }
        assertAllVerified(verified, total);
      },
    },
    {
      name: ROW.parseVerify,
      n: total,
      setup: () => () => {
        let verified = 0;
        for (const lines of archive.lines) {
          const verdict = verifyChain(lines.map((line) => JSON.parse(line) as StoredEvent));
          if (verdict.ok) verified += verdict.events;
        }
        assertAllVerified(verified, total);
      },
    },
    {
      name: 'EncryptionSdkSealer.rawAes seal (one sensitive part)',
      n: options.sealedAppends,
      setup: () => async () => {
        for (let i = 0; i < options.sealedAppends; i++) {
          sink = await sealer.seal(sensitivePart(i), { stream: 'execution#bench-seal', version: i + 1 });
        }
      },
    },
    appendCase('InMemoryEventStore.append, 1 event/call, no sensitive part', options.appends, sealer, false),
    appendCase('InMemoryEventStore.append, 1 event/call, sensitive (rawAes)', options.sealedAppends, sealer, true),
  ];
}

/**
 * Appends `n` events one per call, as steps do (one fact per invocation), into streams of
 * EVENTS_PER_STREAM, through a fresh store per repetition.
 */
function appendCase(name: string, n: number, sealer: EncryptionSdkSealer, sensitive: boolean): BenchCase {
  const drafts: NewEvent[] = Array.from({ length: n }, (_, i) => ({
    type: 'StepSucceeded',
    actor: 'step:extract-invoice',
    data: { step: 'extract-invoice', durationMs: 100 + (i % 900) },
    ...(sensitive ? { sensitive: sensitivePart(i) } : {}),
  }));
  let round = 0;
  return {
    name,
    n,
    setup: () => {
      const store = new InMemoryEventStore({ sealer });
      const prefix = `execution#bench-${round++}-`;
      return async () => {
        let last: StoredEvent[] = [];
        for (let i = 0; i < n; i++) {
          const stream = `${prefix}${Math.floor(i / EVENTS_PER_STREAM)}`;
          last = await store.append(stream, i % EVENTS_PER_STREAM, [drafts[i] as NewEvent]);
        }
        sink = last;
      };
    },
  };
}

/** A sensitive part of about 80 bytes of JSON: a task token or an approver's short comment. */
function sensitivePart(i: number): { [key: string]: string } {
  return { comment: `Approved, matches PO ${100000 + i}; please pay before the end of the month.` };
}

/** A correctness guard, not a timing assertion: a failing chain means the bench measured nothing real. */
function assertAllVerified(verified: number, total: number): void {
  if (verified !== total) throw new RangeError(`bench archive: ${verified} of ${total} events verified`);
}
