import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { itemTimeMs } from './stream-records.js';

type Item = Record<string, AttributeValue>;

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
 * write acknowledged before it began.
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
