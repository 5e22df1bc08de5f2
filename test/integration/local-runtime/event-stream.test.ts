import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as archiverHandler, useS3Client } from '../../../functions/audit-archiver/handler.js';
import { type ArchivedRecord, parseArchiveBatch } from '../../../functions/shared/audit/archive-format.js';
import { toItem } from '../../../functions/shared/events/dynamodb-item.js';
import { DynamoDbEventStore } from '../../../functions/shared/events/dynamodb-store.js';
import type { StoredEvent } from '../../../functions/shared/events/event.js';
import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';
import { listArchiveKeys, readArchiveObject } from '../../../lib/audit/archive-reader.js';
import { type StreamDeadLetter } from '../../../lib/local/runtime/audit-stream/dead-letters.js';
import { countDynamoDbRequests } from '../../../lib/local/runtime/services/dynamodb-request-counter.js';
import type { DynamoDbWriteLog } from '../../../lib/local/runtime/audit-stream/dynamodb-write-log.js';
import { LocalEventStream, type LocalEventStreamOptions } from '../../../lib/local/runtime/audit-stream/event-stream.js';
import { freeBasePort } from '../../../lib/local/runtime/services/free-ports.js';
import type { LambdaHandler, LocalLambda } from '../../../lib/local/runtime/lambda/lambda-invoke.js';
import { LOCAL_CREDENTIALS, type RunningService, startDynamoDb, startS3 } from '../../../lib/local/runtime/services/local-services.js';
import { STREAM_CHECKPOINT_FILE, streamCheckpointFile } from '../../../lib/local/runtime/audit-stream/stream-checkpoint.js';
import type { StreamMappingSettings } from '../../../lib/local/runtime/audit-stream/stream-failure-policy.js';
import { createEventsTable, TEST_CREDENTIALS, TEST_REGION } from '../../support/dynalite.js';
import { PLANTED_SECRET, stepSucceeded, testSealer, tickingClock, validStream } from '../../unit/events/event-fixtures.js';

/**
 * The local events-table stream against dynalite and s3rver, with the real archiver handler:
 * what reaches the archive, and what survives a crash, a stop and a poison record.
 */
const BUCKET = 'wardflow-test-audit';
const ARCHIVER_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:wardflow-local-audit-archiver';
const MAPPING: StreamMappingSettings = { batchSize: 4, maximumRetryAttempts: 2, bisectBatchOnFunctionError: true, reportBatchItemFailures: true };

/** dynalite as the runtime starts it: with its write log, which the stream reads. */
interface RuntimeDynamo {
  client: DynamoDBClient;
  port: number;
  writeLog: DynamoDbWriteLog;
  createEventsTable(): Promise<string>;
  /** Stops the server and starts it again on the same files, as a new runtime process would (the log remembers nothing in memory). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function startRuntimeDynamo(): Promise<RuntimeDynamo> {
  const folder = mkdtempSync(join(tmpdir(), 'wardflow-stream-dynamodb-'));
  folders.push(folder);
  const port = (await freeBasePort()) + 2;
  const start = () => startDynamoDb({ host: '127.0.0.1', port, path: join(folder, 'dynamodb') });
  let service = await start();
  const client = new DynamoDBClient({ endpoint: service.url, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  let tables = 0;
  const dynamo: RuntimeDynamo = {
    client,
    port,
    writeLog: service.writeLog,
    async createEventsTable() {
      const name = `events-${++tables}`;
      await createEventsTable(client, name);
      return name;
    },
    async restart() {
      await service.stop();
      service = await start();
      dynamo.writeLog = service.writeLog;
    },
    async stop() {
      client.destroy();
      await service.stop();
    },
  };
  return dynamo;
}

let dynamo: RuntimeDynamo;
let s3: RunningService;
let s3Client: S3Client;
const folders: string[] = [];

beforeAll(async () => {
  dynamo = await startRuntimeDynamo();
  const s3Folder = mkdtempSync(join(tmpdir(), 'wardflow-stream-s3-'));
  folders.push(s3Folder);
  s3 = await startS3({ host: '127.0.0.1', port: (await freeBasePort()) + 3, directory: s3Folder, buckets: [BUCKET] });
  s3Client = new S3Client({ endpoint: s3.url, region: TEST_REGION, credentials: LOCAL_CREDENTIALS, forcePathStyle: true });
  useS3Client(s3Client);
  vi.stubEnv('AUDIT_BUCKET', BUCKET);
  // The archiver's log lines (stdout, and stderr for errors) are checked where they matter; elsewhere they are noise.
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterAll(async () => {
  useS3Client(undefined);
  s3Client.destroy();
  await s3.stop();
  await dynamo.stop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

/** Each test: its own table, data folder and bucket prefix content (the bucket is emptied by using fresh keys per table). */
interface Setup {
  table: string;
  dataDir: string;
  invocations: DynamoDBStreamEvent[];
  log: string[];
  archiver: LocalLambda;
  open(overrides?: Partial<LocalEventStreamOptions>): Promise<LocalEventStream>;
}

const opened: LocalEventStream[] = [];
afterEach(async () => {
  for (const stream of opened.splice(0)) await stream.stop();
  await emptyBucket();
});

/**
 * A table, a data folder and an archiver. `primed` (the default): a stream has opened on the empty
 * table before anything is appended, as in the runtime (the table is created just before the
 * stream opens), so its catch-up scan is over and it reads the write log.
 */
async function setup(run: LambdaHandler = archiverHandler as unknown as LambdaHandler, { primed = true } = {}): Promise<Setup> {
  const table = await dynamo.createEventsTable();
  const dataDir = mkdtempSync(join(tmpdir(), 'wardflow-stream-'));
  folders.push(dataDir);
  const invocations: DynamoDBStreamEvent[] = [];
  const log: string[] = [];
  const archiver: LocalLambda = {
    handler: 'audit-archiver',
    arn: ARCHIVER_ARN,
    timeoutSeconds: 30,
    run: async (event: unknown, context: Context) => {
      invocations.push(event as DynamoDBStreamEvent);
      return run(event, context);
    },
  };
  const open = async (overrides: Partial<LocalEventStreamOptions> = {}) => {
    const stream = await LocalEventStream.open({
      dataDir,
      client: dynamo.client,
      table,
      region: TEST_REGION,
      archiver,
      mapping: MAPPING,
      writeLog: dynamo.writeLog,
      log: (line) => log.push(line),
      retryDelayMs: 1,
      ...overrides,
    });
    opened.push(stream);
    return stream;
  };
  if (primed) {
    const first = await open();
    await first.flush();
    await first.stop();
    expect(streamCheckpointFile(dataDir).load()?.catchUp).toMatchObject({ until: expect.any(Number) });
    expect(invocations).toEqual([]);
  }
  return { table, dataDir, invocations, log, archiver, open };
}

/** Appends through the real event store: `count` events to each stream, round robin. */
async function appendEvents(table: string, streams: string[], count: number): Promise<void> {
  const store = new DynamoDbEventStore({ client: dynamo.client, tableName: table, sealer: testSealer(), now: tickingClock(Date.now()) });
  for (let round = 0; round < count; round += 1) {
    for (const stream of streams) {
      const event = stepSucceeded(`step-${round + 1}`);
      event.sensitive = { note: PLANTED_SECRET };
      await store.append(stream, round, [event]);
    }
  }
}

/** `count` events of one stream, built by the real store code, timed from `start` one second apart. */
async function eventsFrom(stream: string, count: number, start: number): Promise<StoredEvent[]> {
  const store = new InMemoryEventStore({ sealer: testSealer(), now: tickingClock(start) });
  for (let v = 0; v < count; v += 1) await store.append(stream, v, [stepSucceeded(`step-${v + 1}`)]);
  return store.read(stream);
}

/** Every archived record, object by object, in key order. */
async function archive(): Promise<Array<{ key: string; records: ArchivedRecord[] }>> {
  const { keys } = await listArchiveKeys(s3Client, BUCKET);
  const objects = [];
  for (const key of keys) objects.push({ key, records: parseArchiveBatch((await readArchiveObject(s3Client, BUCKET, key)).text, key).records });
  return objects;
}

async function emptyBucket(): Promise<void> {
  const { DeleteObjectCommand } = await import('@aws-sdk/client-s3');
  const { keys, foreign } = await listArchiveKeys(s3Client, BUCKET);
  for (const key of [...keys, ...foreign]) await s3Client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
}

/** `stream vN` of each archived record, in archive (sequence number) order, counting repeats. */
function archivedPositions(objects: Array<{ records: ArchivedRecord[] }>): string[] {
  return objects
    .flatMap((o) => o.records)
    .sort((a, b) => (BigInt(a.sequenceNumber) < BigInt(b.sequenceNumber) ? -1 : 1))
    .map((r) => `${r.stream} v${r.version}`);
}

function expectedPositions(streams: string[], count: number): string[] {
  return streams.flatMap((stream) => Array.from({ length: count }, (_, i) => `${stream} v${i + 1}`)).sort();
}

/** Asserts each stream's versions appear in increasing order in `positions`. */
function expectInOrderPerStream(positions: string[]): void {
  const last = new Map<string, number>();
  for (const position of positions) {
    const [stream = '', v = ''] = position.split(' v');
    const version = Number(v);
    expect(version, position).toBeGreaterThan(last.get(stream) ?? 0);
    last.set(stream, version);
  }
}

describe('the local events-table stream', () => {
  it('hands the archiver the records Lambda would, and archives every appended event once, in order per stream', async () => {
    const { table, invocations, open } = await setup();
    const streams = ['execution#alpha', 'execution#beta', 'approval#gamma'];
    await appendEvents(table, streams, 3);
    const stream = await open();
    await stream.flush();

    const records = invocations.flatMap((event) => event.Records);
    expect(invocations.every((event) => event.Records.length <= MAPPING.batchSize)).toBe(true);
    for (const record of records) {
      const key = record.dynamodb?.Keys as { stream: { S: string }; version: { N: string } };
      const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: table, Key: key }));
      expect(record).toEqual({
        eventID: expect.stringMatching(/^[0-9a-f]{32}$/),
        eventName: 'INSERT',
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: TEST_REGION,
        eventSourceARN: expect.stringMatching(new RegExp(`^arn:aws:dynamodb:us-east-1:000000000000:table/${table}/stream/\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}$`)),
        dynamodb: {
          ApproximateCreationDateTime: Math.floor(Date.parse(Item?.time?.S ?? '') / 1000),
          Keys: key,
          NewImage: Item,
          SequenceNumber: expect.stringMatching(/^\d{21,}$/),
          SizeBytes: expect.any(Number),
          StreamViewType: 'NEW_IMAGE',
        },
      });
    }
    const sequenceNumbers = records.map((r) => BigInt(r.dynamodb?.SequenceNumber ?? '0'));
    expect(sequenceNumbers).toEqual([...sequenceNumbers].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(sequenceNumbers).size).toBe(sequenceNumbers.length);

    const objects = await archive();
    expect(objects).toHaveLength(invocations.length);
    const positions = archivedPositions(objects);
    expect([...positions].sort()).toEqual(expectedPositions(streams, 3));
    expectInOrderPerStream(positions);
  });

  it('loses and repeats nothing when it crashes between the archive write and the checkpoint', async () => {
    const { table, dataDir, invocations, archiver, open } = await setup();
    const streams = ['execution#crash-1', 'execution#crash-2'];
    const mapping = { ...MAPPING, batchSize: 10 };
    await appendEvents(table, streams, 3);

    // The first checkpoint write after the archiver has answered fails, as a crash there would.
    let answered = false;
    const file = streamCheckpointFile(dataDir);
    const crashing = {
      load: file.load,
      save: (checkpoint: Parameters<typeof file.save>[0]) => {
        if (answered) throw new Error('simulated crash after the archive write');
        file.save(checkpoint);
      },
    };
    const answering: LocalLambda = {
      ...archiver,
      run: async (event, context) => {
        const response = await archiver.run(event, context);
        answered = true;
        return response;
      },
    };
    const first = await open({ archiver: answering, checkpoints: crashing, mapping });
    await expect(first.flush()).rejects.toThrow('simulated crash');
    await first.stop();
    const written = await archive();
    expect(written).toHaveLength(1);
    const handedOver = JSON.stringify(invocations.at(-1));

    // Appended while it was down: a batch built afresh would now hold these too, under another key.
    const store = new DynamoDbEventStore({ client: dynamo.client, tableName: table, sealer: testSealer() });
    for (const stream of streams) await store.append(stream, 3, [stepSucceeded('after-crash')]);

    const second = await open({ mapping }); // a new runtime on the same data folder
    await second.flush();
    expect(JSON.stringify(invocations[1])).toBe(handedOver); // the same batch again, byte for byte, first
    const objects = await archive();
    expect(objects).toHaveLength(2);
    expect(objects.map((o) => o.key)).toContain(written[0]?.key);
    const positions = archivedPositions(objects);
    expect(positions).toHaveLength(streams.length * 4);
    expect([...positions].sort()).toEqual(expectedPositions(streams, 4));
    expectInOrderPerStream(positions);
  });

  it('archives after a restart the events appended while it was stopped', async () => {
    const { table, open } = await setup();
    const streams = ['execution#stopped-1', 'approval#stopped-2'];
    await appendEvents(table, streams, 2);
    const first = await open({ pollIntervalMs: 10 });
    first.start();
    await first.flush();
    await first.stop();

    const store = new DynamoDbEventStore({ client: dynamo.client, tableName: table, sealer: testSealer() });
    for (const stream of streams) await store.append(stream, 2, [stepSucceeded('after-stop')]);

    const second = await open();
    second.start();
    await second.flush();
    const positions = archivedPositions(await archive());
    expect([...positions].sort()).toEqual(expectedPositions(streams, 3));
    expectInOrderPerStream(positions);
  });

  it('lets a delivery under way finish, and checkpoints it, before stop() resolves', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const invoked = new Promise<void>((resolve) => (started = resolve));
    const { table, dataDir, open } = await setup(async (event, context) => {
      started();
      await gate;
      return archiverHandler(event as DynamoDBStreamEvent, context);
    });
    await appendEvents(table, ['execution#in-flight'], 2);
    const stream = await open({ pollIntervalMs: 10 });
    stream.start();
    await invoked;
    let stopped = false;
    const stopping = stream.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(archivedPositions(await archive())).toEqual(['execution#in-flight v1', 'execution#in-flight v2']);
    // Everything the write log held is behind the checkpoint, and the catch-up is over.
    expect(streamCheckpointFile(dataDir).load()).toMatchObject({ pending: [], catchUp: null, logPosition: dynamo.writeLog.end });
  });

  it('retries a batch whose archive write threw, and archives it once', async () => {
    let failures = 2;
    const { table, invocations, log, open } = await setup(async (event, context) => {
      if (failures-- > 0) throw Object.assign(new Error('s3rver is down'), { name: 'S3ServiceException' });
      return archiverHandler(event as DynamoDBStreamEvent, context);
    });
    await appendEvents(table, ['execution#flaky'], 2);
    const stream = await open({ mapping: { ...MAPPING, bisectBatchOnFunctionError: false } });
    await stream.flush();
    expect(invocations).toHaveLength(3);
    expect(invocations[2]).toEqual(invocations[0]);
    expect(archivedPositions(await archive())).toEqual(['execution#flaky v1', 'execution#flaky v2']);
    expect(log.filter((line) => line.includes('archiver failed (S3ServiceException)'))).toHaveLength(2);
    expect(existsSync(stream.deadLetterFile)).toBe(false);
  });

  it('sends a poison record to the dead-letter file, positions only, and archives the records behind it', async () => {
    const { table, invocations, log, open } = await setup();
    const written: string[] = [];
    for (const output of [process.stdout, process.stderr]) {
      vi.mocked(output.write).mockImplementation((chunk) => {
        written.push(String(chunk));
        return true;
      });
    }
    const put = (event: StoredEvent, change?: (item: ReturnType<typeof toItem>) => void) => {
      const item = toItem(event);
      change?.(item);
      return dynamo.client.send(new PutItemCommand({ TableName: table, Item: item }));
    };
    const poisoned = await validStream(5, 'execution#poisoned');
    const before = await validStream(3, 'execution#before'); // same times as the poisoned stream's first three
    const after = await eventsFrom('execution#after', 3, Date.UTC(2025, 0, 1) + 60_000); // later than all of them
    for (const event of poisoned.slice(0, 2)) await put(event);
    // Not an event: no hash, and content that must never be copied anywhere.
    await put(poisoned[2]!, (item) => {
      delete item.hash;
      item.data = { S: JSON.stringify({ note: PLANTED_SECRET }) };
    });
    for (const event of [...poisoned.slice(3), ...before, ...after]) await put(event);

    const stream = await open({ mapping: { ...MAPPING, batchSize: 100 } });
    await stream.flush();

    const poisonRecord = invocations.flatMap((e) => e.Records).find((r) => r.dynamodb?.Keys?.stream?.S === 'execution#poisoned' && r.dynamodb.Keys.version?.N === '3');
    const poisonSequence = poisonRecord?.dynamodb?.SequenceNumber;
    expect(poisonSequence).toMatch(/^\d{21,}$/);

    const deadLetterText = readFileSync(stream.deadLetterFile, 'utf8');
    const deadLetters = deadLetterText.trim().split('\n').map((line) => JSON.parse(line) as StreamDeadLetter);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toEqual({
      requestContext: { requestId: expect.any(String), functionArn: ARCHIVER_ARN, condition: 'RetryAttemptsExhausted', approximateInvokeCount: expect.any(Number) },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      version: '1.0',
      timestamp: expect.any(String),
      DDBStreamBatchInfo: {
        shardId: expect.stringMatching(/^shardId-\d{20}-[0-9a-f]{8}$/),
        startSequenceNumber: poisonSequence,
        endSequenceNumber: poisonSequence,
        approximateArrivalOfFirstRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        approximateArrivalOfLastRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        batchSize: 1,
        streamArn: stream.streamArn,
      },
    });
    // One first try and MaximumRetryAttempts retries of the record alone, after the bisections that isolated it.
    expect(deadLetters[0]?.requestContext.approximateInvokeCount).toBeGreaterThanOrEqual(1 + MAPPING.maximumRetryAttempts);

    const objects = await archive();
    const positions = archivedPositions(objects);
    expect([...positions].sort()).toEqual(
      ['execution#poisoned v1', 'execution#poisoned v2', 'execution#poisoned v4', 'execution#poisoned v5', ...expectedPositions(['execution#before', 'execution#after'], 3)].sort(),
    );
    expectInOrderPerStream(positions);
    // The records behind the poison, in its stream and in another, came after it and still reached the archive.
    const behind = objects.flatMap((o) => o.records).filter((r) => r.stream === 'execution#after' || (r.stream === 'execution#poisoned' && r.version > 3));
    expect(behind).toHaveLength(5);
    for (const record of behind) expect(BigInt(record.sequenceNumber)).toBeGreaterThan(BigInt(poisonSequence!));

    const warnings = log.filter((line) => line.includes('WARNING'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(poisonSequence);
    expect(warnings[0]).toContain('execution#poisoned v3');
    expect(written.join('')).toContain(poisonSequence); // the archiver's own lines were seen, and name the position
    for (const text of [deadLetterText, log.join('\n'), written.join('')]) {
      expect(text).not.toContain(PLANTED_SECRET);
      expect(text).not.toContain(poisoned[2]!.actor);
    }
  });
});

describe('the write log as the stream\'s source', () => {
  /** The requests `work` makes to dynalite, by operation. */
  async function requestsOf(work: () => Promise<unknown>): Promise<Record<string, number>> {
    const counter = countDynamoDbRequests(dynamo.port);
    try {
      await work();
      return counter.counts().byOperation;
    } finally {
      counter.stop();
    }
  }

  it('reads only what was appended since its last turn: no scan of the table, one BatchGetItem per batch', async () => {
    const { table, open } = await setup();
    const stream = await open({ mapping: { ...MAPPING, batchSize: 100 } });
    await appendEvents(table, ['execution#history-1', 'execution#history-2', 'execution#history-3'], 40); // 120 events of history
    await stream.flush();
    const streams = ['execution#later-1', 'execution#later-2', 'execution#later-3'];
    await appendEvents(table, streams, 50); // 150 new events
    const requests = await requestsOf(() => stream.flush());
    expect(requests).toEqual({ BatchGetItem: 2 }); // 100 + 50 records; the 270 items of the table are never all read
    const positions = archivedPositions(await archive());
    expect([...positions].sort()).toEqual([...expectedPositions(['execution#history-1', 'execution#history-2', 'execution#history-3'], 40), ...expectedPositions(streams, 50)].sort());
    expectInOrderPerStream(positions);
  });

  it('archives once, in order, what is appended while the archiver works (the next batch is read meanwhile)', async () => {
    const streams = ['execution#busy-1', 'execution#busy-2'];
    let table = '';
    let appended = 0;
    const { open, invocations, ...rest } = await setup(async (event, context) => {
      // Appends while a batch is with the archiver: the stream is reading the next batch from the log meanwhile.
      if (appended < 3) {
        appended += 1;
        const store = new DynamoDbEventStore({ client: dynamo.client, tableName: table, sealer: testSealer() });
        for (const name of streams) await store.append(name, 3 + appended - 1, [stepSucceeded(`during-${appended}`)]);
      }
      return archiverHandler(event as DynamoDBStreamEvent, context);
    });
    table = rest.table;
    await appendEvents(table, streams, 3);
    const stream = await open({ mapping: { ...MAPPING, batchSize: 3 } });
    await stream.flush();
    expect(appended).toBe(3);
    expect(invocations.length).toBeGreaterThan(3);
    const positions = archivedPositions(await archive());
    expect(positions).toHaveLength(12);
    expect([...positions].sort()).toEqual(expectedPositions(streams, 6));
    expectInOrderPerStream(positions);
  });

  it('flush() archives what was appended after the next batch was read ahead and found nothing', async () => {
    let table = '';
    let appendedDuringDelivery = false;
    const { open, ...rest } = await setup(async (event, context) => {
      if (!appendedDuringDelivery) {
        appendedDuringDelivery = true;
        await new Promise((resolve) => setImmediate(resolve)); // the read ahead of an empty log is over by now
        const store = new DynamoDbEventStore({ client: dynamo.client, tableName: table, sealer: testSealer() });
        await store.append('execution#late', 1, [stepSucceeded('appended while the archiver worked')]);
      }
      return archiverHandler(event as DynamoDBStreamEvent, context);
    });
    table = rest.table;
    await appendEvents(table, ['execution#late'], 1);
    const stream = await open();
    await stream.flush();
    expect(appendedDuringDelivery).toBe(true);
    await stream.flush();
    expect(archivedPositions(await archive())).toEqual(['execution#late v1', 'execution#late v2']);
  });

  it('archives, by one catch-up scan, what the table held before the stream first opened, then reads the log: each event once', async () => {
    const { table, dataDir, log, open } = await setup(undefined, { primed: false });
    const before = ['execution#before-open-1', 'approval#before-open-2'];
    await appendEvents(table, before, 3);
    const stream = await open();
    await stream.flush();
    expect(log.some((line) => line.includes('caught up with the table by scanning it'))).toBe(true);
    expect(streamCheckpointFile(dataDir).load()?.catchUp).toMatchObject({ until: expect.any(Number) });

    const store = new DynamoDbEventStore({ client: dynamo.client, tableName: table, sealer: testSealer() });
    for (const name of before) await store.append(name, 3, [stepSucceeded('after-open')]);
    expect(await requestsOf(() => stream.flush())).not.toHaveProperty('Scan');
    const positions = archivedPositions(await archive());
    expect(positions).toHaveLength(8);
    expect([...positions].sort()).toEqual(expectedPositions(before, 4));
    expectInOrderPerStream(positions);
    expect(streamCheckpointFile(dataDir).load()).toMatchObject({ pending: [], catchUp: null });
  });

  it('takes over a data folder of the scanning stream (checkpoint v1): what it archived stays archived once, the rest follows', async () => {
    const { table, dataDir, open } = await setup(undefined, { primed: false });
    await appendEvents(table, ['execution#upgraded'], 3);
    await appendEvents(table, ['execution#new-stream'], 1);
    // The earlier version had archived versions 1 and 2 of the first stream.
    const opened = await open();
    const identity = { streamArn: opened.streamArn };
    await opened.stop();
    const current = streamCheckpointFile(dataDir).load()!;
    writeFileSync(
      join(dataDir, STREAM_CHECKPOINT_FILE),
      JSON.stringify({
        format: 'wardflow.local-stream-checkpoint.v1',
        streamArn: identity.streamArn,
        shardId: current.shardId,
        nextSequenceNumber: '100000000000000000101',
        captured: { 'execution#upgraded': 2 },
        pending: [],
        delivering: 0,
        retries: 0,
        invocations: 0,
      }),
    );
    const stream = await open();
    await stream.flush();
    await appendEvents(table, ['execution#after-upgrade'], 1);
    await stream.flush();
    const records = (await archive()).flatMap((o) => o.records);
    expect(records.map((r) => `${r.stream} v${r.version}`).sort()).toEqual(['execution#after-upgrade v1', 'execution#new-stream v1', 'execution#upgraded v3']);
    expect(records.every((r) => BigInt(r.sequenceNumber) >= 100_000_000_000_000_000_101n)).toBe(true);
    expect(streamCheckpointFile(dataDir).load()).toMatchObject({ format: 'wardflow.local-stream-checkpoint.v2', pending: [], catchUp: null });
  });

  it('after a restart of DynamoDB (a new process knows no outcomes), archives each stored put once and no refused one', async () => {
    const { table, open } = await setup();
    const sealer = testSealer();
    const [mine, theirs] = [0, 1].map(() => new DynamoDbEventStore({ client: dynamo.client, tableName: table, sealer }));
    const name = 'execution#raced';
    const [won] = await mine!.append(name, 0, [stepSucceeded('mine')]);
    await expect(theirs!.append(name, 0, [stepSucceeded('theirs')])).rejects.toThrow(); // refused: its line is in the log, its item is not
    await theirs!.append(name, 1, [stepSucceeded('theirs-next')]);
    await dynamo.restart();

    const stream = await open();
    await stream.flush();
    const records = (await archive()).flatMap((o) => o.records);
    expect(records.map((r) => `${r.stream} v${r.version}`)).toEqual([`${name} v1`, `${name} v2`]);
    expect(records[0]?.event).toEqual(won);
  });
});
