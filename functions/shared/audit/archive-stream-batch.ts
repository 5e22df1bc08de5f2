import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { ARCHIVE_FORMAT, type ArchiveBatch, type ArchivedRecord, archiveObjectKey, encodeArchiveBatch } from './archive-format.js';
import { toArchivedRecord, UnarchivableRecord } from './stream-record.js';

/** Writes one archive object; 'existed' when an object with that key is already there (a retried batch). */
export type ArchiveWriter = (key: string, body: string) => Promise<'written' | 'existed'>;

/** What happened to one batch: for the archiver's log line and for tests. Positions and counts only. */
export interface BatchOutcome {
  response: DynamoDBBatchResponse;
  /** The object written (or found already written), if any record was archived. */
  object?: { key: string; records: number; result: 'written' | 'existed' };
  /** The first record that could not be archived, and why (field names only). */
  unarchivable?: { sequenceNumber: string; reason: string };
}

/**
 * Archives one batch of events-table stream records as ONE object, all or nothing.
 *
 * Why not Powertools' BatchProcessor: it processes records one by one and reports each failed
 * one, while the archive needs the records that succeed to land together in a single object,
 * in order. And Lambda restarts a stream batch at the LOWEST reported failure, so anything
 * after a failed record comes again: writing it now would archive it twice.
 *
 * So the records before the first unarchivable one are written as one object, and that record's
 * sequence number is the batch item failure: Lambda retries from it (bisecting, within the
 * mapping's bounded retries) and finally sends its position to the dead-letter queue, after
 * which the records behind it flow again. When the write itself fails, the first record is the
 * failure and the whole batch is retried; as the key and bytes depend only on the records, the
 * retry writes the same object, or finds it already there.
 *
 * @example
 * const { response } = await archiveStreamBatch(event.Records, writer);
 * return response;
 */
export async function archiveStreamBatch(records: readonly DynamoDBRecord[], write: ArchiveWriter): Promise<BatchOutcome> {
  const archived: ArchivedRecord[] = [];
  let unarchivable: BatchOutcome['unarchivable'];
  for (const record of records) {
    try {
      archived.push(toArchivedRecord(record));
    } catch (error) {
      if (!(error instanceof UnarchivableRecord)) throw error;
      unarchivable = { sequenceNumber: error.sequenceNumber ?? firstSequenceNumber([record]), reason: error.reason };
      break;
    }
  }
  const failures = unarchivable === undefined ? [] : [{ itemIdentifier: unarchivable.sequenceNumber }];
  if (archived.length === 0) return { response: { batchItemFailures: failures }, unarchivable };

  const batch: ArchiveBatch = { format: ARCHIVE_FORMAT, source: records[0]?.eventSourceARN ?? '', records: archived };
  const key = archiveObjectKey(batch);
  const result = await write(key, encodeArchiveBatch(batch));
  return { response: { batchItemFailures: failures }, object: { key, records: archived.length, result }, unarchivable };
}

/**
 * The identifier Lambda needs to retry a whole batch from its start. A record without a
 * sequence number has no position to report; the empty string makes Lambda retry the batch.
 */
export function firstSequenceNumber(records: readonly DynamoDBRecord[]): string {
  return records[0]?.dynamodb?.SequenceNumber ?? '';
}
