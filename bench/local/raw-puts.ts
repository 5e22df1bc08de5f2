import { performance } from 'node:perf_hooks';
import { type AttributeValue, DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ensureEventsTable } from '../../lib/local/events-table.js';

type Item = Record<string, AttributeValue>;

/** Where the raw puts go: the runtime's dynalite, a table of their own (the audit stream archives only the events table). */
const RAW_TABLE = 'wardflow-bench-raw-puts';
/** The same condition the event store puts every event with (functions/shared/events/dynamodb-store.ts). */
const KEY_ABSENT = 'attribute_not_exists(#stream) AND attribute_not_exists(#version)';

export interface RawPutResult {
  puts: number;
  failed: number;
  clients: number;
  ms: number;
  perSecond: number;
  /** The item put, an event of median size copied from the events table, by DynamoDB's size rules (roughly). */
  itemBytes: number;
}

export interface DynamoDbTarget {
  url: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  eventsTable: string;
}

/**
 * The floor under events/s: conditional PutItem requests, nothing else, from `clients`
 * DynamoDB clients at once (each its own connections, one request at a time), on the runtime's
 * own dynalite, each item a copy of a real event of median size under a new key.
 *
 * @example
 * const raw = await rawConditionalPuts(target, { puts: 4000, clients: 40 }); // raw.perSecond
 */
export async function rawConditionalPuts(target: DynamoDbTarget, options: { puts: number; clients: number }): Promise<RawPutResult> {
  const newClient = () => new DynamoDBClient({ endpoint: target.url, region: target.region, credentials: target.credentials });
  const setup = newClient();
  const template = await medianEvent(setup, target.eventsTable);
  await ensureEventsTable(setup, RAW_TABLE);
  setup.destroy();

  const clients = Array.from({ length: options.clients }, newClient);
  const run = `raw-${Date.now()}`;
  let next = 0;
  let failed = 0;
  const put = (client: DynamoDBClient, index: number) =>
    client.send(
      new PutItemCommand({
        TableName: RAW_TABLE,
        Item: { ...template, stream: { S: `bench#${run}-${index}` }, version: { N: '1' } },
        ConditionExpression: KEY_ABSENT,
        ExpressionAttributeNames: { '#stream': 'stream', '#version': 'version' },
      }),
    );
  // One request first on each client, untimed: its connection is opened, as the handlers' are.
  await Promise.all(clients.map((client) => put(client, next++)));
  const counted = next;
  const t0 = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      while (next < counted + options.puts) {
        await put(client, next++).catch(() => (failed += 1));
      }
    }),
  );
  const ms = performance.now() - t0;
  for (const client of clients) client.destroy();
  return { puts: options.puts, failed, clients: options.clients, ms, perSecond: (options.puts * 1000) / ms, itemBytes: itemBytes(template) };
}

/** An event of median size among the first few hundred of the events table. */
async function medianEvent(client: DynamoDBClient, table: string): Promise<Item> {
  const { Items = [] } = await client.send(new ScanCommand({ TableName: table, Limit: 300 }));
  if (Items.length === 0) throw new Error(`the events table ${table} is empty: run executions before the raw puts`);
  const sorted = [...Items].sort((a, b) => itemBytes(a) - itemBytes(b));
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * An item's size as DynamoDB counts it, closely enough: attribute names plus values (strings and
 * binaries by their bytes, numbers by their digits, lists and maps by their parts).
 *
 * @example
 * itemBytes({ stream: { S: 'execution#a' }, version: { N: '1' } }); // 6 + 11 + 7 + 1 = 25
 */
export function itemBytes(item: Readonly<Item>): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) total += Buffer.byteLength(name) + valueBytes(value);
  return total;
}

function valueBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return value.N.length;
  if (value.B !== undefined) return value.B.byteLength;
  if (value.M !== undefined) return 3 + itemBytes(value.M);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, v) => sum + 1 + valueBytes(v), 0);
  if (value.SS !== undefined) return value.SS.reduce((sum, v) => sum + Buffer.byteLength(v), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, v) => sum + v.length, 0);
  return 1; // BOOL, NULL
}
