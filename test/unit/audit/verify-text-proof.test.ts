import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ARCHIVE_FORMAT,
  type ArchiveBatch,
  archiveObjectKey,
  encodeArchiveBatch,
  parseArchiveBatch,
} from '../../../functions/shared/audit/archive-format.js';
import { hashEvent } from '../../../functions/shared/events/canonical.js';
import type { StoredEvent } from '../../../functions/shared/events/event.js';
import { archivedHashesProven } from '../../../lib/audit/archived-text-proof.js';
import { verifyArchive } from '../../../lib/audit/verify-archive.js';
import { validStream } from '../events/event-fixtures.js';

/**
 * The fast path of `audit verify` proves claimed hashes from an object's bytes. It must vouch only
 * for objects whose parsed events are exactly the bytes it hashed: every object that is laid out
 * otherwise falls back to re-encoding each parsed event, and tampering is still caught.
 */
const SOURCE = 'arn:aws:dynamodb:us-east-1:000000000000:table/events/stream/label';

async function objectOf(n: number): Promise<{ key: string; text: string; batch: ArchiveBatch; events: StoredEvent[] }> {
  const events = await validStream(n);
  const batch: ArchiveBatch = {
    format: ARCHIVE_FORMAT,
    source: SOURCE,
    records: events.map((event, i) => ({
      sequenceNumber: String(100_000_000_000_000_000_001n + BigInt(i)),
      change: 'INSERT' as const,
      approximateCreationTime: Math.floor(Date.parse(event.time) / 1000),
      stream: event.stream,
      version: event.version,
      event,
    })),
  };
  return { key: archiveObjectKey(batch), text: encodeArchiveBatch(batch), batch, events };
}

const proven = (text: string, key: string): boolean => archivedHashesProven(text, parseArchiveBatch(text, key));

describe('archivedHashesProven', () => {
  it("vouches for an object exactly as the archiver writes it", async () => {
    const { key, text } = await objectOf(4);
    expect(proven(text, key)).toBe(true);
  });

  it('refuses a changed byte, a reformatted object and an older layout; the verifier then re-encodes and still decides right', async () => {
    const { key, text, events } = await objectOf(4);
    const changed = text.replace('"step":"step-2"', '"step":"step-9"');
    expect(proven(changed, key)).toBe(false);
    expect(verifyArchive([{ key, text: changed }], { compareWithStore: false }).firstProblem).toMatchObject({ version: 2, reason: 'hash mismatch: content changed' });

    const reformatted = `${JSON.stringify(JSON.parse(text), null, 1)}\n`;
    expect(proven(reformatted, key)).toBe(false);
    expect(verifyArchive([{ key, text: reformatted }], { compareWithStore: false }).ok).toBe(true);

    // The first archiver wrote events with JSON.stringify in field order, not canonically.
    const older = `${JSON.stringify({ format: ARCHIVE_FORMAT, source: SOURCE, records: parseArchiveBatch(text, key).records.map((r) => ({ ...r, event: events[r.version - 1] })) })}\n`;
    expect(proven(older, key)).toBe(false);
    expect(verifyArchive([{ key, text: older }], { compareWithStore: false }).events).toBe(4);
  });

  it('is not fooled by a second "records" array after the honest lines (JSON.parse keeps the last one)', async () => {
    const { key, text, batch } = await objectOf(3);
    // The forged copy claims the genuine hash; the honest lines still show the genuine bytes.
    const forged = structuredClone(batch.records);
    forged[0]!.event!.data = { ...forged[0]!.event!.data, durationMs: 99_999 };
    const forgedLines = JSON.stringify(forged).slice(1, -1);
    const attack = `${text.slice(0, -'\n]}\n'.length)}\n],"records":[${forgedLines}]}\n`;
    expect(parseArchiveBatch(attack, key).records[0]?.event?.data.durationMs).toBe(99_999);
    expect(proven(attack, key)).toBe(false);
    expect(verifyArchive([{ key, text: attack }], { compareWithStore: false }).firstProblem).toMatchObject({ version: 1, reason: 'hash mismatch: content changed' });
  });

  it('is not fooled by a record moved into the header line and the lines shifted', async () => {
    const { key, text, batch } = await objectOf(3);
    const lines = text.split('\n');
    const forged = structuredClone(batch.records[0]!);
    forged.event!.data = { ...forged.event!.data, step: 'forged' };
    // The header line now also holds a forged copy of record 0 claiming its hash, so records and lines are off by one
    // (the forged record 0 "is" the honest first line); a blank line keeps the count of lines at records + 3.
    const attack = [`${lines[0]}${JSON.stringify(forged)},`, ...lines.slice(1, -2), ' ', ...lines.slice(-2)].join('\n');
    expect(parseArchiveBatch(attack, key).records).toHaveLength(4);
    expect(proven(attack, key)).toBe(false);
    const report = verifyArchive([{ key, text: attack }], { compareWithStore: false });
    expect(report.ok).toBe(false);
    expect(report.firstProblem).toMatchObject({ version: 1, reason: 'hash mismatch: content changed' });
  });

  it('vouches for the bytes hashed, not their canonical form: a forgery hashed over non-canonical bytes is caught by the event store', async () => {
    const { key, text, events } = await objectOf(3);
    const head = events[2]!;
    // Data keys out of JCS order and a value changed, hashed as they stand.
    const forgedBytes = (h: string) =>
      `{"actor":"step:step-3","data":{"step":"step-3","durationMs":99},${h}"prevHash":"${head.prevHash}","sealed":${JSON.stringify(head.sealed)},"stream":"${head.stream}","time":"${head.time}","type":"StepSucceeded","version":3}`;
    const forgedHash = createHash('sha256').update(forgedBytes('')).digest('hex');
    const line = text.split('\n')[3]!;
    const forgedLine = `${line.slice(0, line.indexOf(',"event":') + 9)}${forgedBytes(`"hash":"${forgedHash}",`)}}`;
    const forged = text.replace(line, forgedLine);
    const parsed = parseArchiveBatch(forged, key);
    expect(proven(forged, key)).toBe(true);
    expect(hashEvent(parsed.records[2]!.event!)).not.toBe(forgedHash);
    // The archive alone cannot tell this from a forgery hashed canonically; the store can.
    expect(verifyArchive([{ key, text: forged }], { compareWithStore: false }).ok).toBe(true);
    expect(verifyArchive([{ key, text: forged }], { storeEvents: events }).firstProblem).toMatchObject({ version: 3, reason: 'version 3 differs from the event store' });
  });

  it('refuses a REMOVE record and a stream that JSON must escape', async () => {
    const { batch } = await objectOf(2);
    const removed: ArchiveBatch = { ...batch, records: [...batch.records, { ...batch.records[1]!, sequenceNumber: '100000000000000000009', change: 'REMOVE', event: null }] };
    const text = encodeArchiveBatch(removed);
    expect(proven(text, archiveObjectKey(removed))).toBe(false);

    const unhashed = { stream: 'execution#with"quote', version: 1, type: 'StepSucceeded' as const, time: '2026-11-25T09:00:00.000Z', actor: 'step:x', data: {}, sealed: null, prevHash: null };
    const escaped: ArchiveBatch = {
      ...batch,
      records: [{ sequenceNumber: '100000000000000000001', change: 'INSERT', approximateCreationTime: 1_795_597_200, stream: unhashed.stream, version: 1, event: { ...unhashed, hash: hashEvent(unhashed) } }],
    };
    const escapedKey = archiveObjectKey(escaped);
    expect(proven(encodeArchiveBatch(escaped), escapedKey)).toBe(false);
    expect(verifyArchive([{ key: escapedKey, text: encodeArchiveBatch(escaped) }], { compareWithStore: false }).ok).toBe(true);
  });
});
