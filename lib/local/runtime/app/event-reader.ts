import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { approvalStream, executionStream, type StoredEvent } from '../../../../functions/shared/events/event.js';
import { readVerified } from '../../../../functions/shared/events/read-verified.js';
import { openEventReader } from '../../../shared/event-reader.js';
import type { EndpointsFile } from '../services/endpoints-file.js';

/**
 * Reads the streams (execution, approval, a workflow's own) of a running local runtime, chain verified, through
 * the CLI's read-only event store (it holds no key: sealed parts stay sealed) with the real
 * SDK client pointed at the runtime's DynamoDB endpoint.
 *
 * @example
 * const reader = localEventReader(endpoints);
 * const events = await reader.execution('invoice-approval:invoice-large-1a2b3c4d'); // an execution id, `<workflow>:<name>`
 */
export function localEventReader(endpoints: EndpointsFile) {
  const dynamodb = new DynamoDBClient({ endpoint: endpoints.endpoints.dynamodb, region: endpoints.region, credentials: endpoints.credentials });
  const store = openEventReader({ dynamodb, eventsTable: endpoints.resources.eventsTable });
  return {
    execution: (executionId: string): Promise<StoredEvent[]> => readVerified(store, executionStream(executionId)),
    approval: (approvalId: string): Promise<StoredEvent[]> => readVerified(store, approvalStream(approvalId)),
    /** Any stream by name, e.g. a workflow's own `vendor#<id>`. */
    stream: (stream: string): Promise<StoredEvent[]> => readVerified(store, stream),
    close: () => dynamodb.destroy(),
  };
}
