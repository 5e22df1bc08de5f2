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
import { DEFAULT_HEAD_CACHE_STREAMS, HeadCache } from './head-cache.js';
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
  /** Streams whose last seen head is remembered (head-cache.ts). @default 10,000 */
  headCacheStreams?: number;
  /**
   * Whether the endpoint has TransactWriteItems, when the caller knows (dynalite: false).
   * @default found out by the first append of several events (one refused request on dynalite)
   */
  transactions?: boolean;
}

/** Whether the endpoint has TransactWriteItems: unknown until a multi-event append has tried it. */
type Transactions = 'unknown' | 'supported' | 'unsupported';

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
 * TransactWriteItems with the same condition on every item (all or nothing on AWS, moto and
 * LocalStack). dynalite, the embedded local DynamoDB, does not implement TransactWriteItems:
 * there a multi-event append fails with `ConfigurationInvalid` before anything is written, and
 * callers append one event at a time (`appendFacts` falls back to that by itself). We chose this
 * over emulating a transaction with sequential puts, which would let a crash leave half an
 * append behind.
 *
 * Requests: an append needs the head's hash (the new event's prevHash). The store remembers the
 * last head it wrote or read of each stream (head-cache.ts), so an append at version 0, after a
 * read of the stream, or after its own previous append is the write alone; otherwise it reads
 * the head first (one Query of one item). The write's condition is what guards the chain: a
 * remembered head that another writer has moved past makes the write fail with
 * `ConcurrencyConflict`, never overwrite.
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
  private readonly heads: HeadCache;
  private transactions: Transactions = 'unknown';

  constructor(opts: DynamoDbEventStoreOptions) {
    this.client = opts.client;
    this.tableName = opts.tableName;
    this.sealer = opts.sealer;
    this.now = opts.now ?? (() => new Date());
    this.heads = new HeadCache(opts.headCacheStreams ?? DEFAULT_HEAD_CACHE_STREAMS);
    if (opts.transactions !== undefined) this.transactions = opts.transactions ? 'supported' : 'unsupported';
  }

  async append(stream: string, expectedVersion: number, events: NewEvent[]): Promise<StoredEvent[]> {
    validateAppend(stream, expectedVersion, events);
    // Known to fail: refused before any request, sealing or KMS call.
    if (events.length > 1 && this.transactions === 'unsupported') throw noTransactions(events.length);
    const head = await this.headFor(stream, expectedVersion);
    const built = await buildNextEvents({ stream, head, events, sealer: this.sealer, now: this.now });
    try {
      if (built.length === 1) await this.putOne(built[0] as StoredEvent);
      else await this.putAll(built);
    } catch (error) {
      const translated = translateWriteError(error, stream, expectedVersion, built.length, this.noteTransactionsMissing);
      // Lost the race, or the outcome is unknown (a timeout may follow a write that landed): read next time.
      // An endpoint without transactions wrote nothing, and the head stays what it was.
      if (!(translated instanceof ConfigurationInvalid)) this.heads.forget(stream);
      throw translated;
    }
    if (built.length > 1) this.transactions = 'supported';
    const last = built.at(-1) as StoredEvent;
    this.heads.remember(stream, { version: last.version, hash: last.hash });
    return built;
  }

  /**
   * The head version this store last wrote or read for the stream, without a request; undefined
   * when it has none. A hint (another writer may have appended since): `appendFacts` tries it
   * first, and the conditional write tells it when it was stale.
   *
   * @example
   * const guess = store.cachedHeadVersion('execution#e1') ?? (await store.headVersion('execution#e1'));
   */
  cachedHeadVersion(stream: string): number | undefined {
    return this.heads.get(stream)?.version;
  }

  /**
   * Whether an append of several events can be one transaction here: false once the endpoint
   * has answered that it has no TransactWriteItems (dynalite), true until then.
   *
   * @example
   * if (store.canAppendAtomically()) await store.append(stream, version, [secretRead, stepSucceeded]);
   */
  canAppendAtomically(): boolean {
    return this.transactions !== 'unsupported';
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
    const last = events.at(-1);
    if (last !== undefined) this.heads.remember(stream, { version: last.version, hash: last.hash });
    return events;
  }

  /** The version of the last event (0 for an empty stream): one strongly consistent read of one item. */
  async headVersion(stream: string): Promise<number> {
    assertStream(stream);
    return (await this.readHead(stream))?.version ?? 0;
  }

  /**
   * The head an append at `expectedVersion` builds on, or ConcurrencyConflict when the caller is
   * behind. Version 0 needs no read (the stream must be empty, and the condition checks it); a
   * remembered head at the expected version needs none either; a remembered head past it is a
   * conflict at once (heads only move forward). Otherwise one read; a conflict found there costs
   * no sealing, no KMS call.
   */
  private async headFor(stream: string, expectedVersion: number): Promise<StreamHead | null> {
    const known = this.heads.get(stream);
    if (known !== undefined && known.version > expectedVersion) throw new ConcurrencyConflict(stream, expectedVersion);
    if (expectedVersion === 0) return null;
    if (known?.version === expectedVersion) return known;
    const head = await this.readHead(stream);
    if ((head?.version ?? 0) !== expectedVersion) throw new ConcurrencyConflict(stream, expectedVersion);
    return head;
  }

  private async readHead(stream: string): Promise<StreamHead | null> {
    const page = await this.client.send(new QueryCommand({ ...this.streamQuery(stream), ScanIndexForward: false, Limit: 1 }));
    const item = page.Items?.[0];
    if (item === undefined) return null;
    const event = fromItem(item);
    const head = { version: event.version, hash: event.hash };
    this.heads.remember(stream, head);
    return head;
  }

  private readonly noteTransactionsMissing = (): void => {
    this.transactions = 'unsupported';
  };

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
function translateWriteError(error: unknown, stream: string, expectedVersion: number, count: number, transactionsMissing: () => void): unknown {
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
    transactionsMissing();
    return noTransactions(count);
  }
  return error;
}

function noTransactions(count: number): ConfigurationInvalid {
  return new ConfigurationInvalid(
    `the DynamoDB endpoint does not support TransactWriteItems (dynalite, the local store, does not), so an append of ${count} events cannot be atomic and nothing was written; append one event at a time (appendFacts) or use DynamoDB, moto or LocalStack`,
  );
}
