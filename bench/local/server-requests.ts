import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { operationOf } from '../../lib/local/runtime/services/dynamodb-request-counter.js';

/** One request a server of this process answered. Times are `performance.now()` milliseconds. */
export interface AnsweredRequest {
  /** The port of the server that answered (which local service it was). */
  port: number;
  method: string;
  url: string;
  /** `X-Amz-Target` after the dot (`PutItem`, `SendTaskSuccess`), `(none)` without one (S3, SES, the approval site). */
  operation: string;
  status: number;
  startedAt: number;
  finishedAt: number;
}

const STARTED = 'http.server.request.start';
const FINISHED = 'http.server.response.finish';

type ChannelMessage = { request?: IncomingMessage; response?: ServerResponse; server?: Server };

/**
 * Tells `onAnswered` of every request any HTTP server in this process answers (dynalite, s3rver,
 * the inbox, the local AWS endpoint, the approval site), when its answer is sent: what the
 * benchmark waits on and counts, without polling and without touching the servers. Node publishes
 * these on diagnostics channels (the runtime's request counter listens the same way). Returns the
 * unsubscribe.
 *
 * @example
 * const stop = watchServerRequests((r) => r.port === sesPort && wake());
 */
export function watchServerRequests(onAnswered: (request: AnsweredRequest) => void): () => void {
  const started = new WeakMap<IncomingMessage, number>();
  const onStart = (message: unknown) => {
    const { request } = message as ChannelMessage;
    if (request !== undefined) started.set(request, performance.now());
  };
  const onFinish = (message: unknown) => {
    const { request, response, server } = message as ChannelMessage;
    const port = (server?.address() as AddressInfo | null)?.port;
    if (request === undefined || port === undefined) return;
    const finishedAt = performance.now();
    onAnswered({
      port,
      method: request.method ?? 'GET',
      url: request.url ?? '/',
      operation: operationOf(request),
      status: response?.statusCode ?? 200,
      startedAt: started.get(request) ?? finishedAt,
      finishedAt,
    });
  };
  subscribe(STARTED, onStart);
  subscribe(FINISHED, onFinish);
  return () => {
    unsubscribe(STARTED, onStart);
    unsubscribe(FINISHED, onFinish);
  };
}

/** The port of a local endpoint's URL (`http://127.0.0.1:7702` is 7702). */
export function portOf(url: string): number {
  return Number(new URL(url).port);
}
