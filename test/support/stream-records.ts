import type { DynamoDBRecord } from 'aws-lambda';
import { toItem } from '../../functions/shared/events/dynamodb-item.js';
import type { StoredEvent } from '../../functions/shared/events/event.js';
import { FIRST_SEQUENCE_NUMBER, insertRecord, localStreamIdentity } from '../../lib/local/runtime/audit-stream/stream-records.js';

const IDENTITY = localStreamIdentity({ region: 'us-east-1', account: '000000000000', table: 'events', createdAt: new Date('2026-11-25T00:00:00.000Z') });

/**
 * DynamoDB Streams INSERT records (NEW_IMAGE) for events, as Lambda hands them to the archiver,
 * built by the local runtime's own record builder: sequence numbers from `firstSequence` up,
 * creation time from each event's own time.
 *
 * @example
 * const records = insertRecords(await validStream(3));
 */
export function insertRecords(events: readonly StoredEvent[], firstSequence = FIRST_SEQUENCE_NUMBER): DynamoDBRecord[] {
  return events.map((event, i) =>
    insertRecord(toItem(event), { identity: IDENTITY, region: 'us-east-1', sequenceNumber: firstSequence + BigInt(i), capturedAt: new Date(event.time) }),
  );
}
