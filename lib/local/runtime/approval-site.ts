import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { invokeLocalLambda, LambdaFunctionError, type LocalLambda } from './lambda-invoke.js';

/** The routes the HTTP API has on AWS (lib/constructs/approval-site.ts); nothing else reaches the handler. */
const ROUTE = /^\/approvals\/([^/]+)$/;
/** API Gateway HTTP APIs refuse bodies over 10 MB; an approval form is a few hundred bytes. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The approval site on localhost: each request is turned into the API Gateway HTTP API
 * (payload format 2.0) event that AWS would send, and answered by the same handler that runs
 * behind the API on AWS, invoked as Lambda invokes it (its own environments, its timeout); a
 * function error becomes API Gateway's own 500. `GET /` is a local-only landing page pointing
 * at the inbox.
 *
 * @example
 * const site = await startApprovalSite({ host: '127.0.0.1', port: 7700, page, inboxUrl });
 */
export async function startApprovalSite(options: { host: string; port: number; page: LocalLambda; inboxUrl: string }) {
  const server = createServer((request, response) => {
    serve(request, response, options).catch(() => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('The approval site failed to answer. Try again.');
    });
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  return {
    url: `http://${options.host}:${options.port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    server,
  };
}

async function serve(request: IncomingMessage, response: ServerResponse, options: { page: LocalLambda; inboxUrl: string }): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const method = request.method ?? 'GET';
  if (url.pathname === '/' && method === 'GET') {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    response.end(landingPage(options.inboxUrl));
    return;
  }
  const match = ROUTE.exec(url.pathname);
  if (match === null || (method !== 'GET' && method !== 'POST')) {
    // API Gateway answers unknown routes itself, without invoking the function.
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end('{"message":"Not Found"}');
    return;
  }
  const body = await readBody(request);
  if (body === undefined) {
    response.writeHead(413, { 'content-type': 'application/json' });
    response.end('{"message":"Request Entity Too Large"}');
    return;
  }
  let result: APIGatewayProxyStructuredResultV2;
  try {
    result = (await invokeLocalLambda(options.page, toEvent(request, url, method, match[1] ?? '', body))) as APIGatewayProxyStructuredResultV2;
  } catch (error) {
    if (!(error instanceof LambdaFunctionError)) throw error;
    // What API Gateway answers when the integration's function fails: nothing of the error itself.
    response.writeHead(500, { 'content-type': 'application/json' });
    response.end('{"message":"Internal Server Error"}');
    return;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  response.writeHead(result.statusCode ?? 200, headers);
  if (result.cookies?.length) response.setHeader('set-cookie', result.cookies);
  response.end(result.body === undefined ? '' : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'));
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

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function landingPage(inboxUrl: string): string {
  const inbox = inboxUrl.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>wardflow approvals (local)</title></head>
<body><h1>wardflow approval site (local runtime)</h1>
<p>Approval links arrive by email. Open the local inbox: <a href="${inbox}">${inbox}</a></p></body></html>`;
}
