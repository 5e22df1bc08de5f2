import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { toItem } from '../../../functions/shared/events/dynamodb-item.js';
import { scanStoreEvents } from '../../../lib/audit/store-events.js';
import { validStream } from '../events/event-fixtures.js';

describe('scanStoreEvents', () => {
  it('reads every page with ConsistentRead, returns events, and items that are not events by their key', async () => {
    const events = await validStream(3, 'execution#scan-1');
    const dynamodb = mockClient(DynamoDBClient);
    const broken = { ...toItem(events[2]!), data: { S: '{not json' } };
    dynamodb
      .on(ScanCommand, { TableName: 'events', ExclusiveStartKey: undefined })
      .resolves({ Items: [toItem(events[0]!), toItem(events[1]!)], LastEvaluatedKey: toItem(events[1]!) })
      .on(ScanCommand, { TableName: 'events', ExclusiveStartKey: toItem(events[1]!) })
      .resolves({ Items: [broken] });
    const pages = [];
    for await (const page of scanStoreEvents(new DynamoDBClient({ region: 'us-east-1' }), 'events')) pages.push(page);
    expect(pages).toEqual([
      { events: [events[0], events[1]], invalid: [] },
      { events: [], invalid: [{ stream: 'execution#scan-1', version: 3, reason: 'item attribute data is missing or malformed' }] },
    ]);
    expect(dynamodb.commandCalls(ScanCommand).map((call) => call.args[0].input.ConsistentRead)).toEqual([true, true]);
    dynamodb.restore();
  });
});
