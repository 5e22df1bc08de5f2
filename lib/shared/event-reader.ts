import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Sealer } from '../../functions/shared/crypto/sealer.js';
import { TamperDetected } from '../../functions/shared/errors.js';
import { DynamoDbEventStore } from '../../functions/shared/events/dynamodb-store.js';
import { executionStream, type StoredEvent } from '../../functions/shared/events/event.js';
import { splitExecutionId } from '../../functions/shared/events/execution-id.js';
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

/** An execution's own stream as read: the id it is keyed by, which may be a legacy bare name. */
export interface ExecutionEvents {
  /** The id the stream is keyed by: `<workflow>:<name>`, or `<name>` for a stream written before ids were qualified. */
  executionId: string;
  stream: string;
  events: StoredEvent[];
}

/**
 * The execution stream of an execution id (`<workflow>:<name>`), chain verified. Streams written
 * before ids were qualified by workflow are `execution#<name>` and cannot be renamed (the stream
 * id is in every event's hash): when the qualified stream is empty, the unqualified one is read
 * instead, and taken when it is this workflow's (its ExecutionStarted names the workflow, or names
 * none, as the oldest streams do). Otherwise the (empty) qualified stream is the answer.
 *
 * @example
 * const { executionId, events } = await readExecutionEvents(store, 'invoice-approval:inv-7');
 */
export async function readExecutionEvents(store: EventStore, executionId: string): Promise<ExecutionEvents> {
  const stream = executionStream(executionId);
  const events = await readStream(store, stream);
  const { workflow, name } = splitExecutionId(executionId);
  if (events.length > 0 || workflow === undefined) return { executionId, stream, events };
  const legacyStream = executionStream(name);
  const legacy = await readStream(store, legacyStream);
  const started = legacy.find((event) => event.type === 'ExecutionStarted')?.data.workflow;
  if (legacy.length > 0 && (started === undefined || started === workflow)) return { executionId: name, stream: legacyStream, events: legacy };
  return { executionId, stream, events };
}
