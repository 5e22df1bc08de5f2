import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Sealer } from '../../../functions/shared/crypto/sealer.js';
import { DynamoDbEventStore } from '../../../functions/shared/events/dynamodb-store.js';
import { approvalStream, executionStream, type StoredEvent } from '../../../functions/shared/events/event.js';
import { readVerified } from '../../../functions/shared/events/read-verified.js';
import type { EndpointsFile } from './endpoints-file.js';

/** Reading needs no key: sealed parts stay sealed. Anything that tries to seal or open here is a mistake. */
const READ_ONLY_SEALER: Sealer = {
  seal: () => Promise.reject(new Error('this event reader only reads; it cannot seal')),
  open: () => Promise.reject(new Error('this event reader only reads; sealed parts stay sealed')),
};

/**
 * Reads execution streams of a running local runtime, chain verified, with the real SDK
 * client pointed at its DynamoDB endpoint.
 *
 * @example
 * const reader = localEventReader(endpoints);
 * const events = await reader.execution('invoice-large-1a2b3c4d');
 */
export function localEventReader(endpoints: EndpointsFile) {
  const client = new DynamoDBClient({ endpoint: endpoints.endpoints.dynamodb, region: endpoints.region, credentials: endpoints.credentials });
  const store = new DynamoDbEventStore({ client, tableName: endpoints.resources.eventsTable, sealer: READ_ONLY_SEALER });
  return {
    execution: (executionId: string): Promise<StoredEvent[]> => readVerified(store, executionStream(executionId)),
    approval: (approvalId: string): Promise<StoredEvent[]> => readVerified(store, approvalStream(approvalId)),
    close: () => client.destroy(),
  };
}
