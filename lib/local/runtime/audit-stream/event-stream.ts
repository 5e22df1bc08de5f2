import { join } from 'node:path';
import { type AttributeValue, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { appendDeadLetter, DEAD_LETTER_FILE, streamDeadLetter } from './dead-letters.js';
import type { DynamoDbWriteLog } from './dynamodb-write-log.js';
import { watchDynamoDbWrites } from './dynamodb-writes.js';
import { invokeLocalLambda, type LocalLambda } from '../lambda/lambda-invoke.js';
import { loggedItems, scanNewItems, selectBatch } from './stream-capture.js';
import { emptyCheckpoint, type StreamCheckpoint, type StreamCheckpointStore, streamCheckpointFile } from './stream-checkpoint.js';
import { afterInvocation, type InvocationResult, type StreamMappingSettings } from './stream-failure-policy.js';
import { FIRST_SEQUENCE_NUMBER, insertRecord, localStreamIdentity, type LocalStreamRecord } from './stream-records.js';

type Item = Record<string, AttributeValue>;

export interface LocalEventStreamOptions {
  /** The data folder: the checkpoint and the dead-letter file live there. */
  dataDir: string;
  /** A client of the local DynamoDB. The stream does not destroy it. */
  client: DynamoDBClient;
  /** The events table. */
  table: string;
  region: string;
  /** The archiver as the runtime runs it: its ARN names it in dead-letter messages, its timeout bounds each invocation. */
  archiver: LocalLambda;
  /** The template's event source mapping settings. */
  mapping: StreamMappingSettings;
  /**
   * The write log of the DynamoDB server in this process (dynamodb-write-log.ts; local-services.ts
   * attaches one to the runtime's dynalite): new events are read from it, from where the stream
   * stopped. Without one the stream scans the table at every turn, as it does once to catch up.
   */
  writeLog?: DynamoDbWriteLog;
  /**
   * Port of the DynamoDB server in this process: while scanning, the stream scans only after a
   * write to it (dynamodb-writes.ts), besides every `rescanIntervalMs`. @default none: it scans at every poll
   */
  dynamoDbPort?: number;
  /** Progress and warning lines. Positions and counts only. @default none */
  log?: (line: string) => void;
  /** @default 250 */
  pollIntervalMs?: number;
  /** Scan at least this often even when no write was seen. @default 5000 */
  rescanIntervalMs?: number;
  /** Wait after the first failed invocation; doubled after each further one. @default 500 */
  retryDelayMs?: number;
  /** @default 10000 */
  maxRetryDelayMs?: number;
  /** Where the checkpoint is kept. @default `<dataDir>/audit-stream.json` */
  checkpoints?: StreamCheckpointStore;
  now?: () => Date;
}

type Step = 'idle' | 'busy' | 'stopped';

/**
 * The events table's DynamoDB stream, for the local runtime, feeding the audit archiver.
 *
 * Why it exists: dynalite (the local DynamoDB) has no Streams API, and nothing among the
 * installed packages emulates DynamoDB Streams over it (s3rver, aws-ses-v2-local and
 * aws-local-stepfunctions cover other services; moto has Streams but is a Python server the
 * runtime must not need). So the runtime makes the stream records itself and invokes the
 * archiver's handler with exactly the event Lambda sends (`DynamoDBStreamEvent`, INSERT records,
 * NEW_IMAGE, 21-digit sequence numbers), and treats its answer as the event source mapping does
 * (stream-failure-policy.ts): batch item failures, bisect, bounded retries, the dead-letter queue
 * (`<data>/audit-dead-letters.jsonl`, positions only).
 *
 * Change capture: the DynamoDB write log (dynamodb-write-log.ts) lists every put in the order the
 * server received it; the stream reads it from its checkpointed position and fetches those items
 * (one BatchGetItem per 100), so a turn costs what was appended since the last one, whatever the
 * size of the table: the archive's lag stays flat as history grows. Once, for history the log does
 * not hold (a table older than the log, or a checkpoint moved away), it scans the table instead
 * (stream-capture.ts, StreamCatchUp), and then reads the log. Nothing is lost or archived twice
 * across stops and crashes (stream-checkpoint.ts): each batch is saved, with the log position
 * after it, before it is handed over, and the checkpoint moves only after the handler answered; a
 * restart first hands over the saved batch again, byte for byte, so the archiver writes the same
 * key and content again. An event appended while the stream was stopped is in the log.
 *
 * Limits, said plainly: it sees items put into the table (INSERT), not later changes or deletions
 * of an item (`wardflow audit verify` compares the archive with the store and finds those). An
 * item put by hand over an existing one reads as another INSERT (DynamoDB Streams would send a
 * MODIFY); the event store never does that.
 *
 * @example
 * const stream = await LocalEventStream.open({ dataDir, client, table, region, archiver, mapping });
 * stream.start();
 * await stream.flush(); // everything appended so far is archived or dead-lettered
 * await stream.stop();
 */
export class LocalEventStream {
  /** `<data>/audit-dead-letters.jsonl` */
  readonly deadLetterFile: string;
  private readonly options: LocalEventStreamOptions;
  private readonly store: StreamCheckpointStore;
  private readonly log: (line: string) => void;
  private readonly now: () => Date;
  private checkpoint: StreamCheckpoint;
  /** Gaps in versions the last scan saw (stream-capture.ts). */
  private gaps = new Set<string>();
  /** While scanning: a write may have happened since the last scan began. */
  private changed = true;
  /** The last capture took everything the table (or the log) had then, in less than a full batch. */
  private drained = false;
  /** The next batch, read from the log while the archiver had the previous one (readAhead). */
  private ahead: { from: number; read: Promise<{ items: Item[]; position: number; blocked: boolean } | undefined> } | undefined;
  private lastScan = 0;
  private failuresInARow = 0;
  private notBefore = 0;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private unwatch: (() => void) | undefined;
  /** Steps run one at a time: the poll loop's and flush()'s. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly sleepers = new Set<() => void>();

  private constructor(options: LocalEventStreamOptions, store: StreamCheckpointStore, checkpoint: StreamCheckpoint) {
    this.options = options;
    this.store = store;
    this.checkpoint = checkpoint;
    this.log = options.log ?? (() => undefined);
    this.now = options.now ?? (() => new Date());
    this.deadLetterFile = join(options.dataDir, DEAD_LETTER_FILE);
  }

  /**
   * Opens the stream at its checkpoint, or, the first time, creates one for the table's stream
   * (labelled by the table's creation time). Does not start polling: `start()` does.
   */
  static async open(options: LocalEventStreamOptions): Promise<LocalEventStream> {
    if (!Number.isInteger(options.mapping.batchSize) || options.mapping.batchSize < 1) {
      throw new Error(`the audit stream's batch size must be a whole number from 1, not ${options.mapping.batchSize}`);
    }
    const store = options.checkpoints ?? streamCheckpointFile(options.dataDir);
    let checkpoint = store.load();
    if (checkpoint !== undefined && checkpoint.catchUp === null && options.writeLog === undefined) {
      throw new Error(`the audit stream's checkpoint in ${options.dataDir} reads the DynamoDB write log, and this DynamoDB has none`);
    }
    if (checkpoint !== undefined && options.writeLog !== undefined && checkpoint.logPosition > options.writeLog.end) {
      throw new Error(
        `the audit stream's checkpoint in ${options.dataDir} is past the end of the DynamoDB write log ${options.writeLog.file} (it was removed or cut); ` +
          'move the checkpoint away to archive every event of the table again',
      );
    }
    if (checkpoint === undefined) {
      const { Table } = await options.client.send(new DescribeTableCommand({ TableName: options.table }));
      const createdAt = Table?.CreationDateTime ?? (options.now ?? (() => new Date()))();
      // The table lives in the archiver's account (the local one): its ARN says which.
      const account = options.archiver.arn.split(':')[4] ?? '';
      const identity = localStreamIdentity({ region: options.region, account, table: options.table, createdAt });
      checkpoint = emptyCheckpoint(identity, FIRST_SEQUENCE_NUMBER);
      store.save(checkpoint);
    }
    return new LocalEventStream(options, store, checkpoint);
  }

  /** The stream's ARN, as the records' eventSourceARN names it. */
  get streamArn(): string {
    return this.checkpoint.streamArn;
  }

  /** Starts polling: every `pollIntervalMs` it archives what was appended, until `stop()`. */
  start(): void {
    if (this.loop !== undefined || this.stopping) return;
    if (this.options.dynamoDbPort !== undefined) {
      this.unwatch = watchDynamoDbWrites(this.options.dynamoDbPort, () => (this.changed = true));
    }
    if (this.checkpoint.pending.length > 0) {
      this.log(`audit stream: handing the archiver again the ${this.checkpoint.delivering} record(s) it had when the runtime stopped`);
    }
    this.loop = this.poll();
  }

  /**
   * Resolves once every event appended before the call is archived or dead-lettered (it reads for
   * them itself, without waiting for a poll). Rejects when the stream is stopped or a read or
   * checkpoint write fails.
   */
  async flush(): Promise<void> {
    for (;;) {
      if (this.stopping) throw new Error('the audit stream is stopped; start the runtime again to archive the remaining events');
      const step = await this.exclusive(() => this.step());
      if (step === 'idle') return;
    }
  }

  /** Stops polling. A delivery under way finishes (and is checkpointed) first; a retry wait is cut short. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of [...this.sleepers]) wake();
    await this.loop;
    await this.queue;
    this.unwatch?.();
  }

  private async poll(): Promise<void> {
    const every = this.options.pollIntervalMs ?? 250;
    const rescanEvery = this.options.rescanIntervalMs ?? 5000;
    while (!this.stopping) {
      const log = this.readingLog();
      const fresh = log !== undefined ? log.end > this.checkpoint.logPosition : this.changed || Date.now() - this.lastScan >= rescanEvery;
      const due = fresh || this.checkpoint.pending.length > 0;
      if (due) {
        try {
          if ((await this.exclusive(() => this.step())) === 'busy') continue;
        } catch (error) {
          const delay = this.failed();
          this.log(`audit stream: ${describe(error)}; trying again in ${delay} ms`);
        }
      }
      await this.sleep(every);
    }
  }

  /** One turn: the pending batch, or a capture of new items (from the log, or by the catch-up scan) and their first batch. */
  private async step(): Promise<Step> {
    const wait = this.notBefore - Date.now();
    if (wait > 0) await this.sleep(wait);
    if (this.stopping) return 'stopped';
    try {
      if (this.checkpoint.pending.length === 0) {
        const found = await this.capture();
        if (found === 'blocked') await this.untilAPutIsAnswered();
        if (found !== 'captured') return found === 'nothing' ? 'idle' : 'busy';
      }
      await this.deliver();
      // A batch that took everything there was: wait for the next poll, so batches gather what a poll interval brings.
      return this.checkpoint.pending.length === 0 && this.drained ? 'idle' : 'busy';
    } catch (error) {
      this.changed = true; // the scan may not have happened: do it again
      this.ahead = undefined;
      // Memory may be ahead of the disk now; go back to what is on disk, as a restart would.
      try {
        this.checkpoint = this.store.load() ?? this.checkpoint;
      } catch {
        // Unreadable now: the next step fails on the same disk problem and says so.
      }
      throw error;
    }
  }

  /** The write log, once the stream reads from it (after the catch-up scan); undefined while it scans. */
  private readingLog(): DynamoDbWriteLog | undefined {
    return this.checkpoint.catchUp?.until === null ? undefined : this.options.writeLog;
  }

  /**
   * The next batch into `pending`: 'captured'; 'deferred' (a scan saw a gap, look again);
   * 'blocked' (the log's next put is still under way); or 'nothing' new.
   */
  private async capture(): Promise<'captured' | 'deferred' | 'blocked' | 'nothing'> {
    if (this.readingLog() !== undefined) return this.captureFromLog();
    const scanned = await this.captureByScan();
    if (scanned !== 'nothing' || this.options.writeLog === undefined) return scanned;
    // Caught up: every item stored before this scan began has a record. From here on, the log;
    // saved at once, so that no restart scans the table again.
    const captured = this.checkpoint.catchUp?.captured ?? {};
    this.checkpoint = { ...this.checkpoint, catchUp: { captured, until: this.options.writeLog.end } };
    this.store.save(this.checkpoint);
    this.log(`audit stream: caught up with the table by scanning it; reading new events from the DynamoDB write log from now on`);
    return this.captureFromLog();
  }

  /**
   * Takes the next batch from the write log, from the checkpoint's position: the batch read ahead
   * while the archiver had the previous one (`readAhead`), or a fresh read.
   */
  private async captureFromLog(): Promise<'captured' | 'blocked' | 'nothing'> {
    const checkpoint = this.checkpoint;
    const ahead = this.ahead;
    this.ahead = undefined;
    const readEarly = ahead !== undefined && ahead.from === checkpoint.logPosition ? await ahead.read : undefined;
    // Only a batch: "nothing there" from before this turn began is old news (flush would stop on it).
    const early = readEarly !== undefined && readEarly.items.length > 0 ? readEarly : undefined;
    const { items, position, blocked } = early ?? (await this.readLog(checkpoint.logPosition, checkpoint.catchUp));
    const catchUp = checkpoint.catchUp;
    const over = catchUp !== null && position >= (catchUp.until as number);
    this.checkpoint = { ...checkpoint, logPosition: position, catchUp: over ? null : catchUp };
    // A batch read ahead saw the log as it was before this turn began: look again before calling it drained.
    this.drained = early === undefined && !blocked && items.length < this.options.mapping.batchSize;
    if (items.length > 0) {
      this.stage(items);
      return 'captured';
    }
    return blocked ? 'blocked' : 'nothing';
  }

  /**
   * Up to a batch of items from the write log from `from` (never the whole table), without
   * touching the checkpoint: where the read stopped, and whether a put under way stopped it.
   */
  private async readLog(from: number, catchUp: StreamCheckpoint['catchUp']): Promise<{ items: Item[]; position: number; blocked: boolean }> {
    const log = this.options.writeLog as DynamoDbWriteLog;
    const { table, client, mapping } = this.options;
    // Puts the catch-up scans already took (StreamCatchUp).
    const scanned = (write: { position: number; stream: string; version: number }) =>
      catchUp !== null && write.position < (catchUp.until as number) && write.version <= (catchUp.captured[write.stream] ?? 0);
    const items: Item[] = [];
    let position = from;
    let blocked = false;
    while (items.length < mapping.batchSize) {
      const read = log.read(position, mapping.batchSize - items.length);
      const wanted = read.writes.filter((write) => write.table === table && write.outcome !== 'refused' && !scanned(write));
      // A put read twice (a retried request) is one record: items already taken are not taken again.
      const taken = new Set(items.map((item) => `${item.stream?.S}\u0000${item.version?.N}`));
      for (const item of await loggedItems(client, table, wanted)) if (!taken.has(`${item.stream?.S}\u0000${item.version?.N}`)) items.push(item);
      position = read.next;
      blocked = read.blocked;
      if (blocked || read.writes.length === 0) break;
    }
    return { items, position, blocked };
  }

  /**
   * While the archiver works on the last batch of `pending`, reads the next one from the log, so
   * a batch costs the archiver's time rather than the archiver's plus the read's: the stream keeps
   * up with a producer that shares the process. Items are only read (the table only grows, so
   * reading early changes nothing); they become records, and the log position moves, only when the
   * next turn takes them (captureFromLog), so the checkpoint never runs ahead of what it holds.
   */
  private readAhead(checkpoint: StreamCheckpoint): void {
    if (this.readingLog() === undefined || checkpoint.pending.length !== checkpoint.delivering) return;
    const from = checkpoint.logPosition;
    const read = this.readLog(from, checkpoint.catchUp).catch(() => undefined); // a failed read ahead is read again, in turn
    this.ahead = { from, read };
  }

  /** The catch-up's turn: a Scan for items above the captured versions (stream-capture.ts). */
  private async captureByScan(): Promise<'captured' | 'deferred' | 'nothing'> {
    this.changed = false;
    this.lastScan = Date.now();
    const captured = this.checkpoint.catchUp?.captured ?? {};
    const fresh = await scanNewItems(this.options.client, this.options.table, captured);
    const { items, deferred, gaps } = selectBatch(fresh, captured, this.gaps, this.options.mapping.batchSize, this.now());
    this.gaps = gaps;
    if (deferred) this.changed = true;
    // Scanning ends only with a scan that finds nothing: then the stream switches to the log.
    this.drained = false;
    if (items.length === 0) return deferred ? 'deferred' : 'nothing';
    // More may wait behind a full batch: scan again after it.
    this.changed = true;
    const next = { ...captured };
    for (const item of items) {
      const stream = item.stream?.S as string;
      next[stream] = Math.max(next[stream] ?? 0, Number(item.version?.N));
    }
    this.checkpoint = { ...this.checkpoint, catchUp: { captured: next, until: null } };
    this.stage(items);
    return 'captured';
  }

  /** Gives the items their stream records (sequence numbers in order) as the pending batch. */
  private stage(items: readonly Item[]): void {
    const now = this.now();
    const checkpoint = this.checkpoint;
    const first = BigInt(checkpoint.nextSequenceNumber);
    const identity = { streamArn: checkpoint.streamArn, shardId: checkpoint.shardId };
    const pending = items.map((item, index) =>
      insertRecord(item, { identity, region: this.options.region, sequenceNumber: first + BigInt(index), capturedAt: now }),
    );
    // Saved with the batch's first hand-over (deliver); until then a crash simply captures them again.
    this.checkpoint = {
      ...checkpoint,
      nextSequenceNumber: (first + BigInt(items.length)).toString(),
      pending,
      delivering: pending.length,
      retries: 0,
      invocations: 0,
    };
  }

  /** Waits until a put under way is answered (the log says so), or a poll interval at most. */
  private untilAPutIsAnswered(): Promise<void> {
    const log = this.options.writeLog as DynamoDbWriteLog;
    return new Promise((resolve) => {
      const done = () => {
        unsubscribe();
        clearTimeout(timer);
        resolve();
      };
      const unsubscribe = log.onSettled(done);
      const timer = setTimeout(done, this.options.pollIntervalMs ?? 250);
      timer.unref();
    });
  }

  private async deliver(): Promise<void> {
    const handedOver: StreamCheckpoint = { ...this.checkpoint, invocations: this.checkpoint.invocations + 1 };
    this.store.save(handedOver); // the write-ahead: a restart hands over this very batch again
    this.checkpoint = handedOver;
    this.options.writeLog?.forget(handedOver.logPosition);
    const batch = handedOver.pending.slice(0, handedOver.delivering);
    this.readAhead(handedOver);
    const result = await this.invoke(batch);
    const next = afterInvocation(
      { batch, pending: handedOver.pending.length, retries: handedOver.retries, invocations: handedOver.invocations },
      result,
      this.options.mapping,
    );
    if (next.deadLettered > 0) this.deadLetter(batch.slice(next.archived, next.archived + next.deadLettered), handedOver, result);
    const advanced: StreamCheckpoint = {
      ...handedOver,
      pending: handedOver.pending.slice(next.archived + next.deadLettered),
      delivering: next.delivering,
      retries: next.retries,
      invocations: next.invocations,
    };
    this.store.save(advanced);
    this.checkpoint = advanced;
    if (next.backOff) {
      const delay = this.failed();
      if ('threw' in result) {
        this.log(`audit stream: the archiver failed (${result.threw}) on ${batch.length} record(s) from sequence number ${firstSequence(batch)}; retrying in ${delay} ms`);
      }
    } else this.failuresInARow = 0;
  }

  private async invoke(batch: readonly LocalStreamRecord[]): Promise<InvocationResult> {
    try {
      return { answered: await invokeLocalLambda(this.options.archiver, { Records: batch }) };
    } catch (error) {
      return { threw: error instanceof Error ? error.name : 'Error' };
    }
  }

  private deadLetter(records: readonly LocalStreamRecord[], checkpoint: StreamCheckpoint, result: InvocationResult): void {
    const message = streamDeadLetter(records, {
      functionArn: this.options.archiver.arn,
      shardId: checkpoint.shardId,
      approximateInvokeCount: checkpoint.invocations,
      threw: 'threw' in result,
      now: this.now(),
    });
    appendDeadLetter(this.options.dataDir, message);
    const { startSequenceNumber, endSequenceNumber } = message.DDBStreamBatchInfo;
    const where = records.map((r) => `${r.dynamodb.Keys.stream.S ?? '?'} v${r.dynamodb.Keys.version.N ?? '?'}`).join(', ');
    this.log(
      `audit stream: WARNING ${records.length} record(s) could not be archived after ${checkpoint.invocations} attempt(s) ` +
        `(sequence numbers ${startSequenceNumber} to ${endSequenceNumber}: ${where}); their positions are in ${this.deadLetterFile}`,
    );
  }

  /** Counts a failure and sets the wait before the next attempt; returns it in ms. */
  private failed(): number {
    this.failuresInARow += 1;
    const base = this.options.retryDelayMs ?? 500;
    const delay = Math.min(this.options.maxRetryDelayMs ?? 10_000, base * 2 ** Math.min(this.failuresInARow - 1, 20));
    this.notBefore = Date.now() + delay;
    return delay;
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.sleepers.add(wake);
      if (this.stopping) wake();
    });
  }
}

function firstSequence(batch: readonly LocalStreamRecord[]): string {
  return batch[0]?.dynamodb.SequenceNumber ?? '?';
}

/** An error for a log line: its name and message (scan and file errors name tables and paths, never event content). */
function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
