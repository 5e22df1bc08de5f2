import type { DynamoDBRecord } from 'aws-lambda';
import { TamperDetected } from '../errors.js';
import { fromItem, type EventItem } from '../events/dynamodb-item.js';
import type { ArchivedChange, ArchivedRecord } from './archive-format.js';

/** A stream record the archiver cannot archive faithfully. The reason names the field, never its value. */
export class UnarchivableRecord extends Error {
  override readonly name = 'UnarchivableRecord';
  constructor(
    readonly sequenceNumber: string | undefined,
    readonly reason: string,
  ) {
    super(`stream record ${sequenceNumber ?? '(without a sequence number)'} cannot be archived: ${reason}`);
  }
}

const CHANGES: ReadonlySet<string> = new Set<ArchivedChange>(['INSERT', 'MODIFY', 'REMOVE']);

/**
 * One DynamoDB Streams record of the events table (NEW_IMAGE view), as the archive keeps it:
 * the item read back with the event store's own layout (dynamodb-item.ts), so the archive
 * holds exactly what the store holds. A record that is not an event item throws
 * `UnarchivableRecord`: the archiver reports it as a batch item failure and, after its
 * retries, Lambda sends its position to the dead-letter queue.
 *
 * @example
 * const archived = event.Records.map(toArchivedRecord);
 */
export function toArchivedRecord(record: DynamoDBRecord): ArchivedRecord {
  const stream = record.dynamodb;
  const sequenceNumber = stream?.SequenceNumber;
  const bad = (reason: string): never => {
    throw new UnarchivableRecord(sequenceNumber, reason);
  };
  if (sequenceNumber === undefined || !/^\d{1,40}$/.test(sequenceNumber)) bad('dynamodb.SequenceNumber is missing or not decimal digits');
  const change = record.eventName;
  if (change === undefined || !CHANGES.has(change)) bad('eventName is not INSERT, MODIFY or REMOVE');
  const created = stream?.ApproximateCreationDateTime;
  if (typeof created !== 'number' || !Number.isFinite(created) || created <= 0) bad('dynamodb.ApproximateCreationDateTime is not a time');
  const keyStream = stream?.Keys?.stream?.S;
  const keyVersion = Number(stream?.Keys?.version?.N);
  if (keyStream === undefined) bad('dynamodb.Keys.stream is missing');
  if (!Number.isSafeInteger(keyVersion) || keyVersion < 1) bad('dynamodb.Keys.version is not a whole number from 1');

  let event = null;
  if (change !== 'REMOVE') {
    const image = stream?.NewImage;
    if (image === undefined) bad('dynamodb.NewImage is missing (the table stream must be NEW_IMAGE or NEW_AND_OLD_IMAGES)');
    try {
      // aws-lambda's AttributeValue and the SDK's describe the same wire shape.
      event = fromItem(image as unknown as EventItem);
    } catch (error) {
      if (error instanceof TamperDetected) bad(`NewImage is not an event item: ${error.reason}`);
      throw error;
    }
    if (event.stream !== keyStream || event.version !== keyVersion) bad('NewImage does not match the record keys');
  }
  return {
    sequenceNumber: sequenceNumber as string,
    change: change as ArchivedChange,
    approximateCreationTime: created as number,
    stream: keyStream as string,
    version: keyVersion,
    event,
  };
}
