/**
 * The local audit stream under a producer at full speed: how far the archive lags behind the
 * event store after 1,000 and after 10,000 executions-worth of events, and how long it takes to
 * drain once the producer stops. The stream is the runtime's (`LocalEventStream` on dynalite with
 * its write log, the real archiver handler writing to s3rver, the template's batch size); the
 * producer writes events straight through the event store, the way an execution's steps do
 * (`invoiceSequence`), 40 executions at a time, without the engine, so the run stays short.
 *
 * What "lag" is here: at the moment the producer has appended N executions, how many events are
 * not archived yet, and how long from then until the archive holds as many events as were appended
 * at that moment (the producer keeps going meanwhile). Flat across N is what an incremental
 * stream must show; a stream that scans the table falls further behind as the table grows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { handler as archiverHandler, useS3Client } from '../../functions/audit-archiver/handler.js';
import { EncryptionSdkSealer } from '../../functions/shared/crypto/envelope-sealer.js';
import { DynamoDbEventStore } from '../../functions/shared/events/dynamodb-store.js';
import { ensureEventsTable } from '../../lib/local/events-table.js';
import { LocalEventStream } from '../../lib/local/runtime/audit-stream/event-stream.js';
import { freeBasePort } from '../../lib/local/runtime/services/free-ports.js';
import type { LocalLambda } from '../../lib/local/runtime/lambda/lambda-invoke.js';
import { LOCAL_CREDENTIALS, startDynamoDb, startS3 } from '../../lib/local/runtime/services/local-services.js';
import { CONCURRENCY, EVENTS_PER_EXECUTION, invoiceSequence } from './event-store-requests.js';

/** The archiver's event source mapping in the template (docs/audit.md): batches of 100, 10 retries, bisect. */
const MAPPING = { batchSize: 100, maximumRetryAttempts: 10, bisectBatchOnFunctionError: true, reportBatchItemFailures: true };
const BUCKET = 'wardflow-bench-audit';

export interface LagAtMark {
  executions: number;
  /** Events appended when the producer reached the mark. */
  appended: number;
  /** Of those, not archived yet at that moment. */
  behind: number;
  /** From the mark until the archive held as many events as were appended at the mark (the producer still running). */
  catchUpMs: number;
}

export interface ArchiveLagReport {
  marks: LagAtMark[];
  /** Producer's wall time and rate over the whole run. */
  produceMs: number;
  producedPerSecond: number;
  /** From the producer's last append until `flush()` resolved with everything archived. */
  drainMs: number;
  /** Events archived per second from the first append to the end of the drain. */
  archivedPerSecond: number;
  archiveObjects: number;
  /** 'log' (the write log) or 'scan' (no write log: the stream scans the table, as before it had one). */
  source: 'log' | 'scan';
}

/**
 * Runs the producer to the largest mark with the stream archiving as it goes; reports the lag at
 * each mark and the drain. `source: 'scan'` runs the stream without the write log, for comparison.
 *
 * @example
 * const report = await measureArchiveLag({ marks: [1_000, 10_000] });
 */
export async function measureArchiveLag(options: { marks: number[]; source?: 'log' | 'scan'; progress?: (line: string) => void }): Promise<ArchiveLagReport> {
  const marks = [...options.marks].sort((a, b) => a - b);
  const source = options.source ?? 'log';
  const progress = options.progress ?? (() => undefined);
  const folder = mkdtempSync(join(tmpdir(), 'wardflow-bench-lag-'));
  const basePort = await freeBasePort();
  const dynamodb = await startDynamoDb({ host: '127.0.0.1', port: basePort + 2, path: join(folder, 'dynamodb') });
  const s3 = await startS3({ host: '127.0.0.1', port: basePort + 3, directory: join(folder, 's3'), buckets: [BUCKET] });
  const client = new DynamoDBClient({ endpoint: dynamodb.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  const s3Client = new S3Client({ endpoint: s3.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  const saved = { bucket: process.env.AUDIT_BUCKET, level: process.env.LOG_LEVEL };
  process.env.AUDIT_BUCKET = BUCKET;
  process.env.LOG_LEVEL = 'SILENT'; // the archiver's log lines would fill the bench's output
  useS3Client(s3Client);
  let archived = 0;
  let objects = 0;
  const archiver: LocalLambda = {
    handler: 'audit-archiver',
    arn: 'arn:aws:lambda:us-east-1:000000000000:function:wardflow-bench-audit-archiver',
    timeoutSeconds: 60,
    run: async (event: unknown, context: Context) => {
      const answer = await archiverHandler(event as DynamoDBStreamEvent, context);
      archived += (event as DynamoDBStreamEvent).Records.length;
      objects += 1;
      return answer;
    },
  };
  const table = 'wardflow-bench-events';
  let stream: LocalEventStream | undefined;
  try {
    await ensureEventsTable(client, table);
    stream = await LocalEventStream.open({
      dataDir: folder,
      client,
      table,
      region: 'us-east-1',
      archiver,
      mapping: MAPPING,
      ...(source === 'log' ? { writeLog: dynamodb.writeLog } : {}),
      dynamoDbPort: basePort + 2,
    });
    stream.start();
    const sealer = EncryptionSdkSealer.rawAes({ keyName: 'bench', keyNamespace: 'wardflow-bench', key: new Uint8Array(32).fill(9) });
    const store = new DynamoDbEventStore({ client, tableName: table, sealer, transactions: false });

    const results: LagAtMark[] = [];
    const waiting: Array<Promise<void>> = [];
    let done = 0;
    let next = 0;
    const total = marks.at(-1) ?? 0;
    const started = performance.now();
    const reached = (executions: number) => {
      const appended = executions * EVENTS_PER_EXECUTION;
      const at = performance.now();
      const mark: LagAtMark = { executions, appended, behind: Math.max(0, appended - archived), catchUpMs: 0 };
      results.push(mark);
      progress(`  ${executions.toLocaleString('en')} executions appended: ${mark.behind.toLocaleString('en')} events not archived yet`);
      waiting.push(
        (async () => {
          while (archived < appended) await new Promise((resolve) => setTimeout(resolve, 20));
          mark.catchUpMs = performance.now() - at;
        })(),
      );
    };
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < total) {
          const index = next++;
          await invoiceSequence(() => store, `lag-${index}`);
          done += 1;
          if (marks.includes(done)) reached(done);
        }
      }),
    );
    const produceMs = performance.now() - started;
    const lastAppend = performance.now();
    await stream.flush();
    const drainMs = performance.now() - lastAppend;
    await Promise.all(waiting);
    const produced = total * EVENTS_PER_EXECUTION;
    return {
      marks: results,
      produceMs,
      producedPerSecond: produced / (produceMs / 1000),
      drainMs,
      archivedPerSecond: archived / ((produceMs + drainMs) / 1000),
      archiveObjects: objects,
      source,
    };
  } finally {
    await stream?.stop();
    useS3Client(undefined);
    for (const [name, value] of [['AUDIT_BUCKET', saved.bucket], ['LOG_LEVEL', saved.level]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    client.destroy();
    s3Client.destroy();
    await s3.stop();
    await dynamodb.stop();
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * The report as lines for the bench's output.
 *
 * @example
 * process.stdout.write(archiveLagLines(report).join('\n'));
 */
export function archiveLagLines(report: ArchiveLagReport): string[] {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const n = (value: number) => Math.round(value).toLocaleString('en');
  return [
    `local audit stream (${report.source === 'log' ? 'reading the DynamoDB write log' : 'scanning the table'}), producer at full speed, ${CONCURRENCY} executions at a time:`,
    ...report.marks.map(
      (m) => `  after ${n(m.executions)} executions (${n(m.appended)} events): ${n(m.behind)} events not archived yet; archive caught up with that point ${s(m.catchUpMs)} later`,
    ),
    `  produced ${n(report.producedPerSecond)} events/s; archived ${n(report.archivedPerSecond)} events/s overall in ${n(report.archiveObjects)} objects; drained ${s(report.drainMs)} after the last append`,
  ];
}
