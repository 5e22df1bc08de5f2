import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { TamperDetected } from '../../functions/shared/errors.js';
import { fromItem } from '../../functions/shared/events/dynamodb-item.js';
import type { StoredEvent } from '../../functions/shared/events/event.js';

/** An item of the events table that is not an event, by its key and what is wrong (attribute names only). */
export interface InvalidStoreItem {
  stream: string;
  version: number;
  reason: string;
}

/** One page of the scan: the events read, and the items that are not events. */
export interface StoreEventsPage {
  events: StoredEvent[];
  invalid: InvalidStoreItem[];
}

/**
 * Every item of the events table, page by page (a paginated Scan with ConsistentRead, so an
 * append acknowledged before the scan reached its partition is seen), read through the event
 * store's own `fromItem`. The whole table: `audit verify` must find events the archive lacks,
 * and no index says which streams exist. An item that is not an event is returned as invalid,
 * never thrown: the verifier reports it beside everything else it finds.
 *
 * @example
 * for await (const page of scanStoreEvents(connection.dynamodb, connection.eventsTable)) {
 *   for (const event of page.events) verifier.addStoreEvent(event);
 * }
 */
export async function* scanStoreEvents(dynamodb: DynamoDBClient, tableName: string): AsyncGenerator<StoreEventsPage> {
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    const events: StoredEvent[] = [];
    const invalid: InvalidStoreItem[] = [];
    for (const item of page.Items ?? []) {
      try {
        events.push(fromItem(item));
      } catch (error) {
        if (!(error instanceof TamperDetected)) throw error;
        invalid.push({ stream: error.stream, version: error.version, reason: error.reason });
      }
    }
    yield { events, invalid };
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
}
