import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { parseArchiveBatch } from '../../../functions/shared/audit/archive-format.js';
import { archiveStreamBatch, type ArchiveWriter } from '../../../functions/shared/audit/archive-stream-batch.js';
import { toArchivedRecord, UnarchivableRecord } from '../../../functions/shared/audit/stream-record.js';
import { insertRecords } from '../../support/stream-records.js';
import { PLANTED_SECRET, validStream } from '../events/event-fixtures.js';

/** A writer that keeps what it was given, like a bucket that refuses a second PUT of a key. */
function memoryWriter(): ArchiveWriter & { objects: Map<string, string>; puts: number } {
  const objects = new Map<string, string>();
  const writer = Object.assign(
    async (key: string, body: string) => {
      writer.puts++;
      if (objects.has(key)) return 'existed' as const;
      objects.set(key, body);
      return 'written' as const;
    },
    { objects, puts: 0 },
  );
  return writer;
}

/** A record whose NewImage is not an event item: the `hash` attribute is gone. */
function poisoned(record: DynamoDBRecord): DynamoDBRecord {
  const copy = structuredClone(record);
  delete copy.dynamodb!.NewImage!.hash;
  return copy;
}

describe('toArchivedRecord', () => {
  it('reads an INSERT back into exactly the stored event', async () => {
    const [event] = await validStream(1);
    const [record] = insertRecords([event!]);
    expect(toArchivedRecord(record!)).toEqual({
      sequenceNumber: record!.dynamodb!.SequenceNumber,
      change: 'INSERT',
      approximateCreationTime: record!.dynamodb!.ApproximateCreationDateTime,
      stream: event!.stream,
      version: 1,
      event,
    });
  });

  it('keeps a REMOVE (no image) and a MODIFY: both are evidence of a changed table', async () => {
    const [record] = insertRecords(await validStream(1));
    const remove = { ...structuredClone(record!), eventName: 'REMOVE' as const };
    delete remove.dynamodb!.NewImage;
    expect(toArchivedRecord(remove)).toMatchObject({ change: 'REMOVE', event: null, stream: 'execution#chain-1', version: 1 });
    expect(toArchivedRecord({ ...record!, eventName: 'MODIFY' })).toMatchObject({ change: 'MODIFY', version: 1 });
  });

  it.each([
    ['an item that is not an event', (r: DynamoDBRecord) => poisoned(r), /NewImage is not an event item: item attribute hash/],
    ['no image', (r: DynamoDBRecord) => ({ ...r, dynamodb: { ...r.dynamodb, NewImage: undefined } }), /NewImage is missing/],
    ['keys that are not the image\'s', (r: DynamoDBRecord) => ({ ...r, dynamodb: { ...r.dynamodb, Keys: { stream: { S: 'execution#x' }, version: { N: '1' } } } }), /does not match the record keys/],
    ['no sequence number', (r: DynamoDBRecord) => ({ ...r, dynamodb: { ...r.dynamodb, SequenceNumber: undefined } }), /SequenceNumber/],
    ['no creation time', (r: DynamoDBRecord) => ({ ...r, dynamodb: { ...r.dynamodb, ApproximateCreationDateTime: undefined } }), /ApproximateCreationDateTime/],
  ])('refuses %s, naming the field and not the content', async (_what, spoil, message) => {
    const store = await validStream(1);
    store[0]!.data = { note: PLANTED_SECRET };
    const [record] = insertRecords(store);
    const error = (() => {
      try {
        toArchivedRecord(spoil(record!));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UnarchivableRecord);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(PLANTED_SECRET);
  });
});

describe('archiveStreamBatch', () => {
  it('writes a whole batch as one object, in stream order, and reports no failure', async () => {
    const events = await validStream(5);
    const write = memoryWriter();
    const outcome = await archiveStreamBatch(insertRecords(events), write);
    expect(outcome.response).toEqual({ batchItemFailures: [] });
    expect(write.objects.size).toBe(1);
    const [key, body] = [...write.objects][0]!;
    expect(outcome.object).toEqual({ key, records: 5, result: 'written' });
    expect(parseArchiveBatch(body!, key!).records.map((r) => r.event)).toEqual(events);
  });

  it('is idempotent: the same batch again writes the same key and bytes, so the bucket keeps one copy', async () => {
    const records = insertRecords(await validStream(3));
    const first = memoryWriter();
    await archiveStreamBatch(records, first);
    const again = await archiveStreamBatch(structuredClone(records), first);
    expect(again.object?.result).toBe('existed');
    expect(first.objects.size).toBe(1);
    const elsewhere = memoryWriter();
    await archiveStreamBatch(structuredClone(records), elsewhere);
    expect([...elsewhere.objects]).toEqual([...first.objects]);
  });

  it('writes the records before a poison record, reports the poison record, and writes nothing after it', async () => {
    const records = insertRecords(await validStream(5));
    records[2] = poisoned(records[2]!);
    const write = memoryWriter();
    const outcome = await archiveStreamBatch(records, write);
    expect(outcome.response.batchItemFailures).toEqual([{ itemIdentifier: records[2]!.dynamodb!.SequenceNumber }]);
    expect(outcome.unarchivable?.reason).toMatch(/item attribute hash/);
    const [key, body] = [...write.objects][0]!;
    expect(parseArchiveBatch(body!, key!).records.map((r) => r.version)).toEqual([1, 2]);
  });

  it('writes nothing when the first record is poison: Lambda retries from it', async () => {
    const records = insertRecords(await validStream(2));
    records[0] = poisoned(records[0]!);
    const write = memoryWriter();
    const outcome = await archiveStreamBatch(records, write);
    expect(write.puts).toBe(0);
    expect(outcome.response.batchItemFailures).toEqual([{ itemIdentifier: records[0]!.dynamodb!.SequenceNumber }]);
  });

  it('lets a failed write fail the invocation, so Lambda retries the whole batch', async () => {
    const records = insertRecords(await validStream(2));
    await expect(archiveStreamBatch(records, async () => Promise.reject(new Error('SlowDown')))).rejects.toThrow('SlowDown');
  });

  it('does nothing for an empty batch', async () => {
    const write = memoryWriter();
    expect(await archiveStreamBatch([], write)).toEqual({ response: { batchItemFailures: [] }, unarchivable: undefined });
    expect(write.puts).toBe(0);
  });
});
