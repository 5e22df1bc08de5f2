import { DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TamperDetected } from '../../../functions/shared/errors.js';
import { verifyChain } from '../../../functions/shared/events/chain.js';
import { DynamoDbEventStore } from '../../../functions/shared/events/dynamodb-store.js';
import { openSealed } from '../../../functions/shared/events/open-sealed.js';
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
});
