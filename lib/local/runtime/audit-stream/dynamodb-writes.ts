import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** DynamoDB operations that cannot change an item: everything else may have written. */
const READ_ONLY = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'DescribeTable', 'ListTables', 'DescribeTimeToLive', 'ListTagsOfResource']);

const RESPONSE_FINISHED = 'http.server.response.finish';

/**
 * Calls `listener` after every request that may have written to the DynamoDB server listening
 * on `port` in this process (dynalite) has been answered, so the item is stored by then.
 *
 * Why: while the local stream scans (its one catch-up over history the write log does not hold,
 * or without a write log at all), a Scan of the whole table costs about 30 ms per thousand items,
 * too much to repeat four times a second while nothing is written. Node's
 * `http.server.response.finish` diagnostics channel reports every answered request of every HTTP
 * server in the process, so the stream scans only after a write, with no hook in dynalite. A hint
 * only: the stream still scans now and then without one.
 *
 * @example
 * const stop = watchDynamoDbWrites(7702, () => (changed = true));
 * stop();
 */
export function watchDynamoDbWrites(port: number, listener: () => void): () => void {
  const onFinish = (message: unknown) => {
    const { request, server } = message as { request?: IncomingMessage; server?: Server };
    if ((server?.address() as AddressInfo | null)?.port !== port) return;
    const target = request?.headers['x-amz-target'];
    const operation = typeof target === 'string' ? target.slice(target.indexOf('.') + 1) : '';
    if (!READ_ONLY.has(operation)) listener();
  };
  subscribe(RESPONSE_FINISHED, onFinish);
  return () => {
    unsubscribe(RESPONSE_FINISHED, onFinish);
  };
}
