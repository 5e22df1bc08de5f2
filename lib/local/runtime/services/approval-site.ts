import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { SECURITY_HEADERS, toResponse } from '../../../../functions/approval-page/middleware.js';
import { problemPage } from '../../../../functions/approval-page/pages.js';
import { invokeLocalLambda, LambdaFunctionError, type LocalLambda } from '../lambda/lambda-invoke.js';

/** The routes the HTTP API has on AWS (lib/constructs/approval-site.ts); nothing else reaches the handler. */
const ROUTE = /^\/approvals\/([^/]+)$/;
/** API Gateway HTTP APIs refuse bodies over 10 MB; an approval form is a few hundred bytes. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The approval site on localhost: each request is turned into the API Gateway HTTP API
 * (payload format 2.0) event that AWS would send, and answered by the same handler that runs
 * behind the API on AWS, invoked as Lambda invokes it (its own environments, its timeout); a
 * function error becomes API Gateway's own 500. `GET /` is a local-only landing page pointing
 * at the inbox. A path with a broken %-escape, or a request Node cannot parse, is a 400: never
 * a 500, never the handler's business. Every answer, whoever gives it, carries the approval
 * page's SECURITY_HEADERS (functions/approval-page/middleware.ts).
 *
 * @example
 * const site = await startApprovalSite({ host: '127.0.0.1', port: 7700, page, inboxUrl });
 */
export async function startApprovalSite(options: { host: string; port: number; page: LocalLambda; inboxUrl: string }) {
  const server = createServer((request, response) => {
    serve(request, response, options).catch(() => failed(response));
  });
  server.on('clientError', refuseUnparsable);
  server.listen(options.port, options.host);
  await once(server, 'listening');
  // The port it got: the one asked for, or a free one for port 0.
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    server,
  };
}

async function serve(request: IncomingMessage, response: ServerResponse, options: { page: LocalLambda; inboxUrl: string }): Promise<void> {
  const url = readUrl(request.url);
  if (url === undefined) {
    // The page's own answer for an address that is not a link: no link can be decoded from it.
    sendResult(response, toResponse(problemPage('malformed')));
    return;
  }
  const method = request.method ?? 'GET';
  if (url.pathname === '/' && method === 'GET') {
    send(response, 200, { 'content-type': 'text/html; charset=utf-8' }, landingPage(options.inboxUrl));
    return;
  }
  const match = ROUTE.exec(url.pathname);
  if (match === null || (method !== 'GET' && method !== 'POST')) {
    // API Gateway answers unknown routes itself, without invoking the function.
    send(response, 404, { 'content-type': 'application/json' }, '{"message":"Not Found"}');
    return;
  }
  const body = await readBody(request);
  if (body === undefined) {
    send(response, 413, { 'content-type': 'application/json', connection: 'close' }, '{"message":"Request Entity Too Large"}');
    return;
  }
  let result: APIGatewayProxyStructuredResultV2;
  try {
    result = (await invokeLocalLambda(options.page, toEvent(request, url, method, match[1] ?? '', body))) as APIGatewayProxyStructuredResultV2;
  } catch (error) {
    if (!(error instanceof LambdaFunctionError)) throw error;
    // What API Gateway answers when the integration's function fails: nothing of the error itself.
    send(response, 500, { 'content-type': 'application/json' }, '{"message":"Internal Server Error"}');
    return;
  }
  sendResult(response, result);
}

/** An answer in API Gateway's shape (payload 2.0), as the function returns it. */
function sendResult(response: ServerResponse, result: APIGatewayProxyStructuredResultV2): void {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  send(response, result.statusCode ?? 200, headers, result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'));
}

/**
 * One answer, with SECURITY_HEADERS under the given headers. The page sends them itself (its
 * tests check that); here they are the floor for every answer, the site's own included,
 * which API Gateway would send bare.
 */
function send(response: ServerResponse, statusCode: number, headers: OutgoingHttpHeaders, body: string | Buffer): void {
  response.writeHead(statusCode, { ...SECURITY_HEADERS, ...headers });
  response.end(body);
}

/** The site failed itself (not the function): a plain 500, still with the headers, or a cut connection if even that fails. */
function failed(response: ServerResponse): void {
  try {
    if (!response.headersSent) {
      for (const name of response.getHeaderNames()) response.removeHeader(name);
      response.writeHead(500, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
    }
    response.end('The approval site failed to answer. Try again.');
  } catch {
    response.destroy();
  }
}

/**
 * The request's URL, or undefined when it is not one the handler could be given: unparsable,
 * or with a %-escape that does not decode (`/%`, `/approvals/%E0%A4%A`). API Gateway refuses
 * those with 400 before any route; decoding the link later would throw.
 */
function readUrl(target: string | undefined): URL | undefined {
  let url: URL;
  try {
    url = new URL(target ?? '/', 'http://localhost');
    decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  return url;
}

/** What Node answers itself for a request it cannot parse, with the same headers as everything else. */
const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
};

/** A request line or header Node's parser refuses never reaches `serve`: answer it here, instead of Node's bare 400. */
function refuseUnparsable(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request'];
  const body = JSON.stringify({ message: reason });
  const headers = { ...SECURITY_HEADERS, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' };
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n${body}`);
}

function toEvent(request: IncomingMessage, url: URL, method: string, link: string, body: Buffer): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const now = new Date();
  const requestId = randomUUID();
  const routeKey = `${method} /approvals/{link}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(url.search ? { queryStringParameters: Object.fromEntries(url.searchParams) } : {}),
    headers,
    pathParameters: { link: decodeURIComponent(link) },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: { method, path: url.pathname, protocol: `HTTP/${request.httpVersion}`, sourceIp: request.socket.remoteAddress ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId,
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    // API Gateway base64-encodes bodies it does not treat as text; sending everything that way exercises that path.
    ...(body.length > 0 ? { body: body.toString('base64'), isBase64Encoded: true } : { isBase64Encoded: false }),
  };
}

/**
 * The body, or undefined once it is over MAX_BODY_BYTES. Not a for-await loop: leaving one
 * destroys the request halfway through, and the client, still sending, then loses the 413 or
 * reuses a broken keep-alive connection. Here the rest is left to Node, which discards it
 * once the answer (sent with `connection: close`) is out.
 */
function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      request.off('data', onData).off('end', onEnd).off('error', reject);
      resolve(undefined);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    request.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

function landingPage(inboxUrl: string): string {
  const inbox = inboxUrl.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>wardflow approvals (local)</title></head>
<body><h1>wardflow approval site (local runtime)</h1>
<p>Approval links arrive by email. Open the local inbox: <a href="${inbox}">${inbox}</a></p></body></html>`;
}
