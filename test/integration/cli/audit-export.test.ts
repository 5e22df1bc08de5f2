import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveStreamBatch } from '../../../functions/shared/audit/archive-stream-batch.js';
import { s3ArchiveWriter } from '../../../functions/shared/audit/s3-archive-writer.js';
import { approvalStream, executionStream, type NewEvent, type StoredEvent } from '../../../functions/shared/events/event.js';
import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';
import { approvalIdFor } from '../../../functions/shared/approvals/approval-id.js';
import { listArchiveKeys, readArchiveObject } from '../../../lib/audit/archive-reader.js';
import type { ExportReport } from '../../../lib/audit/export-report.js';
import { LOCAL_CREDENTIALS, type RunningService, startS3 } from '../../../lib/local/runtime/services/local-services.js';
import { TEST_REGION } from '../../support/dynalite.js';
import { insertRecords } from '../../support/stream-records.js';
import { PLANTED_SECRET, stepSucceeded, testSealer, tickingClock } from '../../unit/events/event-fixtures.js';
import { localRuntimeFolder, runCliCaptured } from '../../unit/cli/cli-harness.js';

/**
 * `wardflow audit export` end to end: events built by the real store code, archived by the
 * archiver's own batch logic and S3 writer into s3rver (as the local runtime serves the audit
 * bucket), then read back by the CLI through a local runtime's endpoints.json.
 */
const BUCKET = 'wardflow-local-audit';
const EXECUTION = 'inv-export-1';
const APPROVAL = approvalIdFor(EXECUTION);
const TAMPERED = 'inv-tampered-2';
const APPROVER = 'erin.approver@example.org';

let s3Service: RunningService;
let s3: S3Client;
let s3Dir: string;
let folder: ReturnType<typeof localRuntimeFolder>;
let execution: StoredEvent[];
let tampered: StoredEvent[];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The events of an approved, paid invoice, and of an execution whose archive object is then altered, in append order. */
async function appendScenario(): Promise<StoredEvent[]> {
  const store = new InMemoryEventStore({ sealer: testSealer(), now: tickingClock(Date.UTC(2026, 11, 1, 9)) });
  const log: StoredEvent[] = [];
  const append = async (stream: string, event: NewEvent): Promise<void> => {
    log.push(...(await store.append(stream, await store.headVersion(stream), [event])));
  };
  const exec = executionStream(EXECUTION);
  const approval = approvalStream(APPROVAL);
  const summary = { vendor: 'Contoso', invoiceNumber: 'C-77', currency: 'EUR', amount: '9100.00' };
  await append(exec, { type: 'ExecutionStarted', actor: 'step:record-start', data: { workflow: 'invoice-approval', source: 'ap-inbox' }, sensitive: { invoiceText: PLANTED_SECRET } });
  await append(exec, stepSucceeded('record-start'));
  await append(approval, {
    type: 'ApprovalRequested',
    actor: 'step:request-approval',
    data: { approvalId: APPROVAL, executionId: EXECUTION, approverCount: 1, expiresAt: '2026-12-02T08:59:00.000Z', summary },
    sensitive: { taskToken: PLANTED_SECRET, approvers: [APPROVER] },
  });
  await append(exec, { type: 'ApprovalRequested', actor: 'step:request-approval', data: { approvalId: APPROVAL, expiresAt: '2026-12-02T08:59:00.000Z' } });
  await append(approval, { type: 'ApprovalDecided', actor: 'approver:0', data: { approvalId: APPROVAL, executionId: EXECUTION, approverIndex: 0, decision: 'approve' }, sensitive: { approver: APPROVER } });
  await append(exec, { type: 'PaymentRecorded', actor: 'step:pay-invoice', data: { paymentId: 'pay-9', approvalId: APPROVAL, ...summary, mode: 'stand-in' } });
  await append(exec, { type: 'ExecutionSucceeded', actor: 'step:record-outcome', data: {} });
  for (const step of ['record-start', 'extract-invoice', 'validate-invoice']) await append(executionStream(TAMPERED), stepSucceeded(step));
  return log;
}

beforeAll(async () => {
  s3Dir = mkdtempSync(join(tmpdir(), 'wardflow-audit-s3-'));
  const port = await freePort();
  s3Service = await startS3({ host: '127.0.0.1', port, directory: s3Dir, buckets: [BUCKET] });
  s3 = new S3Client({ region: TEST_REGION, credentials: LOCAL_CREDENTIALS, endpoint: s3Service.url, forcePathStyle: true });

  const log = await appendScenario();
  execution = log.filter((e) => e.stream === executionStream(EXECUTION));
  tampered = log.filter((e) => e.stream === executionStream(TAMPERED));
  // The table's stream hands the archiver batches of 3: the approval's events sit in objects between the execution's.
  const write = s3ArchiveWriter({ client: s3, bucket: BUCKET });
  const records = insertRecords(log);
  for (let i = 0; i < records.length; i += 3) {
    const outcome = await archiveStreamBatch(records.slice(i, i + 3), write);
    expect(outcome.object?.result).toBe('written');
  }
  // Someone able to rewrite the object holding the tampered execution's last step changes one byte of it.
  const { keys } = await listArchiveKeys(s3, BUCKET);
  const objects = await Promise.all(keys.map((key) => readArchiveObject(s3, BUCKET, key)));
  const holding = objects.find((o) => o.text.includes(tampered.at(-1)!.hash))!;
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: holding.key, Body: holding.text.replace('"validate-invoice"', '"validate-invoicE"') }));

  // The CLI finds the bucket through the runtime's endpoints.json, as in local mode.
  folder = localRuntimeFolder({ s3: s3Service.url, auditBucket: BUCKET, credentials: LOCAL_CREDENTIALS });
});

afterAll(async () => {
  s3?.destroy();
  await s3Service?.stop();
  folder?.remove();
  if (s3Dir) rmSync(s3Dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCliCaptured(['audit', 'export', ...args, '--data-dir', folder.dir]);

describe('wardflow audit export', () => {
  it('prints the Markdown report of an execution, with its approval, decisions and chain proof, and exits 0', async () => {
    const run = await cli('--execution', EXECUTION);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^# Audit report: execution inv-export-1\n/);
    expect(run.stdout).toContain('**Chain proof holds**: every stream below verifies (7 events, 2 streams).');
    expect(run.stdout).toContain('| Outcome | succeeded |');
    expect(run.stdout).toMatch(/\| inv-export-1-1 \| 2 \| [^|]+ \| decided \| approver:0 \| approve \|  \| yes \|/);
    expect(run.stdout).toContain(`### execution#${EXECUTION}: verified`);
    expect(run.stdout).toContain(`Head hash: ${execution.at(-1)!.hash}`);
    expect(run.stdout).toContain(`### approval#${APPROVAL}: verified`);
    expect(run.stdout).not.toContain(TAMPERED);
    for (const secret of [PLANTED_SECRET, APPROVER]) expect(run.stdout).not.toContain(secret);
  });

  it('prints one JSON document with --json, whose proof matches the stored chain', async () => {
    const run = await cli('--execution', EXECUTION, '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as ExportReport;
    expect(report.verified).toBe(true);
    expect(report.streams.map((s) => s.stream)).toEqual([executionStream(EXECUTION), approvalStream(APPROVAL)]);
    expect(report.streams[0]!.proof.links.map((l) => l.hash)).toEqual(execution.map((e) => e.hash));
    expect(report.streams[0]!.proof.head).toBe(execution.at(-1)!.hash);
    expect(report.streams[0]!.proof.objects.length).toBeGreaterThan(1);
    expect(report.archive.bucket).toBe(BUCKET);
  });

  it('reports an approval with the execution it names', async () => {
    const run = await cli('--approval', APPROVAL, '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as ExportReport;
    expect(report.overview).toMatchObject({ kind: 'approval', status: 'approved', executionId: EXECUTION, decidedBy: 'approver:0' });
    expect(report.streams.map((s) => s.stream)).toEqual([approvalStream(APPROVAL), executionStream(EXECUTION)]);
  });

  it('writes both files with --out (owner-only), prints their paths, and never overwrites them', async () => {
    const out = join(folder.dir, 'reports', 'december');
    const run = await cli('--execution', EXECUTION, '--out', out);
    const markdown = join(out, `execution-${EXECUTION}.md`);
    const json = join(out, `execution-${EXECUTION}.json`);
    expect(run.code).toBe(0);
    expect(run.out).toEqual([`${markdown}\n${json}`]);
    expect(readFileSync(markdown, 'utf8')).toMatch(/^# Audit report: execution inv-export-1\n/);
    expect((JSON.parse(readFileSync(json, 'utf8')) as ExportReport).verified).toBe(true);
    for (const file of [markdown, json]) expect(statSync(file).mode & 0o777).toBe(0o600);

    writeFileSync(markdown, 'the auditor annotated this copy');
    const again = await cli('--execution', EXECUTION, '--out', out);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${markdown} already exists and an audit report is never overwritten`);
    expect(readFileSync(markdown, 'utf8')).toBe('the auditor annotated this copy');
  });

  it('still prints the report of a chain that does not verify, names the problem at the top, and exits 1', async () => {
    const run = await cli('--execution', TAMPERED);
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n').slice(0, 6).join('\n')).toContain(`**PROBLEMS: the chain proof does not hold.**`);
    expect(run.stdout).toContain(`- execution#${TAMPERED} v3: hash mismatch: content changed.`);
    // Every event is still listed, the altered one as the archive now holds it.
    expect(run.stdout).toMatch(/\| 3 \| [^|]+ \| StepSucceeded \| step:validate-invoice \|  \| durationMs=12; step=validate-invoicE \|/);
    expect(run.stderr).toContain(`the chain proof of execution ${TAMPERED} does not hold`);
  });

  it('exits 1 naming the id when the archive holds no events of it', async () => {
    const run = await cli('--execution', 'inv-never-ran');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('no events of execution inv-never-ran in the audit archive (is the id right? archiving lags the event store by seconds)');
  });

  it('refuses a malformed id as a usage error (exit 2) without repeating it', async () => {
    for (const [option, id] of [
      ['--execution', 'bad id|<script>'],
      ['--approval', 'approval#forged/../x'],
    ] as const) {
      const run = await cli(option, id);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(option);
      expect(run.stderr).not.toContain(id);
    }
  });
});
