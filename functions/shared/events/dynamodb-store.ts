import {
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { Sealer } from '../crypto/sealer.js';
import { ConcurrencyConflict, ConfigurationInvalid } from '../errors.js';
import type { NewEvent, StoredEvent } from './event.js';
import { fromItem, toItem } from './dynamodb-item.js';
import { assertStream, validateAppend } from './event-validation.js';
import { buildNextEvents, type StreamHead } from './next-events.js';
import type { EventStore } from './store.js';

export interface DynamoDbEventStoreOptions {
  /** Endpoint, region and credentials come from the caller (AWS, dynalite, moto, LocalStack). */
  client: DynamoDBClient;
  /** Partition key `stream` (S), sort key `version` (N). */
  tableName: string;
  sealer: Sealer;
  /** @default () => new Date() */
  now?: () => Date;
}

// Parameterised expressions only: values travel in ExpressionAttributeValues, never in the text.
const KEY_ABSENT = 'attribute_not_exists(#stream) AND attribute_not_exists(#version)';
const KEY_NAMES = { '#stream': 'stream', '#version': 'version' };
const STREAM_QUERY = '#stream = :stream';

/**
 * The event store on DynamoDB: one item per event, written with a condition that its key
 * does not exist yet, so a concurrent writer at the same version gets `ConcurrencyConflict`
 * and nothing is ever overwritten.
 *
 * Atomicity: an append of one event is a conditional PutItem; an append of several is one
 * TransactWriteItems (all or nothing on AWS, moto and LocalStack). dynalite, the embedded
 * local DynamoDB, does not implement TransactWriteItems: there a multi-event append fails
 * with `ConfigurationInvalid` before anything is written, and callers append one event at a
 * time (as `appendFacts` and the workflow steps do). We chose this over emulating a
 * transaction with sequential puts, which would let a crash leave half an append behind.
 *
 * @example
 * const store = new DynamoDbEventStore({ client: new DynamoDBClient({}), tableName: 'events', sealer });
 * const [started] = await store.append('execution#e1', 0, [
 *   { type: 'ExecutionStarted', actor: 'step:start', data: { workflow: 'invoice' }, sensitive: { document: text } },
 * ]);
 * const events = await store.read('execution#e1');
 */
export class DynamoDbEventStore implements EventStore {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly sealer: Sealer;
  private readonly now: () => Date;

  constructor(opts: DynamoDbEventStoreOptions) {
    this.client = opts.client;
    this.tableName = opts.tableName;
    this.sealer = opts.sealer;
    this.now = opts.now ?? (() => new Date());
  }

  async append(stream: string, expectedVersion: number, events: NewEvent[]): Promise<StoredEvent[]> {
    validateAppend(stream, expectedVersion, events);
    const head = await this.readHead(stream);
    // Fail early and cheaply (no sealing, no KMS call) when the caller is already behind.
    if ((head?.version ?? 0) !== expectedVersion) throw new ConcurrencyConflict(stream, expectedVersion);
    const built = await buildNextEvents({ stream, head, events, sealer: this.sealer, now: this.now });
    try {
      if (built.length === 1) await this.putOne(built[0] as StoredEvent);
      else await this.putAll(built);
    } catch (error) {
      throw translateWriteError(error, stream, expectedVersion, built.length);
    }
    return built;
  }

  async read(stream: string): Promise<StoredEvent[]> {
    assertStream(stream);
    const events: StoredEvent[] = [];
    let startKey: QueryCommandInput['ExclusiveStartKey'];
    do {
      const page = await this.client.send(
        new QueryCommand({ ...this.streamQuery(stream), ScanIndexForward: true, ExclusiveStartKey: startKey }),
      );
      for (const item of page.Items ?? []) events.push(fromItem(item));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return events;
  }

  /** The version of the last event (0 for an empty stream): one strongly consistent read of one item. */
  async headVersion(stream: string): Promise<number> {
    assertStream(stream);
    return (await this.readHead(stream))?.version ?? 0;
  }

  private async readHead(stream: string): Promise<StreamHead | null> {
    const page = await this.client.send(new QueryCommand({ ...this.streamQuery(stream), ScanIndexForward: false, Limit: 1 }));
    const item = page.Items?.[0];
    if (item === undefined) return null;
    const head = fromItem(item);
    return { version: head.version, hash: head.hash };
  }

  private streamQuery(stream: string) {
    return {
      TableName: this.tableName,
      KeyConditionExpression: STREAM_QUERY,
      ExpressionAttributeNames: { '#stream': 'stream' },
      ExpressionAttributeValues: { ':stream': { S: stream } },
      ConsistentRead: true,
    };
  }

  private async putOne(event: StoredEvent): Promise<void> {
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: toItem(event),
        ConditionExpression: KEY_ABSENT,
        ExpressionAttributeNames: KEY_NAMES,
      }),
    );
  }

  private async putAll(events: StoredEvent[]): Promise<void> {
    await this.client.send(
      new TransactWriteItemsCommand({
        TransactItems: events.map((event) => ({
          Put: {
            TableName: this.tableName,
            Item: toItem(event),
            ConditionExpression: KEY_ABSENT,
            ExpressionAttributeNames: KEY_NAMES,
          },
        })),
      }),
    );
  }
}

/** Maps DynamoDB's refusals to the errors callers act on; anything else passes through unchanged. */
function translateWriteError(error: unknown, stream: string, expectedVersion: number, count: number): unknown {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'ConditionalCheckFailedException') return new ConcurrencyConflict(stream, expectedVersion);
  if (name === 'TransactionCanceledException') {
    const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
    // Another writer's condition or transaction won the race: nothing of ours was written.
    if (reasons.some((r) => r.Code === 'ConditionalCheckFailed' || r.Code === 'TransactionConflict')) {
      return new ConcurrencyConflict(stream, expectedVersion);
    }
  }
  if (name === 'TransactionConflictException') return new ConcurrencyConflict(stream, expectedVersion);
  if (count > 1 && (name === 'UnknownOperationException' || name === 'UnrecognizedClientException')) {
    return new ConfigurationInvalid(
      `the DynamoDB endpoint does not support TransactWriteItems (dynalite, the local store, does not), so an append of ${count} events cannot be atomic and nothing was written; append one event at a time (appendFacts) or use DynamoDB, moto or LocalStack`,
    );
  }
  return error;
}
