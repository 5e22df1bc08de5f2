import { type AttributeValue, BatchGetItemCommand, type BatchGetItemCommandOutput, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { LoggedWrite } from './dynamodb-write-log.js';
import { itemTimeMs } from './stream-records.js';

type Item = Record<string, AttributeValue>;

/** BatchGetItem's limit of keys per request. */
const KEYS_PER_BATCH_GET = 100;

/**
 * The items the write log's puts stored, in the log's order: each fetched from the table (one
 * strongly consistent BatchGetItem per 100 keys) and taken only when it is there with the hash the
 * put carried, since a line proves only that a put arrived (a refused put's key holds another
 * writer's item, or none). A key is taken once, at its first put.
 *
 * Reads only the given puts: the cost of a capture follows what was appended since the last one,
 * never the size of the table.
 *
 * @example
 * const items = await loggedItems(client, 'wardflow-local-events', log.read(checkpoint.logPosition, 100).writes);
 */
export async function loggedItems(client: DynamoDBClient, table: string, writes: readonly LoggedWrite[]): Promise<Item[]> {
  const keyOf = (stream: string, version: number | string) => `${stream}\u0000${version}`;
  const wanted = new Map<string, { stream: string; version: number }>();
  for (const write of writes) wanted.set(keyOf(write.stream, write.version), { stream: write.stream, version: write.version });
  const found = new Map<string, Item>();
  const keys = [...wanted.values()];
  for (let start = 0; start < keys.length; start += KEYS_PER_BATCH_GET) {
    let request: Record<string, { Keys: Item[]; ConsistentRead: boolean }> | undefined = {
      [table]: {
        Keys: keys.slice(start, start + KEYS_PER_BATCH_GET).map((key) => ({ stream: { S: key.stream }, version: { N: String(key.version) } })),
        ConsistentRead: true,
      },
    };
    while (request !== undefined) {
      const answer: BatchGetItemCommandOutput = await client.send(new BatchGetItemCommand({ RequestItems: request }));
      for (const item of answer.Responses?.[table] ?? []) found.set(keyOf(item.stream?.S ?? '', item.version?.N ?? ''), item);
      const unprocessed = answer.UnprocessedKeys?.[table];
      request = unprocessed?.Keys !== undefined && unprocessed.Keys.length > 0 ? { [table]: { Keys: unprocessed.Keys, ConsistentRead: true } } : undefined;
    }
  }
  const items: Item[] = [];
  const taken = new Set<string>();
  for (const write of writes) {
    const key = keyOf(write.stream, write.version);
    const item = found.get(key);
    if (item === undefined || taken.has(key)) continue;
    if (write.hash !== null && item.hash?.S !== write.hash) continue;
    taken.add(key);
    items.push(item);
  }
  return items;
}

/** What one capture takes from the table. */
export interface Capture {
  /** Items to give stream records, in delivery order: per event stream by version; across streams by time, then stream name. */
  items: Item[];
  /** Versions above a gap seen for the first time were left for the next scan. */
  deferred: boolean;
  /** The gaps this scan saw; the next capture accepts the ones it sees again. */
  gaps: Set<string>;
}

/**
 * Every item of the table whose version is above its event stream's `captured` version, grouped
 * by stream and sorted by version. A paginated Scan with strongly consistent reads: it sees every
 * write acknowledged before it began. Only for the catch-up over history the write log does not
 * hold (event-stream.ts): its cost grows with the table.
 *
 * @example
 * const fresh = await scanNewItems(client, 'wardflow-local-events', checkpoint.captured);
 */
export async function scanNewItems(client: DynamoDBClient, table: string, captured: Readonly<Record<string, number>>): Promise<Map<string, Item[]>> {
  const byStream = new Map<string, Item[]>();
  let startKey: Item | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: startKey }));
    for (const item of page.Items ?? []) {
      const stream = item.stream?.S;
      const version = Number(item.version?.N);
      if (stream === undefined || !Number.isFinite(version) || version <= (captured[stream] ?? 0)) continue;
      const items = byStream.get(stream) ?? [];
      items.push(item);
      byStream.set(stream, items);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  for (const items of byStream.values()) items.sort((a, b) => Number(a.version?.N) - Number(b.version?.N));
  return byStream;
}

/**
 * Chooses the next batch, up to `batchSize` items, from `scanNewItems`' result.
 *
 * A stream's versions are taken without a gap from `captured + 1`. A gap can be a write under way
 * while the scan read its pages (the store writes version n+1 only after version n exists, but
 * pages are read one after the other), so versions above a gap wait for the next scan. A gap seen
 * again by the next scan, which began after the write that made it had been acknowledged, is real
 * (an item not written by the store): the versions above it are taken then, as DynamoDB Streams
 * would deliver them.
 *
 * Across streams the heads are merged by time (the item's `time`, else `now`), then stream name,
 * so every stream keeps its version order.
 *
 * @example
 * const { items, gaps } = selectBatch(fresh, checkpoint.captured, previousGaps, 100, new Date());
 */
export function selectBatch(
  fresh: ReadonlyMap<string, readonly Item[]>,
  captured: Readonly<Record<string, number>>,
  previousGaps: ReadonlySet<string>,
  batchSize: number,
  now: Date,
): Capture {
  const gaps = new Set<string>();
  const runs: Array<{ stream: string; items: Item[] }> = [];
  for (const [stream, items] of fresh) {
    let expected = (captured[stream] ?? 0) + 1;
    const run: Item[] = [];
    for (const item of items) {
      const version = Number(item.version?.N);
      if (version !== expected) {
        const gap = `${stream}@${expected}>${version}`;
        if (!previousGaps.has(gap)) {
          gaps.add(gap);
          break;
        }
      }
      run.push(item);
      expected = version + 1;
    }
    if (run.length > 0) runs.push({ stream, items: run });
  }

  const items: Item[] = [];
  const next = runs.map(() => 0);
  while (items.length < batchSize) {
    let chosen = -1;
    let chosenTime = 0;
    runs.forEach((run, index) => {
      const head = run.items[next[index] as number];
      if (head === undefined) return;
      const time = itemTimeMs(head, now);
      const earlier = chosen < 0 || time < chosenTime || (time === chosenTime && run.stream < (runs[chosen] as { stream: string }).stream);
      if (earlier) {
        chosen = index;
        chosenTime = time;
      }
    });
    if (chosen < 0) break;
    const position = next[chosen] as number;
    items.push((runs[chosen] as { items: Item[] }).items[position] as Item);
    next[chosen] = position + 1;
  }
  return { items, deferred: gaps.size > 0, gaps };
}
