import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConcurrencyConflict, ConfigurationInvalid, TamperDetected } from '../../../functions/shared/errors.js';
import { appendFacts } from '../../../functions/shared/events/append-facts.js';
import { verifyChain } from '../../../functions/shared/events/chain.js';
import { DynamoDbEventStore } from '../../../functions/shared/events/dynamodb-store.js';
import { openSealed } from '../../../functions/shared/events/open-sealed.js';
import { countDynamoDbRequests } from '../../../lib/local/runtime/services/dynamodb-request-counter.js';
import { createEventsTable, type LocalDynamo, startDynalite, TEST_CREDENTIALS, TEST_REGION } from '../../support/dynalite.js';
import { describeWithMoto } from '../../support/moto.js';
import { PLANTED_SECRET, stepSucceeded, testSealer } from '../../unit/events/event-fixtures.js';
import { runStoreContract } from '../../unit/events/store-contract.js';

describe('DynamoDbEventStore on dynalite', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => {
    await dynamo?.stop();
  });

  runStoreContract('DynamoDbEventStore on dynalite', {
    makeStore: async (sealer) =>
      new DynamoDbEventStore({ client: dynamo.client, tableName: await dynamo.createEventsTable(), sealer }),
    atomicMultiEventAppend: false,
    propertyRuns: 25,
  });

  describe('stored items', () => {
    const sealer = testSealer();
    let table: string;
    let store: DynamoDbEventStore;
    beforeAll(async () => {
      table = await dynamo.createEventsTable();
      store = new DynamoDbEventStore({ client: dynamo.client, tableName: table, sealer });
    });
    const rawItem = async (stream: string, version: number) =>
      (await dynamo.client.send(new GetItemCommand({ TableName: table, Key: { stream: { S: stream }, version: { N: String(version) } }, ConsistentRead: true }))).Item!;

    it('uses the documented layout, and keeps the planted secret out of every clear attribute', async () => {
      const stream = 'approval#layout-1';
      await store.append(stream, 0, [stepSucceeded('first')]);
      await store.append(stream, 1, [
        { type: 'ApprovalRequested', actor: 'step:request-approval', data: { approvalId: 'layout-1' }, sensitive: { taskToken: PLANTED_SECRET } },
      ]);
      const first = await rawItem(stream, 1);
      expect(Object.keys(first).sort()).toEqual(['actor', 'data', 'hash', 'stream', 'time', 'type', 'version']);
      expect(first.data).toEqual({ S: '{"step":"first","durationMs":12}' });
      const second = await rawItem(stream, 2);
      expect(second.prevHash).toEqual({ S: first.hash?.S });
      expect(second.sealed?.S).toEqual(expect.any(String));
      const { sealed, ...clear } = second;
      expect(JSON.stringify(clear)).not.toContain(PLANTED_SECRET);
      expect(Buffer.from(sealed!.S!, 'base64').toString('latin1')).not.toContain(PLANTED_SECRET);
    });

    it('detects a ciphertext swapped in from another event: openSealed fails and the chain breaks', async () => {
      const stream = 'execution#swap-1';
      await store.append(stream, 0, [{ ...stepSucceeded('a'), sensitive: { text: 'one' } }]);
      await store.append(stream, 1, [{ ...stepSucceeded('b'), sensitive: { text: 'two' } }]);
      const v1 = await rawItem(stream, 1);
      await dynamo.client.send(
        new UpdateItemCommand({
          TableName: table,
          Key: { stream: { S: stream }, version: { N: '2' } },
          UpdateExpression: 'SET #sealed = :sealed',
          ExpressionAttributeNames: { '#sealed': 'sealed' },
          ExpressionAttributeValues: { ':sealed': v1.sealed! },
        }),
      );
      const [, swapped] = await store.read(stream);
      const error = await openSealed(swapped!, sealer).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TamperDetected);
      expect((error as TamperDetected).reason).toBe(`sealed data belongs to ${stream} v1`);
      expect(verifyChain(await store.read(stream))).toMatchObject({ ok: false, version: 2, reason: 'hash mismatch: content changed' });
    });

    it('reads an item without the layout as TamperDetected naming the attribute', async () => {
      const stream = 'execution#malformed-1';
      await dynamo.client.send(
        new PutItemCommand({ TableName: table, Item: { stream: { S: stream }, version: { N: '1' }, type: { S: 'StepSucceeded' }, data: { S: 'not json' } } }),
      );
      const error = await store.read(stream).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TamperDetected);
      expect((error as TamperDetected).reason).toMatch(/^item attribute (time|actor|hash|data) is missing or malformed$/);
    });
  });

  rememberedHeadCases('dynalite', async () => {
    const tableName = await dynamo.createEventsTable();
    return () => new DynamoDbEventStore({ client: dynamo.client, tableName, sealer: testSealer() });
  });

  describe('requests, counted at dynalite', () => {
    const sealer = testSealer();
    let table: string;
    beforeAll(async () => {
      table = await dynamo.createEventsTable();
    });
    /** The requests `work` makes, by operation, as dynalite answered them. */
    async function requestsOf(work: () => Promise<unknown>): Promise<Record<string, number>> {
      const counter = countDynamoDbRequests(Number(new URL(dynamo.endpoint).port));
      try {
        await work();
        return counter.counts().byOperation;
      } finally {
        counter.stop();
      }
    }
    const newStore = () => new DynamoDbEventStore({ client: dynamo.client, tableName: table, sealer });

    it('writes without reading the head at version 0, after its own append, and after a read of the stream', async () => {
      const store = newStore();
      expect(await requestsOf(() => store.append('execution#requests-1', 0, [stepSucceeded('a')]))).toEqual({ PutItem: 1 });
      expect(await requestsOf(() => store.append('execution#requests-1', 1, [stepSucceeded('b')]))).toEqual({ PutItem: 1 });
      const reader = newStore(); // another process: it knows the head only from its read
      expect(await requestsOf(() => reader.read('execution#requests-1'))).toEqual({ Query: 1 });
      expect(await requestsOf(() => reader.append('execution#requests-1', 2, [stepSucceeded('c')]))).toEqual({ PutItem: 1 });
      expect(verifyChain(await store.read('execution#requests-1'))).toMatchObject({ ok: true, events: 3 });
    });

    it('reads the head once for appendFacts on a stream it has not seen, then not again', async () => {
      const store = newStore();
      await newStore().append('execution#requests-2', 0, [stepSucceeded('started elsewhere')]);
      // The first group of facts also teaches the store that dynalite has no transactions: one refused TransactWriteItems, once.
      const first = await requestsOf(() => appendFacts(store, 'execution#requests-2', [stepSucceeded('a'), stepSucceeded('b')], { oneAtATime: true }));
      expect(first).toEqual({ Query: 1, TransactWriteItems: 1, PutItem: 2 });
      const second = await requestsOf(() => appendFacts(store, 'execution#requests-2', [stepSucceeded('c'), stepSucceeded('d'), stepSucceeded('e')], { oneAtATime: true }));
      expect(second).toEqual({ PutItem: 3 });
      const events = await store.read('execution#requests-2');
      expect(events.map((e) => e.data.step)).toEqual(['started elsewhere', 'a', 'b', 'c', 'd', 'e']);
      expect(verifyChain(events).ok).toBe(true);
    });

    it('refuses a multi-event append without a request once it knows the endpoint has no transactions', async () => {
      const told = new DynamoDbEventStore({ client: dynamo.client, tableName: table, sealer, transactions: false });
      const learner = newStore();
      const two = () => [stepSucceeded('a'), stepSucceeded('b')];
      expect(await requestsOf(() => told.append('execution#requests-3', 0, two()).catch((e: unknown) => e))).toEqual({});
      expect(await requestsOf(() => learner.append('execution#requests-3', 0, two()).catch((e: unknown) => e))).toEqual({ TransactWriteItems: 1 });
      const again = await learner.append('execution#requests-3', 0, two()).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(ConfigurationInvalid);
      expect(await requestsOf(() => learner.append('execution#requests-3', 0, two()).catch((e: unknown) => e))).toEqual({});
      expect(await told.read('execution#requests-3')).toEqual([]);
    });
  });
});

describeWithMoto('DynamoDbEventStore', (moto) => {
  let client: DynamoDBClient;
  let tables = 0;
  beforeAll(() => {
    client = new DynamoDBClient({ endpoint: moto().endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  });
  afterAll(() => client?.destroy());

  runStoreContract('DynamoDbEventStore on moto', {
    makeStore: async (sealer) => {
      const tableName = `events-moto-${++tables}`;
      await createEventsTable(client, tableName);
      return new DynamoDbEventStore({ client, tableName, sealer });
    },
    atomicMultiEventAppend: true,
    propertyRuns: 10,
  });

  rememberedHeadCases('moto', async () => {
    const tableName = `events-moto-${++tables}`;
    await createEventsTable(client, tableName);
    return () => new DynamoDbEventStore({ client, tableName, sealer: testSealer() });
  });

  it('appendFacts with oneAtATime writes a group of facts as one transaction where the endpoint has them', async () => {
    const tableName = `events-moto-${++tables}`;
    await createEventsTable(client, tableName);
    const counted = new DynamoDBClient({ endpoint: moto().endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    const sent: string[] = [];
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'countCommands' },
    );
    try {
      const store = new DynamoDbEventStore({ client: counted, tableName, sealer: testSealer() });
      await store.append('execution#grouped-1', 0, [stepSucceeded('started')]);
      sent.length = 0;
      const facts = [stepSucceeded('secret read'), { ...stepSucceeded('paid'), sensitive: { note: PLANTED_SECRET } }, stepSucceeded('done')];
      const stored = await appendFacts(store, 'execution#grouped-1', facts, { oneAtATime: true });
      expect(sent).toEqual(['TransactWriteItemsCommand']);
      expect(stored.map((e) => e.version)).toEqual([2, 3, 4]);
      const events = await store.read('execution#grouped-1');
      expect(events.slice(1)).toEqual(stored);
      expect(verifyChain(events).ok).toBe(true);
    } finally {
      counted.destroy();
    }
  });
});

/**
 * A head the store remembers can be stale: another process (another Lambda container) may have
 * appended since. The conditional write must refuse the append built on it, overwrite nothing,
 * and appendFacts must land its facts after the other writer's.
 */
function rememberedHeadCases(backend: string, table: () => Promise<() => DynamoDbEventStore>): void {
  describe(`a remembered head another writer has passed (${backend})`, () => {
    it('refuses the append with ConcurrencyConflict and overwrites nothing', async () => {
      const newStore = await table();
      const [mine, theirs] = [newStore(), newStore()];
      const stream = 'execution#remembered-1';
      await mine.append(stream, 0, [stepSucceeded('mine-1')]);
      await theirs.append(stream, 1, [stepSucceeded('theirs-2')]);
      await expect(mine.append(stream, 1, [stepSucceeded('mine-2')])).rejects.toBeInstanceOf(ConcurrencyConflict);
      const events = await theirs.read(stream);
      expect(events.map((e) => e.data.step)).toEqual(['mine-1', 'theirs-2']);
      expect(verifyChain(events).ok).toBe(true);
    });

    it('appendFacts lands the facts after the other writer, linked to its event, without spending an attempt', async () => {
      const newStore = await table();
      const [mine, theirs] = [newStore(), newStore()];
      const stream = 'execution#remembered-2';
      await mine.append(stream, 0, [stepSucceeded('mine-1')]);
      await theirs.append(stream, 1, [stepSucceeded('theirs-2')]);
      const stored = await appendFacts(mine, stream, [stepSucceeded('mine-3')], { maxAttempts: 1 });
      const events = await theirs.read(stream);
      expect(events.map((e) => e.data.step)).toEqual(['mine-1', 'theirs-2', 'mine-3']);
      expect(stored).toEqual([events[2]]);
      expect(events[2]?.prevHash).toBe(events[1]?.hash);
      expect(verifyChain(events).ok).toBe(true);
    });
  });
}
