import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { operationOf } from '../services/dynamodb-request-counter.js';

/** One put the log recorded, in the order the DynamoDB server received them. */
export interface LoggedWrite {
  /** Where the entry starts in the log, in bytes: its position. */
  position: number;
  /** Where the next entry starts. */
  next: number;
  table: string;
  /** The item's key in the events table's layout. */
  stream: string;
  version: number;
  /**
   * The item's `hash` attribute when it has one (every event has): tells the item this put stored
   * from another item at the same key (a refused put's key holds the winner's item).
   */
  hash: string | null;
  /**
   * 'refused' when this process saw the server answer with an error (nothing was stored); undefined
   * when it saw success or did not see the end (a write of a process that was stopped or killed).
   */
  outcome?: 'refused';
}

/** What `read` found. */
export interface WriteLogRead {
  writes: LoggedWrite[];
  /** Where the next read starts (after the last write returned). */
  next: number;
  /** Stopped before a put the server is still working on: it may still store its item. */
  blocked: boolean;
}

/**
 * Operations that put items: every item they carry is logged. Not TransactWriteItems: dynalite
 * refuses it before storing anything (the event store then puts the same events one by one, and a
 * logged refused transaction could read, after a restart, as a second put of those items).
 */
const PUTS = new Set(['PutItem', 'BatchWriteItem']);
/** An answered write whose `close` came without `end`: how long the server may still take before its outcome counts as unknown. */
const UNANSWERED_GRACE_MS = 10_000;
const READ_CHUNK_BYTES = 256 * 1024;

const logsByPort = new Map<number, DynamoDbWriteLog>();

/**
 * The local DynamoDB's write log: every put the server in this process receives, in arrival order,
 * one line in a file (`{"t":table,"s":stream,"v":version,"h":hash}`), so the local audit stream can
 * read new events from where it stopped instead of scanning the whole table (DynamoDB Streams,
 * which dynalite lacks, plays this part on AWS).
 *
 * Why it cannot lose a write: the line is written before the server even parses the request (this
 * listener runs before dynalite's), so an item can only be stored after its line is in the file
 * (written with a plain write: it survives kill -9, as dynalite's own LevelDB writes do). A line
 * does not prove the item was stored: a refused conditional put leaves one too. So the reader
 * fetches each item from the table and takes it only when it is there with the line's hash; puts
 * this process saw refused are skipped without a fetch, and the reader never passes a put that is
 * still under way.
 *
 * Keys only, about 130 bytes an event: the log grows with the table (a tenth of its size) and is
 * removed with the data folder.
 *
 * @example
 * const log = DynamoDbWriteLog.attach(server, join(dataDir, 'dynamodb-writes.jsonl'), port);
 * const { writes, next } = log.read(checkpointPosition, 100);
 */
export class DynamoDbWriteLog {
  readonly file: string;
  private readonly fd: number;
  private size: number;
  /** Positions of puts received and not answered yet. */
  private readonly inFlight = new Set<number>();
  /** Positions of puts this process saw refused, until `forget` (only an optimisation: the reader checks the table anyway). */
  private readonly refused = new Set<number>();
  private readonly settledListeners = new Set<() => void>();
  private detach: () => void = () => undefined;

  private constructor(file: string) {
    this.file = file;
    const existed = existsSync(file);
    this.fd = openSync(file, 'a+', 0o600);
    this.size = fstatSync(this.fd).size;
    // A line cut short by a crash inside its write: end it, so the next line stays whole (the reader skips the cut one).
    if (existed && this.size > 0 && this.byteAt(this.size - 1) !== 0x0a) this.append('\n');
  }

  /**
   * Opens (or creates) the log file and starts logging the puts `server` receives. Registered under
   * `port`, where `writeLogOnPort` finds it, until `close()`.
   */
  static attach(server: Server, file: string, port: number): DynamoDbWriteLog {
    const log = new DynamoDbWriteLog(file);
    const onRequest = (request: IncomingMessage, response: ServerResponse) => log.observe(request, response);
    server.prependListener('request', onRequest);
    log.detach = () => server.off('request', onRequest);
    logsByPort.set(port, log);
    const unregister = log.detach;
    log.detach = () => {
      unregister();
      if (logsByPort.get(port) === log) logsByPort.delete(port);
    };
    return log;
  }

  /** Bytes written so far: the position the next put gets. */
  get end(): number {
    return this.size;
  }

  /**
   * Up to `max` puts from `position` (a position a previous read returned as `next`, or 0), in
   * arrival order, stopping before the first one still under way.
   *
   * @example
   * const { writes, next, blocked } = log.read(0, 100);
   */
  read(position: number, max: number): WriteLogRead {
    if (position > this.size) {
      throw new Error(`position ${position} is past the end of the DynamoDB write log ${this.file} (${this.size} bytes): the log was removed or cut`);
    }
    const writes: LoggedWrite[] = [];
    let next = position;
    while (writes.length < max && next < this.size) {
      const length = Math.min(READ_CHUNK_BYTES, this.size - next);
      const chunk = Buffer.alloc(length);
      readSync(this.fd, chunk, 0, length, next);
      let start = 0;
      for (let newline = chunk.indexOf(0x0a); newline >= 0 && writes.length < max; newline = chunk.indexOf(0x0a, start)) {
        const at = next + start;
        if (this.inFlight.has(at)) return { writes, next: at, blocked: true };
        const write = parseLine(chunk.toString('utf8', start, newline), at, next + newline + 1);
        if (write !== undefined) writes.push(this.refused.has(at) ? { ...write, outcome: 'refused' } : write);
        start = newline + 1;
      }
      // A chunk without a line end holds part of a line longer than any this log writes: skip it rather than stop.
      if (start === 0 && chunk.indexOf(0x0a) < 0) start = length;
      next += start;
    }
    return { writes, next, blocked: false };
  }

  /** Drops what the log remembers about puts before `position` (the reader is durably past them). */
  forget(position: number): void {
    for (const at of this.refused) if (at < position) this.refused.delete(at);
  }

  /** Calls `listener` whenever a logged put is answered. Returns the unsubscribe function. */
  onSettled(listener: () => void): () => void {
    this.settledListeners.add(listener);
    return () => this.settledListeners.delete(listener);
  }

  /** Stops logging and closes the file. */
  close(): void {
    this.detach();
    closeSync(this.fd);
  }

  private observe(request: IncomingMessage, response: ServerResponse): void {
    if (request.method !== 'POST' || !PUTS.has(operationOf(request))) return;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    // Runs before dynalite's own 'end' listener (ours was added first): the lines are on disk before it stores anything.
    request.on('end', () => {
      const positions = this.logPuts(Buffer.concat(chunks).toString('utf8'));
      // A refused PutItem stored nothing; a refused batch may have stored part of itself: the reader checks the table.
      if (positions.length > 0) this.track(positions, response, operationOf(request) === 'PutItem');
    });
  }

  /** Writes one line per item the request puts; returns their positions. */
  private logPuts(body: string): number[] {
    let request: unknown;
    try {
      request = JSON.parse(body);
    } catch {
      return []; // the server refuses it too
    }
    const positions: number[] = [];
    for (const { table, item } of putItems(request)) {
      const stream = item.stream?.S;
      const version = Number(item.version?.N);
      if (typeof stream !== 'string' || !Number.isSafeInteger(version)) continue;
      const hash = typeof item.hash?.S === 'string' ? item.hash.S : null;
      positions.push(this.size);
      this.append(`${JSON.stringify({ t: table, s: stream, v: version, h: hash })}\n`);
    }
    return positions;
  }

  /** Marks the positions in flight until the server answers (it calls `end` only once the put is done or refused). */
  private track(positions: number[], response: ServerResponse, allOrNothing: boolean): void {
    for (const at of positions) this.inFlight.add(at);
    let settled = false;
    const settle = (refused: boolean) => {
      if (settled) return;
      settled = true;
      for (const at of positions) {
        this.inFlight.delete(at);
        if (refused) this.refused.add(at);
      }
      for (const listener of this.settledListeners) listener();
    };
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
    response.end = ((...args: unknown[]) => {
      settle(allOrNothing && response.statusCode >= 400);
      return end(...args);
    }) as ServerResponse['end'];
    // The client went away before an answer: the server may still store the item. Give it time, then let the reader check the table.
    response.once('close', () => {
      if (!settled) setTimeout(() => settle(false), UNANSWERED_GRACE_MS).unref();
    });
  }

  private append(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    writeSync(this.fd, bytes, 0, bytes.length, null);
    this.size += bytes.length;
  }

  private byteAt(position: number): number {
    const one = Buffer.alloc(1);
    readSync(this.fd, one, 0, 1, position);
    return one[0] as number;
  }
}

/**
 * The write log of the DynamoDB server this process runs on `port` (local-services.ts attaches one
 * to the runtime's dynalite), or undefined.
 *
 * @example
 * const log = writeLogOnPort(7702);
 */
export function writeLogOnPort(port: number): DynamoDbWriteLog | undefined {
  return logsByPort.get(port);
}

type Attribute = { S?: unknown; N?: unknown };

/** The items a PutItem or BatchWriteItem request puts (and a TransactWriteItems', should it be logged), with their tables. */
function putItems(request: unknown): Array<{ table: string; item: Record<string, Attribute> }> {
  const found: Array<{ table: string; item: Record<string, Attribute> }> = [];
  const add = (table: unknown, item: unknown) => {
    if (typeof table === 'string' && typeof item === 'object' && item !== null) found.push({ table, item: item as Record<string, Attribute> });
  };
  const r = request as { TableName?: unknown; Item?: unknown; RequestItems?: unknown; TransactItems?: unknown } | null;
  if (r === null || typeof r !== 'object') return found;
  if (r.Item !== undefined) add(r.TableName, r.Item);
  if (typeof r.RequestItems === 'object' && r.RequestItems !== null) {
    for (const [table, requests] of Object.entries(r.RequestItems)) {
      if (Array.isArray(requests)) for (const one of requests) add(table, (one as { PutRequest?: { Item?: unknown } })?.PutRequest?.Item);
    }
  }
  if (Array.isArray(r.TransactItems)) {
    for (const one of r.TransactItems) {
      const put = (one as { Put?: { TableName?: unknown; Item?: unknown } })?.Put;
      if (put !== undefined) add(put.TableName, put.Item);
    }
  }
  return found;
}

function parseLine(line: string, position: number, next: number): LoggedWrite | undefined {
  try {
    const { t, s, v, h } = JSON.parse(line) as { t?: unknown; s?: unknown; v?: unknown; h?: unknown };
    if (typeof t !== 'string' || typeof s !== 'string' || !Number.isSafeInteger(v)) return undefined;
    return { position, next, table: t, stream: s, version: v as number, hash: typeof h === 'string' ? h : null };
  } catch {
    return undefined; // a line cut short by a crash: its put never reached the server
  }
}
