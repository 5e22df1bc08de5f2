import { hash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { ARCHIVE_FORMAT, type ArchiveBatch, type ArchivedRecord, archiveObjectKey, encodeArchiveBatch } from '../../../functions/shared/audit/archive-format.js';
import { approvalStream, executionStream, type NewEvent, type StoredEvent } from '../../../functions/shared/events/event.js';
import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';
import { approvalIdFor } from '../../../functions/shared/approvals/approval-id.js';
import type { ArchiveObject } from '../../../lib/audit/archive-reader.js';
import { type ArchiveSource, collectExportStreams } from '../../../lib/audit/export-collect.js';
import { compactFacts, markdownText, renderExportMarkdown } from '../../../lib/audit/export-markdown.js';
import { buildExportReport, type ExportReport, exportReportJson, HOW_TO_RECOMPUTE } from '../../../lib/audit/export-report.js';
import type { ExportSubject } from '../../../lib/audit/export-subject.js';
import { PLANTED_SECRET, stepSucceeded, testSealer, tickingClock } from '../events/event-fixtures.js';

/**
 * The export report built from real chains (InMemoryEventStore: the product's sealing and
 * hashing) archived as the archiver writes them (archiveObjectKey, encodeArchiveBatch), read
 * back through the same collector the CLI uses, from objects held in memory.
 */
// canonicalize is CommonJS typed as an ES default export (see functions/shared/events/canonical.ts).
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;
const EXECUTION = 'inv-audit-7';
const APPROVAL = approvalIdFor(EXECUTION);
const APPROVER = 'dana.approver@example.org';
/** Clear values an attacker controls (a caller's source label, an actor): they must not break the Markdown. */
const CRAFTED_SOURCE = 'mailbox | forged\n| 1 | 2 |\n<script>alert(1)</script> `rm -rf` [click](javascript:alert(2))';
const CRAFTED_ACTOR = 'step:x|y\r\n<img src=x onerror=alert(3)>';
const NORTHWIND = { vendor: 'Northwind Traders', invoiceNumber: 'NW-88213', currency: 'USD', amount: '12480.00' };
const EXPIRES = '2026-12-02T08:59:00.000Z';

interface Scenario {
  /** Every stored event in append order: the order the table's stream hands them to the archiver. */
  log: StoredEvent[];
  execution: StoredEvent[];
  approval: StoredEvent[];
}

/** An execution of the invoice workflow with a human approval (requested, approved by approver:0) and a payment, beside another execution. */
async function invoiceScenario(options: { approvalId?: string } = {}): Promise<Scenario> {
  const approvalId = options.approvalId ?? APPROVAL;
  const store = new InMemoryEventStore({ sealer: testSealer(), now: tickingClock(Date.UTC(2026, 11, 1, 9)) });
  const log: StoredEvent[] = [];
  const append = async (stream: string, event: NewEvent): Promise<void> => {
    log.push(...(await store.append(stream, await store.headVersion(stream), [event])));
  };
  const exec = executionStream(EXECUTION);
  const other = executionStream('inv-other-3');
  await append(exec, {
    type: 'ExecutionStarted',
    actor: 'step:record-start',
    data: { workflow: 'invoice-approval', source: CRAFTED_SOURCE },
    sensitive: { invoiceText: `NORTHWIND TRADERS ${PLANTED_SECRET}` },
  });
  await append(other, { type: 'ExecutionStarted', actor: 'step:record-start', data: { workflow: 'invoice-approval', source: null }, sensitive: { invoiceText: 'other' } });
  await append(exec, stepSucceeded('record-start'));
  await append(exec, {
    type: 'ModelInvoked',
    actor: 'step:extract-invoice',
    data: { step: 'extract-invoice', modelId: 'local.invoice-parser-v1', provider: 'local-stand-in', inputTokens: 120, outputTokens: 40, costUsd: 0 },
    sensitive: { prompt: PLANTED_SECRET },
  });
  await append(exec, stepSucceeded('extract-invoice'));
  await append(other, stepSucceeded('record-start'));
  await append(approvalStream(approvalId), {
    type: 'ApprovalRequested',
    actor: 'step:request-approval',
    data: { approvalId, executionId: EXECUTION, approverCount: 1, expiresAt: EXPIRES, summary: NORTHWIND },
    sensitive: { taskToken: `task-token-${PLANTED_SECRET}`, approvers: [APPROVER] },
  });
  await append(exec, { type: 'ApprovalRequested', actor: 'step:request-approval', data: { approvalId, expiresAt: EXPIRES } });
  await append(exec, { type: 'ApprovalNotified', actor: 'step:request-approval', data: { approvalId, channel: 'email', recipients: 1 } });
  await append(exec, stepSucceeded('request-approval'));
  await append(approvalStream(approvalId), {
    type: 'ApprovalDecided',
    actor: 'approver:0',
    data: { approvalId, executionId: EXECUTION, approverIndex: 0, decision: 'approve' },
    sensitive: { approver: APPROVER, comment: `fine by me ${PLANTED_SECRET}` },
  });
  await append(exec, { type: 'StepSucceeded', actor: CRAFTED_ACTOR, data: { step: 'record-decision', durationMs: 3 } });
  await append(exec, { type: 'PaymentRecorded', actor: 'step:pay-invoice', data: { paymentId: 'pay-0042', approvalId, ...NORTHWIND, mode: 'stand-in' } });
  await append(exec, stepSucceeded('pay-invoice'));
  await append(exec, { type: 'ExecutionSucceeded', actor: 'step:record-outcome', data: {} });
  return { log, execution: await store.read(exec), approval: await store.read(approvalStream(approvalId)) };
}

/** Archive records of events, sequence numbers counting up from `first`. */
function recordsOf(events: readonly StoredEvent[], first = 1000): ArchivedRecord[] {
  return events.map((event, i) => ({
    sequenceNumber: String(first + i),
    change: 'INSERT',
    approximateCreationTime: Math.floor(Date.parse(event.time) / 1000),
    stream: event.stream,
    version: event.version,
    event,
  }));
}

/** Archive objects as the archiver writes them, with the SHA-256 S3 keeps beside each. */
class MemoryArchive implements ArchiveSource {
  readonly bucket = 'audit-test';
  readonly objects = new Map<string, ArchiveObject>();
  reads = 0;

  /** Splits the records into batches of `size`, one object each. */
  static of(records: readonly ArchivedRecord[], size = 4): MemoryArchive {
    const archive = new MemoryArchive();
    for (let i = 0; i < records.length; i += size) archive.put(records.slice(i, i + size));
    return archive;
  }

  put(records: ArchivedRecord[]): string {
    const batch: ArchiveBatch = { format: ARCHIVE_FORMAT, source: 'arn:aws:dynamodb:us-east-1:000000000000:table/events/stream/x', records };
    const key = archiveObjectKey(batch);
    const text = encodeArchiveBatch(batch);
    this.objects.set(key, { key, text, checksumSha256: hash('sha256', text, 'base64') });
    return key;
  }

  /** Replaces an object's text, as someone who could rewrite it would (the checksum follows, or S3 would refuse the read). */
  rewrite(key: string, change: (text: string) => string): void {
    const text = change(this.objects.get(key)!.text);
    this.objects.set(key, { key, text, checksumSha256: hash('sha256', text, 'base64') });
  }

  async listKeys(): Promise<string[]> {
    return [...this.objects.keys()].sort();
  }

  /** Keys whose read fails as the SDK fails a body that does not match S3's stored checksum. */
  readonly corrupted = new Set<string>();

  async read(key: string): Promise<ArchiveObject> {
    this.reads++;
    if (this.corrupted.has(key)) throw new Error('Checksum mismatch: expected "a" but received "b" in response header "x-amz-checksum-sha256".');
    return this.objects.get(key)!;
  }
}

const executionSubject: ExportSubject = { kind: 'execution', id: EXECUTION };

async function reportOf(archive: ArchiveSource, subject: ExportSubject = executionSubject): Promise<ExportReport> {
  return buildExportReport(await collectExportStreams(archive, subject, { concurrency: 3 }), new Date('2026-12-03T10:00:00Z'));
}

/** The key of the object holding an event. */
function objectHolding(archive: MemoryArchive, event: StoredEvent): string {
  return [...archive.objects.values()].find((o) => o.text.includes(event.hash))!.key;
}

describe('the export report of an execution', () => {
  it('holds every event of the execution and of its approval, in order, and nothing of other executions', async () => {
    const scenario = await invoiceScenario();
    const report = await reportOf(MemoryArchive.of(recordsOf(scenario.log)));

    expect(report.streams.map((s) => s.stream)).toEqual([executionStream(EXECUTION), approvalStream(APPROVAL)]);
    const [execution, approval] = report.streams;
    expect(execution!.events.map((e) => [e.version, e.type, e.time])).toEqual(scenario.execution.map((e) => [e.version, e.type, e.time]));
    expect(approval!.events.map((e) => [e.version, e.type, e.actor])).toEqual(scenario.approval.map((e) => [e.version, e.type, e.actor]));
    expect(approval!.why).toBe(`named by ${executionStream(EXECUTION)} v5 (ApprovalRequested)`);
    expect(JSON.stringify(report)).not.toContain('inv-other-3');
    expect(execution!.events.find((e) => e.type === 'PaymentRecorded')!.data).toMatchObject({ paymentId: 'pay-0042', amount: '12480.00' });
  });

  it('says what the execution was and how it ended, from its events', async () => {
    const scenario = await invoiceScenario();
    const report = await reportOf(MemoryArchive.of(recordsOf(scenario.log)));
    expect(report.overview).toEqual({
      kind: 'execution',
      executionId: EXECUTION,
      workflow: 'invoice-approval',
      source: CRAFTED_SOURCE,
      startedAt: scenario.execution[0]!.time,
      endedAt: scenario.execution.at(-1)!.time,
      outcome: 'succeeded',
      error: null,
    });
  });

  it('names who decided what and when: the request, then approver:0 approving, which closed the approval', async () => {
    const scenario = await invoiceScenario();
    const report = await reportOf(MemoryArchive.of(recordsOf(scenario.log)));
    expect(report.decisions).toEqual([
      { approvalId: APPROVAL, stream: approvalStream(APPROVAL), version: 1, time: scenario.approval[0]!.time, what: 'requested', by: 'step:request-approval', decision: null, detail: null, closed: false },
      { approvalId: APPROVAL, stream: approvalStream(APPROVAL), version: 2, time: scenario.approval[1]!.time, what: 'decided', by: 'approver:0', decision: 'approve', detail: null, closed: true },
    ]);
  });

  it('proves each chain: verified, every hash and prevHash as stored, the head the last hash, and the objects with their checksums', async () => {
    const scenario = await invoiceScenario();
    const archive = MemoryArchive.of(recordsOf(scenario.log));
    const report = await reportOf(archive);

    expect(report.verified).toBe(true);
    expect(report.problems).toEqual([]);
    for (const [stream, stored] of [
      [report.streams[0]!, scenario.execution],
      [report.streams[1]!, scenario.approval],
    ] as const) {
      expect(stream.proof.verified).toBe(true);
      expect(stream.proof.head).toBe(stored.at(-1)!.hash);
      expect(stream.proof.links.map((l) => [l.version, l.hash, l.prevHash])).toEqual(stored.map((e) => [e.version, e.hash, e.prevHash]));
      for (const [i, link] of stream.proof.links.entries()) expect(link.objects).toEqual([objectHolding(archive, stored[i]!)]);
      for (const object of stream.proof.objects) expect(object.checksumSha256).toBe(archive.objects.get(object.key)!.checksumSha256);
      expect(stream.proof.objects.reduce((n, o) => n + o.records, 0)).toBe(stored.length);
    }
    expect(report.howToRecompute.join(' ')).toMatch(/SHA-256.*RFC 8785.*without its `hash`/);
  });

  it('lets an auditor recompute every hash from the listed objects with the report\'s instructions, without wardflow code', async () => {
    const scenario = await invoiceScenario();
    const archive = MemoryArchive.of(recordsOf(scenario.log));
    const report = await reportOf(archive);
    let checked = 0;
    for (const stream of report.streams) {
      for (const link of stream.proof.links) {
        const object = archive.objects.get(link.objects[0]!)!;
        expect(hash('sha256', object.text, 'base64')).toBe(stream.proof.objects.find((o) => o.key === object.key)!.checksumSha256);
        const record = (JSON.parse(object.text) as { records: { stream: string; version: number; event: Record<string, unknown> }[] }).records.find(
          (r) => r.stream === stream.stream && r.version === link.version,
        )!;
        // RFC 8785 of the event without `hash` (the canonicalize package, not wardflow's encoder), then SHA-256 hex.
        const { hash: _stated, ...unhashed } = record.event;
        expect(hash('sha256', canonicalize(unhashed)!, 'hex')).toBe(link.hash);
        // Or straight from the object's bytes: the event's text less its `"hash":"<hex>",` member.
        const line = object.text.split('\n').find((l) => l.includes(`"hash":"${link.hash}"`))!;
        const eventText = line.slice(line.indexOf('"event":') + '"event":'.length).replace(/\},?$/, '');
        expect(hash('sha256', eventText.replace(`"hash":"${link.hash}",`, ''), 'hex')).toBe(link.hash);
        checked++;
      }
    }
    expect(checked).toBe(scenario.execution.length + scenario.approval.length);
  });

  it('counts an event archived twice byte for byte (a retried batch) once, naming both objects', async () => {
    const scenario = await invoiceScenario();
    const records = recordsOf(scenario.log);
    const archive = MemoryArchive.of(records);
    const payment = records.find((r) => r.event?.type === 'PaymentRecorded')!;
    const again = archive.put([{ ...payment, sequenceNumber: '5000' }]);

    const report = await reportOf(archive);
    expect(report.verified).toBe(true);
    const link = report.streams[0]!.proof.links.find((l) => l.version === payment.version)!;
    expect(link.objects).toContain(again);
    expect(link.objects).toHaveLength(2);
    expect(report.streams[0]!.events).toHaveLength(scenario.execution.length);
  });
});

describe('the export report of an approval', () => {
  it('holds the approval and the execution it names, with its state and decision', async () => {
    const scenario = await invoiceScenario();
    const report = await reportOf(MemoryArchive.of(recordsOf(scenario.log)), { kind: 'approval', id: APPROVAL });

    expect(report.streams.map((s) => [s.stream, s.why])).toEqual([
      [approvalStream(APPROVAL), null],
      [executionStream(EXECUTION), `named by ${approvalStream(APPROVAL)} v1 (ApprovalRequested)`],
    ]);
    expect(report.overview).toMatchObject({ kind: 'approval', executionId: EXECUTION, status: 'approved', approverCount: 1, decision: 'approve', decidedBy: 'approver:0', expiresAt: EXPIRES });
    expect(report.decisions.map((d) => d.what)).toEqual(['requested', 'decided']);
    expect(report.verified).toBe(true);
  });

  it('finds an approval outside the naming convention with a second pass over the archive', async () => {
    const scenario = await invoiceScenario({ approvalId: 'manual-review-9' });
    const archive = MemoryArchive.of(recordsOf(scenario.log));
    const report = await reportOf(archive);
    expect(report.streams.map((s) => s.stream)).toEqual([executionStream(EXECUTION), approvalStream('manual-review-9')]);
    expect(report.streams[1]!.events).toHaveLength(2);
    expect(archive.reads).toBe(2 * archive.objects.size);
    expect(report.archive.objectsRead).toBe(2 * archive.objects.size);
  });
});

describe('what the report never shows', () => {
  it('prints no sealed ciphertext and no sealed value, in Markdown or JSON: sealed parts are only flagged', async () => {
    const scenario = await invoiceScenario();
    const report = await reportOf(MemoryArchive.of(recordsOf(scenario.log)));
    const markdown = renderExportMarkdown(report);
    const json = exportReportJson(report);
    const sealed = scenario.log.flatMap((e) => (e.sealed === null ? [] : [e.sealed]));
    expect(sealed.length).toBeGreaterThanOrEqual(4);

    for (const output of [markdown, json]) {
      expect(output).not.toContain(PLANTED_SECRET);
      expect(output).not.toContain(APPROVER);
      for (const ciphertext of sealed) {
        // Any 24-character piece of a ciphertext would be a leak of it.
        for (let at = 0; at + 24 <= ciphertext.length; at += 24) expect(output).not.toContain(ciphertext.slice(at, at + 24));
      }
    }
    const parsed = JSON.parse(json) as ExportReport;
    expect(parsed.streams[0]!.events[0]!.sealed).toBe(true);
    expect(parsed.streams[0]!.events[1]!.sealed).toBe(false);
    expect(markdown).toMatch(/\| 1 \| [^|]+ \| ExecutionStarted \| step:record-start \| sealed \|/);
  });

  it('keeps crafted actors and values inside their table cell, with no HTML, code span or link', async () => {
    const scenario = await invoiceScenario();
    const markdown = renderExportMarkdown(await reportOf(MemoryArchive.of(recordsOf(scenario.log))));

    expect(markdown).not.toMatch(/<script|<img/i);
    // The only code spans are the report's own, in its how-to-recompute list.
    expect(markdown.split('\n').filter((l) => !HOW_TO_RECOMPUTE.includes(l.slice(2)))).not.toContainEqual(expect.stringMatching(/(?<!\\)`/));
    expect(markdown).not.toMatch(/(?<!\\)\[click/);
    // Every row of every table has as many cells as its header.
    const lines = markdown.split('\n');
    let columns = 0;
    for (const [i, line] of lines.entries()) {
      if (!line.startsWith('|')) {
        columns = 0;
        continue;
      }
      const cells = line.split(/(?<!\\)\|/).length - 2;
      if (columns === 0) columns = cells;
      expect(cells, `line ${i + 1}: ${line}`).toBe(columns);
    }
    const row = lines.find((l) => l.includes('record-decision'))!;
    expect(row).toContain('step:x\\|y␍␊&lt;img src=x onerror=alert(3)&gt;');
    expect(lines.find((l) => l.startsWith('| Source |'))).toBe(
      '| Source | mailbox \\| forged␊\\| 1 \\| 2 \\|␊&lt;script&gt;alert(1)&lt;/script&gt; \\`rm -rf\\` \\[click\\](javascript:alert(2)) |',
    );
  });

  it('escapes Markdown and HTML in one value, and writes the clear data compactly', () => {
    expect(markdownText('a|b\n<x>&`c`\\|')).toBe('a\\|b␊&lt;x&gt;&amp;\\`c\\`\\\\\\|');
    expect(markdownText('line\u2028sep\u0085')).toBe('lineU+2028sepU+0085');
    expect(compactFacts({ step: 'pay', summary: { vendor: 'N', amount: '1.00' }, fields: ['a', 'b'], none: null })).toBe(
      'step=pay; summary.vendor=N; summary.amount=1.00; fields=[a, b]; none=null',
    );
  });
});

describe('a chain that does not verify', () => {
  it('is named at the top of the report, which still shows everything else', async () => {
    const scenario = await invoiceScenario();
    const archive = MemoryArchive.of(recordsOf(scenario.log));
    const payment = scenario.execution.find((e) => e.type === 'PaymentRecorded')!;
    // One byte of the payment's amount, in its record's line only (the approval's summary has the same amount).
    archive.rewrite(objectHolding(archive, payment), (text) =>
      text
        .split('\n')
        .map((line) => (line.includes(payment.hash) ? line.replace('"12480.00"', '"1248.00"') : line))
        .join('\n'),
    );

    const report = await reportOf(archive);
    expect(report.verified).toBe(false);
    expect(report.problems).toEqual([`${executionStream(EXECUTION)} v${payment.version}: hash mismatch: content changed.`]);
    expect(report.streams[0]!.proof).toMatchObject({ verified: false, failure: { version: payment.version, reason: 'hash mismatch: content changed' } });
    expect(report.streams[1]!.proof.verified).toBe(true);
    expect(report.streams[0]!.events).toHaveLength(scenario.execution.length);

    const markdown = renderExportMarkdown(report);
    expect(markdown.split('\n').slice(0, 6).join('\n')).toContain(`**PROBLEMS: the chain proof does not hold.**`);
    expect(markdown).toContain(`- execution#${EXECUTION} v${payment.version}: hash mismatch: content changed.`);
    expect(markdown).toContain(`### execution#${EXECUTION}: DOES NOT VERIFY at v${payment.version}`);
  });

  it('names a deleted event where it is missing', async () => {
    const scenario = await invoiceScenario();
    const records = recordsOf(scenario.log).filter((r) => !(r.stream === executionStream(EXECUTION) && r.version === 4));
    const report = await reportOf(MemoryArchive.of(records));
    expect(report.problems).toEqual([`${executionStream(EXECUTION)} v4: version 4 missing (found 5).`]);
  });

  it('names an event-store item changed after its append, and an archive object that cannot be read', async () => {
    const scenario = await invoiceScenario();
    const records = recordsOf(scenario.log);
    const archive = MemoryArchive.of(records);
    const decided = records.find((r) => r.event?.type === 'ApprovalDecided')!;
    const modified = archive.put([{ ...decided, sequenceNumber: '7000', change: 'MODIFY', event: { ...decided.event!, data: { ...decided.event!.data, decision: 'reject' } } }]);
    const broken = archive.put(recordsOf([scenario.log[0]!], 8000).map((r) => ({ ...r, approximateCreationTime: r.approximateCreationTime + 3600 })));
    archive.rewrite(broken, (text) => text.slice(0, 40));

    const report = await reportOf(archive);
    expect(report.verified).toBe(false);
    expect(report.problems).toEqual([
      `${approvalStream(APPROVAL)} v2 was modified in the event store after its append (archive object ${modified}, sequence number 7000).`,
      `archive object ${broken} cannot be read: it is not valid JSON (a byte changed or the object was cut short). Any events of this report it holds are missing from it.`,
    ]);
    // The MODIFY record is not an event of the chain: the chain of INSERTs still verifies.
    expect(report.streams[1]!.proof.verified).toBe(true);
  });

  it('names an archive object whose bytes fail the checksum S3 keeps with it, and reads on', async () => {
    const scenario = await invoiceScenario();
    const archive = MemoryArchive.of(recordsOf(scenario.log));
    const [, second] = await archive.listKeys();
    archive.corrupted.add(second!);
    const report = await reportOf(archive);
    expect(report.verified).toBe(false);
    expect(report.problems).toContainEqual(expect.stringContaining(`archive object ${second} cannot be read: its bytes do not match the SHA-256 checksum S3 keeps with it`));
    expect(archive.reads).toBe(archive.objects.size);
  });

  it('names an approval the execution names but the archive lacks', async () => {
    const scenario = await invoiceScenario();
    const report = await reportOf(MemoryArchive.of(recordsOf(scenario.log.filter((e) => e.stream !== approvalStream(APPROVAL)))));
    expect(report.streams.map((s) => s.stream)).toEqual([executionStream(EXECUTION)]);
    expect(report.problems).toEqual([
      `${approvalStream(APPROVAL)} is named by ${executionStream(EXECUTION)} v5 (ApprovalRequested), but the audit archive holds no events of it (archiving lags the event store by seconds; if it persists, events were lost).`,
    ]);
  });
});
