import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AttributeValue as LambdaAttributeValue, DynamoDBRecord } from 'aws-lambda';

/**
 * The local events table's stream as DynamoDB Streams would name it: one shard, whose label is
 * the table's creation time (as AWS labels a stream by when it was enabled).
 */
export interface LocalStreamIdentity {
  /** `arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>` */
  streamArn: string;
  /** `shardId-<20 digits>-<8 hex>`, as AWS shard ids look. */
  shardId: string;
}

/** A stream record exactly as Lambda hands it to the archiver (every field present). */
export type LocalStreamRecord = DynamoDBRecord & {
  eventID: string;
  eventName: 'INSERT';
  eventVersion: '1.1';
  eventSource: 'aws:dynamodb';
  awsRegion: string;
  eventSourceARN: string;
  dynamodb: {
    ApproximateCreationDateTime: number;
    Keys: { stream: LambdaAttributeValue; version: LambdaAttributeValue };
    NewImage: Record<string, LambdaAttributeValue>;
    SequenceNumber: string;
    SizeBytes: number;
    StreamViewType: 'NEW_IMAGE';
  };
};

/**
 * The first sequence number of a new local stream: 21 digits, like the ones AWS hands out
 * (e.g. `800000000003126276362`), so nothing downstream can rely on short numbers that AWS never sends.
 */
export const FIRST_SEQUENCE_NUMBER = 100_000_000_000_000_000_001n;

/**
 * The identity of the local table's stream.
 *
 * @example
 * localStreamIdentity({ region: 'us-east-1', account: '000000000000', table: 'wardflow-local-events', createdAt: new Date() });
 */
export function localStreamIdentity(options: { region: string; account: string; table: string; createdAt: Date }): LocalStreamIdentity {
  const label = options.createdAt.toISOString().replace('Z', '');
  const streamArn = `arn:aws:dynamodb:${options.region}:${options.account}:table/${options.table}/stream/${label}`;
  const suffix = createHash('sha256').update(streamArn).digest('hex').slice(0, 8);
  return { streamArn, shardId: `shardId-${String(options.createdAt.getTime()).padStart(20, '0')}-${suffix}` };
}

/**
 * One table item as the INSERT record DynamoDB Streams (view NEW_IMAGE) would carry: the item
 * untouched as NewImage, its key as Keys, and the given sequence number. The creation time is
 * the item's `time` attribute (the store sets it when it appends, so it is the write time to
 * within milliseconds); an item without a readable time (not written by the store) gets `capturedAt`.
 *
 * @example
 * const record = insertRecord(item, { identity, region: 'us-east-1', sequenceNumber: FIRST_SEQUENCE_NUMBER, capturedAt: new Date() });
 */
export function insertRecord(
  item: Record<string, AttributeValue>,
  options: { identity: LocalStreamIdentity; region: string; sequenceNumber: bigint; capturedAt: Date },
): LocalStreamRecord {
  const image = item as unknown as Record<string, LambdaAttributeValue>; // the SDK's and aws-lambda's types describe one wire shape
  const keys = { stream: image.stream as LambdaAttributeValue, version: image.version as LambdaAttributeValue };
  const sequenceNumber = options.sequenceNumber.toString();
  return {
    eventID: createHash('sha256').update(`${options.identity.streamArn}/${sequenceNumber}`).digest('hex').slice(0, 32),
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: options.region,
    eventSourceARN: options.identity.streamArn,
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(itemTimeMs(item, options.capturedAt) / 1000),
      Keys: keys,
      NewImage: image,
      SequenceNumber: sequenceNumber,
      SizeBytes: itemSize(keys) + itemSize(image),
      StreamViewType: 'NEW_IMAGE',
    },
  };
}

/**
 * The item's `time` attribute in milliseconds, or `fallback` when it has none that parses.
 *
 * @example
 * itemTimeMs({ time: { S: '2026-01-01T00:00:00.000Z' } }, new Date()); // 1767225600000
 */
export function itemTimeMs(item: Record<string, AttributeValue>, fallback: Date): number {
  const time = Date.parse(item.time?.S ?? '');
  return Number.isFinite(time) ? time : fallback.getTime();
}

/**
 * DynamoDB's size rule for the attribute kinds the events table holds (name bytes plus value
 * bytes; a number is about one byte per two digits); other kinds are counted by their JSON.
 */
function itemSize(item: Record<string, LambdaAttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name, 'utf8');
    if (value.S !== undefined) size += Buffer.byteLength(value.S, 'utf8');
    else if (value.N !== undefined) size += Math.ceil(value.N.replace(/^-|\.|e.*$/gi, '').length / 2) + 1;
    else size += Buffer.byteLength(JSON.stringify(value), 'utf8');
  }
  return size;
}
