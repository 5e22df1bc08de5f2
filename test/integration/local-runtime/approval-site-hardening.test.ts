import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SECURITY_HEADERS, toResponse } from '../../../functions/approval-page/middleware.js';
import { problemPage } from '../../../functions/approval-page/pages.js';
import { startApprovalSite } from '../../../lib/local/runtime/services/approval-site.js';
import type { LocalLambda } from '../../../lib/local/runtime/lambda/lambda-invoke.js';

/**
 * The local approval site, as a browser meets it: every answer, the site's own (landing page,
 * 400, 404, 413, 500) and the page's (including a redirect), carries the approval page's
 * security headers, and a path whose %-escapes do not decode is a 400 page that never reaches
 * the function. The function is a stand-in whose answer each test picks.
 */
type Answer = (event: unknown) => Promise<unknown>;
let answer: Answer;
let invocations: unknown[];
const page: LocalLambda = {
  handler: 'approval-page',
  arn: 'arn:aws:lambda:us-east-1:000000000000:function:approval-page',
  timeoutSeconds: 10,
  run: (event) => {
    invocations.push(event);
    return answer(event);
  },
};

let site: Awaited<ReturnType<typeof startApprovalSite>>;
beforeAll(async () => {
  site = await startApprovalSite({ host: '127.0.0.1', port: 0, page, inboxUrl: 'http://127.0.0.1:9/' });
});
afterAll(() => site.stop());
beforeEach(() => {
  invocations = [];
  answer = async () => toResponse(problemPage('forged'));
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(method: string, path: string, body?: Buffer): Promise<Reply> {
  const { hostname, port } = new URL(site.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, method, path, headers: body ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // The site may answer 413 before the whole body is written; what it answered is what counts.
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends bytes as they are, for requests no HTTP client would write. */
function sendRaw(text: string): Promise<Reply> {
  const { hostname, port } = new URL(site.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = received.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
  });
}

function expectSecurityHeaders(reply: Reply): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(reply.headers[name.toLowerCase()], name).toBe(value);
}

describe('the local approval site', () => {
  it('serves the landing page with the security headers', async () => {
    const reply = await send('GET', '/');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.body).toContain('http://127.0.0.1:9/');
    expectSecurityHeaders(reply);
  });

  it.each([
    ['GET', '/approvals/%E0%A4%A'],
    ['GET', '/%'],
    ['POST', '/approvals/%zz'],
    ['GET', '/approvals/ok%2'],
  ])('answers %s %s, a broken %%-escape, with the 400 page, without invoking the function', async (method, path) => {
    const reply = await send(method, path, method === 'POST' ? Buffer.from('decision=approve') : undefined);
    expect(reply.status).toBe(400);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.body).toContain('Link not readable');
    expectSecurityHeaders(reply);
    expect(invocations).toEqual([]);
  });

  it.each([
    ['GET', '/nowhere'],
    ['GET', '/approvals/a/b'],
    ['DELETE', '/approvals/abc'],
  ])('answers %s %s with 404 and the security headers', async (method, path) => {
    const reply = await send(method, path);
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.body)).toEqual({ message: 'Not Found' });
    expectSecurityHeaders(reply);
    expect(invocations).toEqual([]);
  });

  it('answers an oversized body with 413 and the security headers', async () => {
    const reply = await send('POST', '/approvals/abc', Buffer.alloc(200 * 1024, 'a'));
    expect(reply.status).toBe(413);
    expectSecurityHeaders(reply);
    expect(invocations).toEqual([]);
  });

  it("answers a function error with API Gateway's 500 and the security headers", async () => {
    answer = async () => {
      throw new Error('boom at /internal/path');
    };
    const reply = await send('GET', '/approvals/abc');
    expect(reply.status).toBe(500);
    expect(JSON.parse(reply.body)).toEqual({ message: 'Internal Server Error' });
    expect(reply.body).not.toContain('boom');
    expectSecurityHeaders(reply);
    expect(invocations).toHaveLength(1);
  });

  it('answers a failure of the site itself (an answer it cannot send) with 500 and the security headers', async () => {
    answer = async () => ({ statusCode: 1234, body: 'no such status' });
    const reply = await send('GET', '/approvals/abc');
    expect(reply.status).toBe(500);
    expect(reply.body).toBe('The approval site failed to answer. Try again.');
    expectSecurityHeaders(reply);
  });

  it("passes the page's own answers through, and gives a redirect the headers too", async () => {
    const forged = await send('GET', '/approvals/abc');
    expect(forged.status).toBe(403);
    expectSecurityHeaders(forged);
    answer = async () => ({ statusCode: 303, headers: { Location: '/approvals/abc' } });
    const redirect = await send('POST', '/approvals/abc', Buffer.from('decision=approve'));
    expect(redirect.status).toBe(303);
    expect(redirect.headers.location).toBe('/approvals/abc');
    expectSecurityHeaders(redirect);
  });

  it("answers a request Node cannot parse with 400 and the security headers, not Node's bare 400", async () => {
    const reply = await sendRaw('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nNot a header\r\n\r\n');
    expect(reply.status).toBe(400);
    expect(JSON.parse(reply.body)).toEqual({ message: 'Bad Request' });
    expectSecurityHeaders(reply);
    expect(invocations).toEqual([]);
  });
});
