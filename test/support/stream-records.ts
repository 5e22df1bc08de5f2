import type { DynamoDBRecord } from 'aws-lambda';
import type { AttributeValue as LambdaAttributeValue } from 'aws-lambda';
import { toItem } from '../../functions/shared/events/dynamodb-item.js';
import type { StoredEvent } from '../../functions/shared/events/event.js';

export const TEST_STREAM_ARN = 'arn:aws:dynamodb:us-east-1:000000000000:table/events/stream/2026-11-25T00:00:00.000';

/**
 * DynamoDB Streams INSERT records (NEW_IMAGE) for events, as Lambda hands them to the archiver:
 * sequence numbers from `firstSequence` up, creation time from each event's own time.
 *
 * @example
 * const records = insertRecords(await validStream(3));
 */
export function insertRecords(events: readonly StoredEvent[], firstSequence = 100_000_000_000_000_000_001n): DynamoDBRecord[] {
  return events.map((event, i) => {
    const item = toItem(event);
    return {
      eventID: `event-${i}`,
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: TEST_STREAM_ARN,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.parse(event.time) / 1000),
        Keys: { stream: { S: event.stream }, version: { N: String(event.version) } },
        NewImage: item as Record<string, LambdaAttributeValue>,
        SequenceNumber: String(firstSequence + BigInt(i)),
        SizeBytes: JSON.stringify(item).length,
        StreamViewType: 'NEW_IMAGE',
      },
    };
  });
}
