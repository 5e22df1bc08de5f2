/**
 * The event store against DynamoDB as the local runtime runs it (dynalite in this process, LevelDB
 * on disk, started by the runtime's own `startDynamoDb`): how many requests one invoice
 * execution's reads and appends cost, counted by `X-Amz-Target` at the HTTP level, and how many
 * events per second 40 concurrent executions append next to the raw conditional PutItem rate of
 * the same endpoint with the same concurrency (the floor: one request per event, nothing else).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EncryptionSdkSealer } from '../../functions/shared/crypto/envelope-sealer.js';
import { appendFacts } from '../../functions/shared/events/append-facts.js';
import { DynamoDbEventStore } from '../../functions/shared/events/dynamodb-store.js';
import { approvalStream, executionStream, type NewEvent } from '../../functions/shared/events/event.js';
import { openStream } from '../../functions/shared/events/open-stream.js';
import { readVerified } from '../../functions/shared/events/read-verified.js';
import type { EventStore } from '../../functions/shared/events/store.js';
import { ensureEventsTable } from '../../lib/local/events-table.js';
import { countDynamoDbRequests, type DynamoDbRequestCounts } from '../../lib/local/runtime/services/dynamodb-request-counter.js';
import { freeBasePort } from '../../lib/local/runtime/services/free-ports.js';
import { LOCAL_CREDENTIALS, startDynamoDb } from '../../lib/local/runtime/services/local-services.js';
import type { BenchCase } from '../harness.js';

/** Executions (and raw writers) in flight at once, as in the local runtime benchmark's burst. */
export const CONCURRENCY = 40;
/** Events one execution-equivalent sequence appends (11 on its execution stream, 1 on its approval's). */
export const EVENTS_PER_EXECUTION = 12;

export const STORE_ROW = {
  rawPut: `raw conditional PutItem, ${CONCURRENCY} concurrent (dynalite, the floor)`,
  shared: `invoice execution's appends, ${CONCURRENCY} concurrent, one store (as the local runtime): events`,
  cold: `the same, a new store per step (a cold container each): events`,
} as const;

/** A DynamoDB endpoint for the cases: dynalite as the runtime starts it, with the events table. */
export interface BenchDynamoDb {
  client: DynamoDBClient;
  port: number;
  table: string;
  stop(): Promise<void>;
}

/**
 * @example
 * const db = await startBenchDynamoDb();
 * const cases = eventStoreCases(db, { executions: 200, puts: 2400 });
 * await db.stop();
 */
export async function startBenchDynamoDb(): Promise<BenchDynamoDb> {
  const folder = mkdtempSync(join(tmpdir(), 'wardflow-bench-dynamodb-'));
  const port = (await freeBasePort()) + 2;
  const dynamodb = await startDynamoDb({ host: '127.0.0.1', port, path: join(folder, 'dynamodb') });
  const client = new DynamoDBClient({ endpoint: dynamodb.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  const table = 'wardflow-bench-events';
  await ensureEventsTable(client, table);
  return {
    client,
    port,
    table,
    stop: async () => {
      client.destroy();
      await dynamodb.stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

const sealer = EncryptionSdkSealer.rawAes({ keyName: 'bench', keyNamespace: 'wardflow-bench', key: new Uint8Array(32).fill(7) });
const INVOICE_TEXT = `ACME OFFICE SUPPLIES\n12 Harbour Road, Dublin\n\nINVOICE\nInvoice No: INV-2026-0042\n${'Ergonomic office chairs       6   549.00\n'.repeat(8)}Total due: €4,999.99\n`;

/** How a sequence gets its store for each step: one shared store, or a fresh one (a cold container). */
type StoreFor = () => EventStore;

/**
 * One invoice execution's reads and appends, step by step, as the handlers make them
 * (functions/<step>/handler.ts with the audit middleware; the auto-approved path): 12 events,
 * two of them sealed, and the 4 chain-verified reads the steps decide on.
 *
 * @example
 * await invoiceSequence(() => store, 'invoice-approval:bench-1'); // 12
 */
export async function invoiceSequence(storeFor: StoreFor, id: string): Promise<number> {
  const execution = executionStream(id);
  const approval = approvalStream(`${id}-1`);
  const step = (name: string, extra: NewEvent['data'] = {}): NewEvent => ({ type: 'StepSucceeded', actor: `step:${name}`, data: { step: name, durationMs: 7, ...extra } });
  const facts = (store: EventStore, events: NewEvent[]) => appendFacts(store, execution, events, { maxAttempts: 5, oneAtATime: true });

  let store = storeFor(); // record-start
  await openStream(
    store,
    execution,
    { type: 'ExecutionStarted', actor: 'step:record-start', data: { workflow: 'invoice-approval', source: 'bench' }, sensitive: { invoiceText: INVOICE_TEXT } },
    (first) => first.actor === 'step:record-start',
  );
  await facts(store, [step('record-start')]);

  store = storeFor(); // extract-invoice
  await facts(store, [
    {
      type: 'ModelInvoked',
      actor: 'step:extract-invoice',
      data: { step: 'extract-invoice', modelId: 'local.invoice-parser-v1', provider: 'local', inputTokens: 412, outputTokens: 96, costUsd: 0, costKnown: true },
      sensitive: { prompt: `Extract vendor, number, currency, amount and due date.\n${INVOICE_TEXT}` },
    },
    step('extract-invoice'),
  ]);

  store = storeFor(); // check-grounding
  await facts(store, [step('check-grounding')]);

  store = storeFor(); // apply-policy
  await readVerified(store, execution);
  await openStream(
    store,
    approval,
    { type: 'ApprovalAutoDecided', actor: 'step:apply-policy', data: { approvalId: `${id}-1`, executionId: id, decision: 'approve', policy: 'known-vendor-under-5000' } },
    (first) => first.actor === 'step:apply-policy',
  );
  await facts(store, [step('apply-policy', { decision: 'auto-approved' })]);

  store = storeFor(); // pay-invoice
  await readVerified(store, execution);
  await readVerified(store, approval);
  await facts(store, [
    { type: 'SecretRead', actor: 'step:pay-invoice', data: { step: 'pay-invoice', name: 'wardflow/local/payments-api', versionId: 'v1' } },
    { type: 'PaymentRecorded', actor: 'step:pay-invoice', data: { approvalId: `${id}-1`, vendor: 'Acme Office Supplies', invoiceNumber: 'INV-2026-0042', currency: 'EUR', amount: 4999.99, mode: 'ledger-only' } },
    step('pay-invoice'),
  ]);

  store = storeFor(); // record-outcome
  const events = await readVerified(store, execution);
  await store.append(execution, events.length, [{ type: 'ExecutionSucceeded', actor: 'step:record-outcome', data: { outcome: 'succeeded-auto-approved' } }]);
  await facts(store, [step('record-outcome')]);
  return EVENTS_PER_EXECUTION;
}

/** A store as a step would build it; dynalite has no transactions, and the local runtime's store knows after its first try. */
const newStore = (db: BenchDynamoDb): DynamoDbEventStore =>
  new DynamoDbEventStore({ client: db.client, tableName: db.table, sealer, transactions: false });

let round = 0;

/** Runs `count` jobs, `CONCURRENCY` at a time. */
async function concurrently(count: number, job: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, count) }, async () => {
      while (next < count) await job(next++);
    }),
  );
}

/**
 * Raw conditional PutItem (the floor) and execution-equivalent sequences, shared store and cold
 * stores; `n` counts PutItem requests and events respectively.
 *
 * @example
 * for (const c of eventStoreCases(db, { executions: 200, puts: 2400 })) console.log((await measure(c)).opsPerSecond);
 */
export function eventStoreCases(db: BenchDynamoDb, options: { executions: number; puts: number }): BenchCase[] {
  const { executions, puts } = options;
  // An item of an event's size and shape (about 600 bytes), so both rates move the same bytes.
  const item = (key: string) => ({
    stream: { S: `execution#${key}` },
    version: { N: '1' },
    type: { S: 'StepSucceeded' },
    time: { S: new Date().toISOString() },
    actor: { S: 'step:extract-invoice' },
    data: { S: JSON.stringify({ step: 'extract-invoice', durationMs: 412, note: 'x'.repeat(300) }) },
    hash: { S: 'f'.repeat(64) },
  });
  const sequences = (fresh: boolean): BenchCase['setup'] => () => {
    const prefix = `bench-${fresh ? 'cold' : 'shared'}-${++round}`;
    const shared = newStore(db);
    const storeFor = fresh ? () => newStore(db) : () => shared;
    return () => concurrently(executions, (i) => invoiceSequence(storeFor, `${prefix}-${i}`));
  };
  return [
    {
      name: STORE_ROW.rawPut,
      n: puts,
      setup: () => {
        const prefix = `raw-${++round}`;
        return () =>
          concurrently(puts, (i) =>
            db.client.send(
              new PutItemCommand({
                TableName: db.table,
                Item: item(`${prefix}-${i}`),
                ConditionExpression: 'attribute_not_exists(#stream) AND attribute_not_exists(#version)',
                ExpressionAttributeNames: { '#stream': 'stream', '#version': 'version' },
              }),
            ),
          );
      },
    },
    { name: STORE_ROW.shared, n: executions * EVENTS_PER_EXECUTION, setup: sequences(false) },
    { name: STORE_ROW.cold, n: executions * EVENTS_PER_EXECUTION, setup: sequences(true) },
  ];
}

/**
 * The requests of one execution-equivalent sequence, counted by dynalite's HTTP server: with one
 * store for every step (the local runtime), and with a new store per step (a cold Lambda
 * container each, the worst case on AWS).
 *
 * @example
 * const { shared, cold } = await requestsPerExecution(db); // shared.byOperation: { PutItem: 12, Query: 4 }
 */
export async function requestsPerExecution(db: BenchDynamoDb): Promise<{ shared: DynamoDbRequestCounts; cold: DynamoDbRequestCounts }> {
  const count = async (storeFor: StoreFor, id: string) => {
    const counter = countDynamoDbRequests(db.port);
    try {
      await invoiceSequence(storeFor, id);
      return counter.counts();
    } finally {
      counter.stop();
    }
  };
  const shared = newStore(db);
  const tag = `bench-count-${++round}`;
  return { shared: await count(() => shared, `${tag}-shared`), cold: await count(() => newStore(db), `${tag}-cold`) };
}
