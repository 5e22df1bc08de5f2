import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoDbWriteLog, writeLogOnPort } from '../../../lib/local/runtime/audit-stream/dynamodb-write-log.js';

/**
 * The DynamoDB write log against a stand-in server whose answers the test releases one by one,
 * so "a put still under way" is a state the test holds, not a race it hopes for.
 */
interface Held {
  /** What the server's own handler saw when the request's body ended: the log's end then. */
  logEndAtArrival: number;
  answer(status: number): void;
}

const folders: string[] = [];
const servers: Server[] = [];
const logs: DynamoDbWriteLog[] = [];
afterEach(async () => {
  for (const log of logs.splice(0)) log.close();
  for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

async function stand(file?: string) {
  const folder = mkdtempSync(join(tmpdir(), 'wardflow-write-log-'));
  folders.push(folder);
  const held: Held[] = [];
  const arrived: Array<(held: Held) => void> = [];
  let log!: DynamoDbWriteLog;
  // The stand-in's own handler, registered first, as dynalite's is.
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.on('data', () => undefined);
    request.on('end', () => {
      const one: Held = {
        logEndAtArrival: log.end,
        answer: (status) => {
          response.statusCode = status;
          response.end('{}');
        },
      };
      held.push(one);
      arrived.shift()?.(one);
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  log = DynamoDbWriteLog.attach(server, file ?? join(folder, 'writes.jsonl'), port);
  logs.push(log);
  /** Sends a request and resolves once the server holds it (the log has seen its body by then). */
  const send = async (operation: string, body: unknown): Promise<{ held: Held; answered: Promise<number> }> => {
    const arrival = new Promise<Held>((resolve) => arrived.push(resolve));
    const answered = fetch(`http://127.0.0.1:${port}/`, {
      method: 'POST',
      headers: { 'x-amz-target': `DynamoDB_20120810.${operation}`, 'content-type': 'application/x-amz-json-1.0' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    }).then(async (response) => {
      await response.text();
      return response.status;
    });
    return { held: await arrival, answered };
  };
  return { log, port, folder, send, held };
}

const put = (stream: string, version: number, hash: string | null = `h-${stream}-${version}`) => ({
  TableName: 'events',
  Item: { stream: { S: stream }, version: { N: String(version) }, ...(hash === null ? {} : { hash: { S: hash } }) },
});

describe('the DynamoDB write log', () => {
  it('writes a put\'s line before the server handles the request, and reads it back', async () => {
    const { log, send } = await stand();
    const { held, answered } = await send('PutItem', put('execution#a', 1));
    expect(held.logEndAtArrival).toBeGreaterThan(0);
    held.answer(200);
    expect(await answered).toBe(200);
    const { writes, next, blocked } = log.read(0, 10);
    expect(writes).toEqual([{ position: 0, next, table: 'events', stream: 'execution#a', version: 1, hash: 'h-execution#a-1' }]);
    expect(next).toBe(log.end);
    expect(blocked).toBe(false);
  });

  it('stops before a put still under way, and goes on once it is answered', async () => {
    const { log, send } = await stand();
    const first = await send('PutItem', put('execution#a', 1));
    const second = await send('PutItem', put('execution#b', 1));
    second.held.answer(200);
    await second.answered;
    expect(log.read(0, 10)).toEqual({ writes: [], next: 0, blocked: true });
    let settled = 0;
    log.onSettled(() => (settled += 1));
    first.held.answer(200);
    await first.answered;
    expect(settled).toBe(1);
    const { writes, blocked } = log.read(0, 10);
    expect(writes.map((w) => w.stream)).toEqual(['execution#a', 'execution#b']);
    expect(blocked).toBe(false);
  });

  it('marks a refused PutItem, not a refused batch (part of it may be stored), and forgets marks behind a position', async () => {
    const { log, send } = await stand();
    const refused = await send('PutItem', put('execution#a', 1));
    refused.held.answer(400);
    await refused.answered;
    const batch = await send('BatchWriteItem', {
      RequestItems: { events: [{ PutRequest: put('execution#b', 1) }, { DeleteRequest: { Key: {} } }, { PutRequest: put('execution#b', 2) }] },
    });
    batch.held.answer(400);
    await batch.answered;
    const { writes } = log.read(0, 10);
    expect(writes.map((w) => [w.stream, w.version, w.outcome])).toEqual([
      ['execution#a', 1, 'refused'],
      ['execution#b', 1, undefined],
      ['execution#b', 2, undefined],
    ]);
    log.forget(writes[1]!.position);
    expect(log.read(0, 1).writes[0]?.outcome).toBeUndefined();
  });

  it('logs nothing for reads, for other operations, for bodies that are not JSON, and for items without the events key', async () => {
    const { log, send } = await stand();
    for (const [operation, body] of [
      ['Query', { TableName: 'events' }],
      ['UpdateItem', { TableName: 'events', Key: put('execution#a', 1).Item }],
      ['PutItem', '{not json'],
      ['PutItem', { TableName: 'events', Item: { id: { S: 'x' } } }],
      ['PutItem', { TableName: 'events', Item: { stream: { S: 'execution#a' }, version: { N: 'one' } } }],
    ] as const) {
      const { held, answered } = await send(operation, body);
      held.answer(200);
      await answered;
    }
    expect(log.end).toBe(0);
  });

  it('reads in pieces from the positions it returned, and refuses a position past its end', async () => {
    const { log, send } = await stand();
    for (let v = 1; v <= 5; v += 1) {
      const { held, answered } = await send('PutItem', put('execution#a', v, v === 3 ? null : undefined));
      held.answer(200);
      await answered;
    }
    const first = log.read(0, 2);
    const rest = log.read(first.next, 10);
    expect([...first.writes, ...rest.writes].map((w) => [w.version, w.hash])).toEqual([
      [1, 'h-execution#a-1'],
      [2, 'h-execution#a-2'],
      [3, null],
      [4, 'h-execution#a-4'],
      [5, 'h-execution#a-5'],
    ]);
    expect(log.read(log.end, 10)).toEqual({ writes: [], next: log.end, blocked: false });
    expect(() => log.read(log.end + 1, 10)).toThrow(/past the end of the DynamoDB write log/);
  });

  it('ends a line a crash cut short, skips it, and keeps every later line whole', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'wardflow-write-log-cut-'));
    folders.push(folder);
    const file = join(folder, 'writes.jsonl');
    writeFileSync(file, `${JSON.stringify({ t: 'events', s: 'execution#a', v: 1, h: 'x' })}\n{"t":"events","s":"execution#a","v`);
    const { log, send } = await stand(file);
    const { held, answered } = await send('PutItem', put('execution#a', 2));
    held.answer(200);
    await answered;
    expect(readFileSync(file, 'utf8').split('\n').at(-1)).toBe('');
    expect(log.read(0, 10).writes.map((w) => w.version)).toEqual([1, 2]);
  });

  it('is found by its port until it is closed', async () => {
    const { log, port } = await stand();
    expect(writeLogOnPort(port)).toBe(log);
    log.close();
    logs.splice(logs.indexOf(log), 1);
    expect(writeLogOnPort(port)).toBeUndefined();
  });
});
