import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a DynamoDB server in this process answered, counted since the counter started or was last reset. */
export interface DynamoDbRequestCounts {
  /** Every request answered. */
  total: number;
  /** By operation, as the request's `X-Amz-Target` names it after the dot: `PutItem`, `Query`, `BatchGetItem`, ... */
  byOperation: Record<string, number>;
  /** Answered with an error status (400 and up): refused conditional writes among them. */
  failed: number;
  /** Failed requests by operation. */
  failedByOperation: Record<string, number>;
}

/** A running count; see `countDynamoDbRequests`. */
export interface DynamoDbRequestCounter {
  /** A copy of the counts so far. */
  counts(): DynamoDbRequestCounts;
  /** Starts counting from zero again. */
  reset(): void;
  /** Stops counting; `counts()` keeps answering with the last counts. */
  stop(): void;
}

const RESPONSE_FINISHED = 'http.server.response.finish';

/**
 * Counts the requests a DynamoDB server listening on `port` in this process (dynalite) answers,
 * by operation, at the HTTP level: what the server was really asked, whoever asked it (a handler,
 * the event store, the audit stream), with no guessing from the callers' code.
 *
 * Why the diagnostics channel: Node publishes every answered request of every HTTP server in the
 * process on `http.server.response.finish`, so nothing in dynalite or in the SDK clients is wrapped.
 *
 * @example
 * const counter = countDynamoDbRequests(7702);
 * await runOneExecution();
 * const { total, byOperation } = counter.counts(); // e.g. { total: 23, byOperation: { PutItem: 12, Query: 11 } }
 * counter.stop();
 */
export function countDynamoDbRequests(port: number): DynamoDbRequestCounter {
  let counts = empty();
  const onFinish = (message: unknown) => {
    const { request, response, server } = message as { request?: IncomingMessage; response?: ServerResponse; server?: Server };
    if ((server?.address() as AddressInfo | null)?.port !== port) return;
    const operation = operationOf(request);
    counts.total += 1;
    counts.byOperation[operation] = (counts.byOperation[operation] ?? 0) + 1;
    if ((response?.statusCode ?? 200) >= 400) {
      counts.failed += 1;
      counts.failedByOperation[operation] = (counts.failedByOperation[operation] ?? 0) + 1;
    }
  };
  subscribe(RESPONSE_FINISHED, onFinish);
  let stopped = false;
  return {
    counts: () => ({ ...counts, byOperation: { ...counts.byOperation }, failedByOperation: { ...counts.failedByOperation } }),
    reset: () => {
      counts = empty();
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      unsubscribe(RESPONSE_FINISHED, onFinish);
    },
  };
}

/**
 * The DynamoDB operation of a request: its `X-Amz-Target` after the dot (`DynamoDB_20120810.PutItem`
 * is `PutItem`), or `(none)` without one.
 *
 * @example
 * operationOf(request); // 'PutItem'
 */
export function operationOf(request: IncomingMessage | undefined): string {
  const target = request?.headers['x-amz-target'];
  return typeof target === 'string' && target !== '' ? target.slice(target.indexOf('.') + 1) : '(none)';
}

function empty(): DynamoDbRequestCounts {
  return { total: 0, byOperation: {}, failed: 0, failedByOperation: {} };
}
