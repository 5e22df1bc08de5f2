import { describe, expect, it } from 'vitest';
import {
  ARCHIVE_FORMAT,
  type ArchiveBatch,
  ArchiveObjectInvalid,
  archiveHourPrefix,
  archiveKeyTime,
  archiveObjectKey,
  encodeArchiveBatch,
  isArchiveObjectKey,
  parseArchiveBatch,
} from '../../../functions/shared/audit/archive-format.js';
import { canonicalEventText } from '../../../functions/shared/events/canonical.js';
import { PLANTED_SECRET, validStream } from '../events/event-fixtures.js';

async function batchOf(n: number, firstSequence = 101, time = Date.UTC(2026, 10, 25, 23, 27, 45) / 1000): Promise<ArchiveBatch> {
  const events = await validStream(n);
  return {
    format: ARCHIVE_FORMAT,
    source: 'arn:aws:dynamodb:us-east-1:000000000000:table/events/stream/label',
    records: events.map((event, i) => ({
      sequenceNumber: String(firstSequence + i),
      change: 'INSERT' as const,
      approximateCreationTime: time + i,
      stream: event.stream,
      version: event.version,
      event,
    })),
  };
}

describe('archive object keys', () => {
  it('name the hour folder, the first record time and both sequence numbers, zero-padded', async () => {
    const key = archiveObjectKey(await batchOf(3, 101));
    expect(key).toBe(`events/2026/11/25/23/20261125T232745Z-${'101'.padStart(40, '0')}-${'103'.padStart(40, '0')}.json`);
    expect(isArchiveObjectKey(key)).toBe(true);
    expect(archiveKeyTime(key)?.toISOString()).toBe('2026-11-25T23:27:45.000Z');
    expect(key.startsWith(archiveHourPrefix(new Date('2026-11-25T23:59:59Z')))).toBe(true);
  });

  it('sort by time, then by stream position, as strings (how S3 lists them)', async () => {
    const early = archiveObjectKey(await batchOf(1, 9_999, Date.UTC(2026, 0, 1) / 1000));
    const sameSecondLow = archiveObjectKey(await batchOf(1, 99, Date.UTC(2026, 0, 2) / 1000));
    const sameSecondHigh = archiveObjectKey(await batchOf(1, 100, Date.UTC(2026, 0, 2) / 1000));
    expect([sameSecondHigh, early, sameSecondLow].sort()).toEqual([early, sameSecondLow, sameSecondHigh]);
  });

  it('are the same for the same batch: a retried batch writes the same key', async () => {
    const batch = await batchOf(4);
    expect(archiveObjectKey(structuredClone(batch))).toBe(archiveObjectKey(batch));
  });

  it('refuse what is not a stream sequence number, and keys made by hand are not archive keys', async () => {
    const batch = await batchOf(1);
    batch.records[0]!.sequenceNumber = '12a';
    expect(() => archiveObjectKey(batch)).toThrow(/sequence number/);
    expect(isArchiveObjectKey('events/2026/11/25/23/notes.json')).toBe(false);
    expect(archiveKeyTime('events/x.json')).toBeUndefined();
  });
});

describe('encoding and parsing', () => {
  it('round-trips, and encodes the same batch to the same bytes whatever order its fields were built in', async () => {
    const batch = await batchOf(3);
    const text = encodeArchiveBatch(batch);
    expect(parseArchiveBatch(text, 'k')).toEqual(batch);
    const shuffled: ArchiveBatch = {
      records: batch.records.map((r) => ({
        event: r.event && (Object.fromEntries(Object.entries(r.event).reverse()) as typeof r.event),
        version: r.version,
        stream: r.stream,
        approximateCreationTime: r.approximateCreationTime,
        change: r.change,
        sequenceNumber: r.sequenceNumber,
      })),
      source: batch.source,
      format: batch.format,
    };
    expect(encodeArchiveBatch(shuffled)).toBe(text);
    expect(text.split('\n')).toHaveLength(3 + 3); // header, one line per record, closing line, final newline
  });

  it.each([
    ['not JSON', (t: string) => t.slice(0, -10), /is not valid JSON/],
    ['another format', (t: string) => t.replace(ARCHIVE_FORMAT, 'other.v9'), /"format" is not/],
    ['no records', (t: string) => JSON.stringify({ ...JSON.parse(t), records: [] }), /"records" is not a non-empty array/],
    ['a bad sequence number', (t: string) => t.replace('"sequenceNumber":"101"', '"sequenceNumber":101'), /records\[0\]\.sequenceNumber is not a decimal string/],
    ['an unknown change', (t: string) => t.replace('"change":"INSERT"', '"change":"UPSERT"'), /records\[0\]\.change/],
    ['an event of another stream', (t: string) => t.replace(',"stream":"execution#chain-1","time":', ',"stream":"execution#other","time":'), /records\[0\]\.event\.stream/],
    ['a version that is not the record\'s', (t: string) => t.replace('"version":1}}', '"version":2}}'), /records\[0\]\.event\.version/],
  ])('names the object and the field when it holds %s', async (_what, spoil, message) => {
    const batch = await batchOf(2);
    batch.records[0]!.event!.data = { note: PLANTED_SECRET };
    const spoiled = spoil(encodeArchiveBatch(batch));
    const error = (() => {
      try {
        parseArchiveBatch(spoiled, 'events/k.json');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ArchiveObjectInvalid);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain('events/k.json');
    expect((error as Error).message).not.toContain(PLANTED_SECRET);
  });

  it('writes each event in its canonical form with hash, one record per line', async () => {
    const batch = await batchOf(2);
    const lines = encodeArchiveBatch(batch).split('\n');
    expect(lines[1]).toContain(`,"event":${canonicalEventText(batch.records[0]!.event!)}},`);
    expect(lines[2]).toContain(`,"event":${canonicalEventText(batch.records[1]!.event!)}}`);
  });

  it('accepts a REMOVE record without an event and refuses one that carries an event', async () => {
    const batch = await batchOf(1);
    const remove = { ...batch.records[0]!, change: 'REMOVE' as const, event: null };
    expect(parseArchiveBatch(encodeArchiveBatch({ ...batch, records: [remove] }), 'k').records[0]?.event).toBeNull();
    const bad = encodeArchiveBatch(batch).replace('"change":"INSERT"', '"change":"REMOVE"');
    expect(() => parseArchiveBatch(bad, 'k')).toThrow(/event is not null for a REMOVE/);
  });
});
