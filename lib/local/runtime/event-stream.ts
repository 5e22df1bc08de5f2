import { join } from 'node:path';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { appendDeadLetter, DEAD_LETTER_FILE, streamDeadLetter } from './dead-letters.js';
import { watchDynamoDbWrites } from './dynamodb-writes.js';
import { invokeLocalLambda, type LocalLambda } from './lambda-invoke.js';
import { scanNewItems, selectBatch } from './stream-capture.js';
import { emptyCheckpoint, type StreamCheckpoint, type StreamCheckpointStore, streamCheckpointFile } from './stream-checkpoint.js';
import { afterInvocation, type InvocationResult, type StreamMappingSettings } from './stream-failure-policy.js';
import { FIRST_SEQUENCE_NUMBER, insertRecord, localStreamIdentity, type LocalStreamRecord } from './stream-records.js';

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
   * Port of the DynamoDB server in this process: the stream then scans only after a write to it
   * (dynamodb-writes.ts), besides every `rescanIntervalMs`. @default none: it scans at every poll
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
 * Change capture: a Scan of the table takes every item above its event stream's checkpointed
 * version (stream-capture.ts). Nothing is lost or archived twice across stops and crashes
 * (stream-checkpoint.ts): each batch is saved before it is handed over and the checkpoint moves
 * only after the handler answered; a restart first hands over the saved batch again, byte for
 * byte, so the archiver writes the same key and content again. An event appended while the
 * runtime was down is found by the next scan.
 *
 * Limits, said plainly: it sees items put into the table (INSERT), not later changes or deletions
 * of an item (`wardflow audit verify` compares the archive with the store and finds those), nor
 * an item written below a stream's checkpointed version by hand.
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
  /** A write may have happened since the last scan began. */
  private changed = true;
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
   * Resolves once every event appended before the call is archived or dead-lettered (it scans
   * the table itself, without waiting for a poll). Rejects when the stream is stopped or a scan
   * or checkpoint write fails.
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
      const due = this.changed || this.checkpoint.pending.length > 0 || Date.now() - this.lastScan >= rescanEvery;
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

  /** One turn: the pending batch, or a scan for new items and their first batch. */
  private async step(): Promise<Step> {
    const wait = this.notBefore - Date.now();
    if (wait > 0) await this.sleep(wait);
    if (this.stopping) return 'stopped';
    try {
      if (this.checkpoint.pending.length === 0) {
        const found = await this.capture();
        if (found !== 'captured') return found === 'deferred' ? 'busy' : 'idle';
      }
      await this.deliver();
      return 'busy';
    } catch (error) {
      this.changed = true; // the scan may not have happened: do it again
      // Memory may be ahead of the disk now; go back to what is on disk, as a restart would.
      try {
        this.checkpoint = this.store.load() ?? this.checkpoint;
      } catch {
        // Unreadable now: the next step fails on the same disk problem and says so.
      }
      throw error;
    }
  }

  private async capture(): Promise<'captured' | 'deferred' | 'nothing'> {
    this.changed = false;
    this.lastScan = Date.now();
    const now = this.now();
    const checkpoint = this.checkpoint;
    const fresh = await scanNewItems(this.options.client, this.options.table, checkpoint.captured);
    const { items, deferred, gaps } = selectBatch(fresh, checkpoint.captured, this.gaps, this.options.mapping.batchSize, now);
    this.gaps = gaps;
    if (deferred) this.changed = true;
    if (items.length === 0) return deferred ? 'deferred' : 'nothing';
    // More may wait behind a full batch: scan again after it.
    this.changed = true;

    const first = BigInt(checkpoint.nextSequenceNumber);
    const identity = { streamArn: checkpoint.streamArn, shardId: checkpoint.shardId };
    const captured = { ...checkpoint.captured };
    const pending = items.map((item, index) => {
      const record = insertRecord(item, { identity, region: this.options.region, sequenceNumber: first + BigInt(index), capturedAt: now });
      const stream = item.stream?.S as string;
      captured[stream] = Math.max(captured[stream] ?? 0, Number(item.version?.N));
      return record;
    });
    // Saved with the batch's first hand-over (deliver); until then a crash simply captures them again.
    this.checkpoint = {
      ...checkpoint,
      nextSequenceNumber: (first + BigInt(items.length)).toString(),
      captured,
      pending,
      delivering: pending.length,
      retries: 0,
      invocations: 0,
    };
    return 'captured';
  }

  private async deliver(): Promise<void> {
    const handedOver: StreamCheckpoint = { ...this.checkpoint, invocations: this.checkpoint.invocations + 1 };
    this.store.save(handedOver); // the write-ahead: a restart hands over this very batch again
    this.checkpoint = handedOver;
    const batch = handedOver.pending.slice(0, handedOver.delivering);
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
