import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Sealer } from '../../functions/shared/crypto/sealer.js';
import { TamperDetected } from '../../functions/shared/errors.js';
import { DynamoDbEventStore } from '../../functions/shared/events/dynamodb-store.js';
import type { StoredEvent } from '../../functions/shared/events/event.js';
import { readVerified } from '../../functions/shared/events/read-verified.js';
import type { EventStore } from '../../functions/shared/events/store.js';
import { HistoryUnverified } from './errors.js';

/**
 * The readers of events outside the steps (the CLI, the local runtime's demo and tests) only
 * read and never open a sealed part (the sensitive data stays sealed in their output), so
 * they hold no key: this sealer refuses both ways, loudly, should a code path ever try.
 */
export const refusingSealer: Sealer = {
  seal() {
    return Promise.reject(new Error('the wardflow CLI only reads events: it cannot seal, and never appends'));
  },
  open() {
    return Promise.reject(new Error('the wardflow CLI never opens sealed event data: it shows that a part is sealed, not what it holds'));
  },
};

/** Where the events are: a DynamoDB client and the events table's name (a CLI connection is one). */
export interface EventTableAccess {
  dynamodb: DynamoDBClient;
  eventsTable: string;
}

/**
 * The event store, for reading: the same DynamoDbEventStore the steps use, with the refusing
 * sealer.
 *
 * @example
 * const events = await readStream(openEventReader(connection), 'execution#e-1');
 */
export function openEventReader(access: EventTableAccess): EventStore {
  return new DynamoDbEventStore({ client: access.dynamodb, tableName: access.eventsTable, sealer: refusingSealer });
}

/**
 * One stream with its hash chain proven (readVerified). A broken chain becomes
 * `HistoryUnverified`, naming the first bad event and what to do, instead of showing events
 * nobody can vouch for.
 *
 * @example
 * const events = await readStream(store, executionStream('e-1'));
 */
export async function readStream(store: EventStore, stream: string): Promise<StoredEvent[]> {
  try {
    return await readVerified(store, stream);
  } catch (error) {
    if (!(error instanceof TamperDetected)) throw error;
    throw new HistoryUnverified(
      `the history of ${error.stream} failed verification at version ${error.version} (${error.reason}); it is not shown. Treat the stream as compromised: compare it with the audit archive and investigate.`,
    );
  }
}
