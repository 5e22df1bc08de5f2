import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, PutObjectLockConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { archiveStreamBatch } from '../../../functions/shared/audit/archive-stream-batch.js';
import { s3ArchiveWriter } from '../../../functions/shared/audit/s3-archive-writer.js';
import { EncryptionSdkSealer } from '../../../functions/shared/crypto/envelope-sealer.js';
import { DynamoDbEventStore } from '../../../functions/shared/events/dynamodb-store.js';
import { approvalStream, executionStream, type NewEvent, type StoredEvent } from '../../../functions/shared/events/event.js';
import { listArchiveKeys, readArchiveObject } from '../../../lib/audit/archive-reader.js';
import type { ArchiveVerification } from '../../../lib/audit/verify-archive.js';
import { freeBasePort } from '../../../lib/local/runtime/services/free-ports.js';
import { LOCAL_CREDENTIALS, type RunningService, startS3 } from '../../../lib/local/runtime/services/local-services.js';
import { type LocalDynamo, startDynalite, TEST_CREDENTIALS, TEST_REGION } from '../../support/dynalite.js';
import { describeWithMoto } from '../../support/moto.js';
import { cliReachesMoto, wardflowStackTemplate } from '../../support/moto-stack.js';
import { insertRecords } from '../../support/stream-records.js';
import { PLANTED_SECRET, tickingClock } from '../../unit/events/event-fixtures.js';
import { localRuntimeFolder, runCliCaptured } from '../../unit/cli/cli-harness.js';

/**
 * `wardflow audit verify` end to end: events appended by the DynamoDbEventStore (a raw-AES
 * sealer, as the handler tests build them), turned into the table's stream records, archived by
 * the archiver's own batch logic and S3 writer, then verified by the CLI: against dynalite and
 * s3rver through a local runtime's endpoints.json, and against moto in AWS mode (the stack's
 * outputs name the table and the bucket).
 *
 * Planted in a sealed part and in clear data: values that must never appear in any output.
 */
const VENDOR = 'Northwind Traders of Example Street';
const BUCKET = 'wardflow-local-audit';

const step = (name: string): NewEvent => ({ type: 'StepSucceeded', actor: `step:${name}`, data: { step: name, durationMs: 7 } });

/** Two executions and an approval, appended interleaved one event at a time, as the steps do. Returns them in append order. */
async function appendScenario(store: DynamoDbEventStore): Promise<StoredEvent[]> {
  const log: StoredEvent[] = [];
  const append = async (stream: string, event: NewEvent): Promise<void> => {
    log.push(...(await store.append(stream, (log.filter((e) => e.stream === stream).at(-1)?.version ?? 0), [event])));
  };
  const first = executionStream('verify-1');
  const second = executionStream('verify-2');
  const approval = approvalStream('verify-1-1');
  await append(first, { type: 'ExecutionStarted', actor: 'step:record-start', data: { workflow: 'invoice-approval', source: 'inbox' }, sensitive: { invoiceText: PLANTED_SECRET } });
  await append(second, { type: 'ExecutionStarted', actor: 'step:record-start', data: { workflow: 'invoice-approval', source: 'inbox' } });
  await append(first, step('extract-invoice'));
  await append(second, step('extract-invoice'));
  await append(approval, { type: 'ApprovalRequested', actor: 'step:request-approval', data: { approvalId: 'verify-1-1', executionId: 'verify-1', approverCount: 1, summary: { vendor: VENDOR } }, sensitive: { taskToken: PLANTED_SECRET } });
  await append(first, { type: 'ApprovalRequested', actor: 'step:request-approval', data: { approvalId: 'verify-1-1' } });
  await append(second, step('check-grounding'));
  await append(approval, { type: 'ApprovalDecided', actor: 'approver:0', data: { approvalId: 'verify-1-1', approverIndex: 0, decision: 'approve' } });
  await append(first, step('pay-invoice'));
  await append(second, step('apply-policy'));
  await append(first, { type: 'ExecutionSucceeded', actor: 'step:record-outcome', data: {} });
  return log;
}

/** The table's stream hands the archiver batches of 3: streams are spread over several objects. */
async function archive(log: StoredEvent[], s3: S3Client, bucket: string): Promise<void> {
  const write = s3ArchiveWriter({ client: s3, bucket });
  const records = insertRecords(log);
  for (let i = 0; i < records.length; i += 3) expect((await archiveStreamBatch(records.slice(i, i + 3), write)).object?.result).toBe('written');
}

/** Someone able to write to the bucket replaces the object holding `event` with a copy in which one byte changed. */
async function alterArchivedEvent(s3: S3Client, bucket: string, event: StoredEvent, from: string, to: string): Promise<string> {
  const { keys } = await listArchiveKeys(s3, bucket);
  const objects = await Promise.all(keys.map((key) => readArchiveObject(s3, bucket, key)));
  const holding = objects.find((o) => o.text.includes(event.hash)) as { key: string; text: string };
  const line = holding.text.split('\n').find((l) => l.includes(`"hash":"${event.hash}"`)) as string;
  expect(line).toContain(from);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: holding.key, Body: holding.text.replace(line, line.replace(from, to)) }));
  return holding.key;
}

function expectNoContent(...texts: string[]): void {
  for (const text of texts) for (const planted of [PLANTED_SECRET, VENDOR]) expect(text).not.toContain(planted);
}

describe('wardflow audit verify (dynalite and s3rver, local mode)', () => {
  let dynamo: LocalDynamo;
  let table: string;
  let s3Service: RunningService;
  let s3: S3Client;
  let s3Dir: string;
  let folder: ReturnType<typeof localRuntimeFolder>;
  let log: StoredEvent[];
  let sealer: EncryptionSdkSealer;

  beforeAll(async () => {
    dynamo = await startDynalite();
    table = await dynamo.createEventsTable();
    s3Dir = mkdtempSync(join(tmpdir(), 'wardflow-verify-s3-'));
    s3Service = await startS3({ host: '127.0.0.1', port: await freeBasePort(), directory: s3Dir, buckets: [BUCKET] });
    s3 = new S3Client({ region: TEST_REGION, credentials: LOCAL_CREDENTIALS, endpoint: s3Service.url, forcePathStyle: true });
    sealer = EncryptionSdkSealer.rawAes({ keyName: 'test', keyNamespace: 'wardflow-test', key: randomBytes(32) });
    const store = new DynamoDbEventStore({ client: dynamo.client, tableName: table, sealer, now: tickingClock(Date.UTC(2026, 10, 1, 9)) });
    log = await appendScenario(store);
    await archive(log, s3, BUCKET);
    folder = localRuntimeFolder({ dynamodb: dynamo.endpoint, eventsTable: table, s3: s3Service.url, auditBucket: BUCKET, credentials: LOCAL_CREDENTIALS });
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    s3?.destroy();
    await s3Service?.stop();
    await dynamo?.stop();
    folder?.remove();
    if (s3Dir) rmSync(s3Dir, { recursive: true, force: true });
  });

  const verify = (...args: string[]) => runCliCaptured(['audit', 'verify', ...args, '--data-dir', folder.dir]);

  it('verifies the archive against the event store, prints a summary and exits 0', async () => {
    const run = await verify();
    expect(run.err).toEqual([]);
    expect(run.code).toBe(0);
    expect(run.out[0]).toBe('Audit archive verified: every chain is complete and unaltered.');
    expect(run.stdout).toMatch(new RegExp(`Bucket +${BUCKET} \\(4 objects, 11 stream records\\)`));
    expect(run.stdout).toMatch(new RegExp(`Events +11 in 3 streams, ${log[0]!.time} to ${log.at(-1)!.time}`));
    expect(run.stdout).toMatch(/Window +all events/);
    expect(run.stdout).toMatch(/Store +compared: the event store's 11 events in the window are all archived, unchanged/);
    expect(run.stdout).toMatch(/Pending +0 /);
    expectNoContent(run.stdout);
  });

  it('prints one JSON document with --json, and checks the archive alone with --archive-only', async () => {
    const run = await verify('--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as ArchiveVerification & { bucket: string };
    expect(report).toMatchObject({ ok: true, bucket: BUCKET, objects: 4, events: 11, streams: 3, problems: 0, store: { compared: true, events: 11 } });

    const alone = await verify('--archive-only');
    expect(alone.code).toBe(0);
    expect(alone.stdout).toMatch(/Store +not compared \(--archive-only\)/);
  });

  it('--from cutting the streams: verifies the rest and links each cut stream to the store', async () => {
    const run = await verify('--from', log[6]!.time, '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as ArchiveVerification;
    expect(report).toMatchObject({ ok: true, events: 5, outsideWindow: 6, window: { from: log[6]!.time, to: null }, store: { linkedBeforeWindow: 3 } });
  });

  it('shows progress on stderr on a long run, never on stdout', async () => {
    // Every clock reading is 1.5 s after the last: each object read is "a second later".
    let clock = Date.now();
    vi.spyOn(Date, 'now').mockImplementation(() => (clock += 1500));
    try {
      const run = await verify();
      expect(run.code).toBe(0);
      expect(run.err).toContain('read 1 of 4 archive objects (25%), 3 events');
      expect(run.err.at(-2)).toBe('read 4 of 4 archive objects (100%), 11 events');
      expect(run.err.at(-1)).toBe('scanned 11 items of the event store');
      expect(run.stdout).not.toMatch(/archive objects \(/);
    } finally {
      vi.mocked(Date.now).mockRestore();
    }
  });

  it('counts an event appended moments ago and not archived yet as pending', async () => {
    const store = new DynamoDbEventStore({ client: dynamo.client, tableName: table, sealer });
    const second = executionStream('verify-2');
    await store.append(second, log.filter((e) => e.stream === second).length, [step('record-outcome')]);
    const run = await verify('--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, pending: 1, store: { events: 12 } });
  });

  it('names the first bad event after an archive object is overwritten with one byte changed, and exits 1', async () => {
    const target = log.find((e) => e.stream === executionStream('verify-2') && e.version === 3) as StoredEvent;
    const key = await alterArchivedEvent(s3, BUCKET, target, '"step":"check-grounding"', '"step":"check-groundinG"');
    const run = await verify();
    expect(run.code).toBe(1);
    expect(run.out[0]).toBe(`FAILED: execution#verify-2 v3 (object ${key}): hash mismatch: content changed`);
    expect(run.stdout).toContain('The archive cannot vouch for these events.');
    expect(run.stdout).not.toContain('groundinG');
    expectNoContent(run.stdout, run.stderr);
  });

  it('also names a table item changed in place after its append', async () => {
    const target = log.find((e) => e.stream === approvalStream('verify-1-1') && e.version === 1) as StoredEvent;
    await dynamo.client.send(
      new UpdateItemCommand({
        TableName: table,
        Key: { stream: { S: target.stream }, version: { N: '1' } },
        UpdateExpression: 'SET #data = :data',
        ExpressionAttributeNames: { '#data': 'data' },
        ExpressionAttributeValues: { ':data': { S: JSON.stringify({ ...target.data, approverCount: 0 }) } },
      }),
    );
    const run = await verify('--json');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as ArchiveVerification;
    expect(report.problems).toBe(2);
    expect(report.listedProblems).toContainEqual(
      expect.objectContaining({ stream: 'approval#verify-1-1', version: 1, reason: 'version 1 in the event store does not match its own hash: the table item was changed' }),
    );
    expectNoContent(run.stdout);
  });
});

describeWithMoto('wardflow audit verify in AWS mode', (moto) => {
  const ARCHIVE_BUCKET = 'wardflow-audit-archive';
  const config = () => ({ endpoint: moto().endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  let s3: S3Client;
  let dynamodb: DynamoDBClient;
  let log: StoredEvent[];

  beforeAll(async () => {
    const template = wardflowStackTemplate('audit', { AuditBucketName: { Value: ARCHIVE_BUCKET } });
    const cloudFormation = new CloudFormationClient(config());
    await cloudFormation.send(new CreateStackCommand({ StackName: 'wardflow-audit', TemplateBody: JSON.stringify(template) }));
    cloudFormation.destroy();

    // The audit bucket as the stack makes it: Object Lock, compliance retention by default.
    s3 = new S3Client({ ...config(), forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: ARCHIVE_BUCKET, ObjectLockEnabledForBucket: true }));
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: ARCHIVE_BUCKET,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 1 } } },
      }),
    );
    dynamodb = new DynamoDBClient(config());
    const sealer = EncryptionSdkSealer.rawAes({ keyName: 'test', keyNamespace: 'wardflow-test', key: randomBytes(32) });
    const store = new DynamoDbEventStore({ client: dynamodb, tableName: 'wardflow-audit-events', sealer, now: tickingClock(Date.UTC(2026, 10, 1, 9)) });
    log = await appendScenario(store);
    await archive(log, s3, ARCHIVE_BUCKET);

    cliReachesMoto(moto().endpoint);
  });

  afterAll(() => {
    vi.unstubAllEnvs();
    s3?.destroy();
    dynamodb?.destroy();
  });

  const verify = (...args: string[]) => runCliCaptured(['audit', 'verify', ...args, '--region', TEST_REGION, '--env', 'audit']);

  it('lists and reads the Object Lock bucket (objects stored with their SHA-256) and verifies, then names an altered new version', async () => {
    const run = await verify('--json');
    expect(run.err).toEqual([]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, bucket: ARCHIVE_BUCKET, objects: 4, events: 11, streams: 3, store: { compared: true, events: 11 } });

    // Object Lock keeps every version, but a writer can still put a new current one: verify reads what a reader gets.
    const target = log.find((e) => e.stream === executionStream('verify-1') && e.version === 2) as StoredEvent;
    const key = await alterArchivedEvent(s3, ARCHIVE_BUCKET, target, '"step":"extract-invoice"', '"step":"extract-invoicE"');
    const failed = await verify();
    expect(failed.code).toBe(1);
    expect(failed.out[0]).toBe(`FAILED: execution#verify-1 v2 (object ${key}): hash mismatch: content changed`);
    expectNoContent(failed.stdout, failed.stderr);
  });

  it('says plainly when the stack names a bucket that does not exist', async () => {
    const cloudFormation = new CloudFormationClient(config());
    await cloudFormation.send(
      new CreateStackCommand({
        StackName: 'wardflow-nobucket',
        TemplateBody: JSON.stringify({
          Resources: { Topic: { Type: 'AWS::SNS::Topic' } },
          Outputs: {
            EventsTableName: { Value: 'wardflow-audit-events' },
            InvoiceApprovalStateMachineArn: { Value: 'arn:aws:states:us-east-1:123456789012:stateMachine:none' },
            AuditBucketName: { Value: 'wardflow-no-such-bucket' },
          },
        }),
      }),
    );
    cloudFormation.destroy();
    const run = await runCliCaptured(['audit', 'verify', '--region', TEST_REGION, '--env', 'nobucket']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^wardflow: the audit bucket wardflow-no-such-bucket does not exist on stack wardflow-nobucket/);
  });
});
