import { randomBytes } from 'node:crypto';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, type ExecutionStatus } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EncryptionSdkSealer } from '../../../functions/shared/crypto/envelope-sealer.js';
import { DynamoDbEventStore } from '../../../functions/shared/events/dynamodb-store.js';
import { approvalStream, executionStream, type Json, type NewEvent } from '../../../functions/shared/events/event.js';
import { refusingSealer } from '../../../lib/shared/event-reader.js';
import { startDynalite, type LocalDynamo } from '../../support/dynalite.js';
import { executionArn, INVOICE_MACHINE_ARN, localRuntimeFolder, runCliCaptured } from '../../unit/cli/cli-harness.js';

/**
 * `status` and `approvals` against real events in dynalite, appended through the
 * DynamoDbEventStore with a raw-AES sealer (as the handler tests build them), in the shapes
 * the invoice-approval steps write. The CLI reads the same table through a local runtime's
 * endpoints.json; Step Functions' side (DescribeExecution, ListExecutions) is mocked.
 *
 * Planted: an approver address, a task token, invoice text, an approver's comment and a
 * failure cause. None may appear in any output.
 */
const APPROVER = 'dana.approver@example.org';
const TASK_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAY-planted-task-token-9f8e7d';
const CAUSE = 'Model output for Jane Roe, 12 Secret Lane, was not an invoice';
const DOCUMENT_LINE = 'Quarterly coffee and pantry supply contract, Q1 2027';
const COMMENT = 'known to us now, see thread with Jane';
const NORTHWIND = { vendor: 'Northwind Traders', invoiceNumber: 'NW-88213', currency: 'USD', amount: '12480.00' };
/**
 * What a gate records now: the subject its workflow declared, with text a model may have written:
 * escape sequences (clear the screen, set the window title), a bidirectional override, C1 and
 * line-separator characters, and a line break that would fake a row of its own.
 */
const ORDER_SUBJECT = {
  title: 'Order PO-7\u001b[2J\u001b]0;pwned\u0007from \u202eContoso\r\ncli-fake-1  cli-fake  invoice-approval',
  fields: [
    { label: 'Total', value: '9100.00 EUR' },
    { label: 'Note\u009b', value: 'first\u2028second' },
  ],
};
const SECOND_APPROVER = 'erin.deputy@example.org';
const EXPIRES = '2026-12-02T08:59:00.000Z';

const sfn = mockClient(SFNClient);
let dynamo: LocalDynamo;
let table: string;
let store: DynamoDbEventStore;
let folder: ReturnType<typeof localRuntimeFolder>;

/**
 * What Step Functions says about each execution. Their streams below are seeded as they were
 * written before execution ids named their workflow (`execution#cli-large`, `approval#cli-large-1`):
 * the CLI still reads them, under the id it shows now (`invoice-approval:cli-large`). Streams keyed
 * by the qualified id, and a name two workflows share, are in 'execution ids qualified by workflow'.
 */
const EXECUTIONS: Record<string, { status: ExecutionStatus; start: string; stop?: string; error?: string; cause?: string }> = {
  'cli-small': { status: 'SUCCEEDED', start: '2026-12-01T09:00:00Z', stop: '2026-12-01T09:00:03Z' },
  'cli-large': { status: 'RUNNING', start: '2026-12-01T09:01:00Z' },
  'cli-unknown': { status: 'RUNNING', start: '2026-12-01T09:02:00Z' },
  'cli-malformed': { status: 'FAILED', start: '2026-12-01T09:03:00Z', stop: '2026-12-01T09:03:01Z', error: 'ValidationFailed', cause: CAUSE },
  'cli-tampered': { status: 'RUNNING', start: '2026-12-01T09:04:00Z' },
  // Stopped while its gate waited: its streams still say it waits.
  'cli-stopped': { status: 'ABORTED', start: '2026-12-01T09:05:00Z', stop: '2026-12-01T09:06:00Z' },
  // Reached a gate that records a subject (and the workflow), two approvers.
  'cli-order': { status: 'RUNNING', start: '2026-12-01T09:09:00Z' },
  // Listed as RUNNING, then gone by the time it is described (see LISTED_AS).
  'cli-lost': { status: 'FAILED', start: '2026-12-01T09:07:00Z', stop: '2026-12-01T09:08:00Z', error: 'Wardflow.Interrupted' },
};
/** What ListExecutions says when it is a moment behind DescribeExecution. */
const LISTED_AS: Record<string, ExecutionStatus> = { 'cli-lost': 'RUNNING' };

function answerStepFunctions(names: readonly string[]): void {
  sfn.reset();
  const items = names.map((name) => {
    const e = EXECUTIONS[name]!;
    return { executionArn: executionArn(name), stateMachineArn: INVOICE_MACHINE_ARN, name, status: e.status, startDate: new Date(e.start), ...(e.stop ? { stopDate: new Date(e.stop) } : {}) };
  });
  sfn.on(ListExecutionsCommand).callsFake((input: { statusFilter?: string }) => ({
    executions: items
      .map((i) => ({ ...i, status: LISTED_AS[i.name] ?? i.status }))
      .filter((i) => input.statusFilter === undefined || i.status === input.statusFilter)
      .sort((a, b) => b.startDate.getTime() - a.startDate.getTime()),
  }));
  sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
    const item = items.find((i) => i.executionArn === input.executionArn);
    if (!item) throw Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' });
    const e = EXECUTIONS[item.name]!;
    return { ...item, input: JSON.stringify({ invoiceText: DOCUMENT_LINE }), ...(e.error ? { error: e.error, cause: e.cause } : {}) };
  });
}

/** Appends one event at a time, as the steps do (dynalite has no transactions). */
async function append(stream: string, events: NewEvent[]): Promise<void> {
  for (const event of events) await store.append(stream, await store.headVersion(stream), [event]);
}

const step = (name: string, durationMs = 5): NewEvent => ({ type: 'StepSucceeded', actor: `step:${name}`, data: { step: name, durationMs } });
const started = (source: string): NewEvent => ({
  type: 'ExecutionStarted',
  actor: 'step:record-start',
  data: { workflow: 'invoice-approval', source },
  sensitive: { invoiceText: `NORTHWIND TRADERS\n${DOCUMENT_LINE}\nTotal: USD 12,480.00` },
});
const modelInvoked: NewEvent = {
  type: 'ModelInvoked',
  actor: 'step:extract-invoice',
  data: { step: 'extract-invoice', modelId: 'local.invoice-parser-v1', provider: 'local-stand-in', inputTokens: 120, outputTokens: 40, costUsd: 0, costKnown: true },
  sensitive: { prompt: DOCUMENT_LINE },
};

/**
 * An execution that reached the gate: its stream says it waits, the approval stream holds the
 * request with the token sealed. By default as the gate recorded it before subjects (a legacy
 * invoice `summary`, one approver); `request` gives the clear data and approvers of a gate of now.
 */
async function reachGate(executionId: string, request?: { data: { [key: string]: Json }; approvers: string[] }): Promise<string> {
  const approvalId = `${executionId}-1`;
  const approvers = request?.approvers ?? [APPROVER];
  await append(executionStream(executionId), [started('examples/invoice-large.json'), step('record-start'), modelInvoked, step('extract-invoice'), step('check-grounding'), step('apply-policy')]);
  await append(approvalStream(approvalId), [
    {
      type: 'ApprovalRequested',
      actor: 'step:request-approval',
      data: { approvalId, executionId, approverCount: approvers.length, expiresAt: EXPIRES, ...(request?.data ?? { summary: NORTHWIND }) },
      sensitive: { taskToken: TASK_TOKEN, approvers },
    },
  ]);
  await append(executionStream(executionId), [{ type: 'ApprovalRequested', actor: 'step:request-approval', data: { approvalId, expiresAt: EXPIRES } }, step('request-approval')]);
  return approvalId;
}

beforeAll(async () => {
  dynamo = await startDynalite();
  table = await dynamo.createEventsTable();
  const sealer = EncryptionSdkSealer.rawAes({ keyName: 'test', keyNamespace: 'wardflow-test', key: randomBytes(32) });
  store = new DynamoDbEventStore({ client: dynamo.client, tableName: table, sealer, now: () => new Date('2026-12-01T09:00:00.000Z') });

  // Auto-approved and paid: apply-policy records the decision in the approval stream only.
  await append(executionStream('cli-small'), [started('examples/invoice-small.json'), step('record-start'), modelInvoked, step('extract-invoice'), step('check-grounding'), step('apply-policy')]);
  await append(approvalStream('cli-small-1'), [
    { type: 'ApprovalAutoDecided', actor: 'step:apply-policy', data: { approvalId: 'cli-small-1', executionId: 'cli-small', decision: 'approve', reason: 'known vendor below 5000.00 EUR' } },
  ]);
  await append(executionStream('cli-small'), [
    { type: 'SecretRead', actor: 'step:pay-invoice', data: { step: 'pay-invoice', name: 'wardflow/test/payments-api-key', versionId: 'v-1' } },
    { type: 'PaymentRecorded', actor: 'step:pay-invoice', data: { paymentId: 'ledger-cli-small', approvalId: 'cli-small-1', vendor: 'Acme Office Supplies', invoiceNumber: 'INV-2026-0042', currency: 'EUR', amount: '4999.99', mode: 'ledger-only' } },
    step('pay-invoice'),
    { type: 'ExecutionSucceeded', actor: 'step:record-outcome', data: {} },
    step('record-outcome'),
  ]);

  await reachGate('cli-large');

  // Decided by the approver (record-decision): the approval is closed though the execution still runs.
  const decided = await reachGate('cli-unknown');
  await append(approvalStream(decided), [
    { type: 'ApprovalDecided', actor: 'approver:0', data: { approvalId: decided, executionId: 'cli-unknown', approverIndex: 0, decision: 'approve' }, sensitive: { approver: APPROVER, comment: COMMENT } },
  ]);
  await append(executionStream('cli-unknown'), [step('record-decision')]);

  await append(executionStream('cli-malformed'), [
    started('examples/invoice-malformed.json'),
    step('record-start'),
    modelInvoked,
    { type: 'ValidationFailed', actor: 'step:extract-invoice', data: { step: 'extract-invoice', source: 'model output', issues: [{ path: 'amount', expected: 'a decimal amount' }] } },
    { type: 'ExecutionFailed', actor: 'step:record-outcome', data: { error: 'ValidationFailed' } },
    step('record-outcome'),
  ]);

  await reachGate('cli-stopped');
  // Its end recorded after the fact, as record-execution-end does: the approval stays pending on record.
  await append(executionStream('cli-stopped'), [{ type: 'ExecutionFailed', actor: 'system:record-execution-end', data: { error: 'ExecutionAborted', status: 'ABORTED' } }]);
  await reachGate('cli-lost');
  await reachGate('cli-order', { data: { workflow: 'invoice-approval', subject: ORDER_SUBJECT }, approvers: [APPROVER, SECOND_APPROVER] });

  // Someone with write access to the table lowers the amount of a pending request in place.
  const tampered = await reachGate('cli-tampered');
  const [requested] = await store.read(approvalStream(tampered));
  const forged = { ...requested!.data, summary: { ...NORTHWIND, amount: '12.48' } };
  await dynamo.client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: { stream: { S: approvalStream(tampered) }, version: { N: '1' } },
      UpdateExpression: 'SET #data = :data',
      ExpressionAttributeNames: { '#data': 'data' },
      ExpressionAttributeValues: { ':data': { S: JSON.stringify(forged) } },
    }),
  );
  folder = localRuntimeFolder({ dynamodb: dynamo.endpoint, eventsTable: table });
});

afterAll(async () => {
  folder?.remove();
  await dynamo?.stop();
});

beforeEach(() => answerStepFunctions(['cli-small', 'cli-large', 'cli-unknown', 'cli-malformed']));

const cli = (...args: string[]) => runCliCaptured([...args, '--data-dir', folder.dir]);

/** Nothing planted may leave the store through the CLI, in any mode. */
function expectNothingPlanted(text: string): void {
  expect(text).not.toContain(APPROVER);
  expect(text).not.toContain(SECOND_APPROVER);
  expect(text).not.toContain(TASK_TOKEN);
  expect(text).not.toContain(DOCUMENT_LINE);
  expect(text).not.toContain(COMMENT);
  expect(text).not.toContain('Jane');
}

describe('wardflow status', () => {
  it('shows what Step Functions says and the verified history of the execution and its approval, approvers by number', async () => {
    const run = await cli('status', 'cli-unknown');
    expect(run.code).toBe(0);
    expect(run.err).toEqual([]);
    expect(run.out.slice(0, 5)).toEqual([
      'Execution  invoice-approval:cli-unknown',
      'Workflow   invoice-approval',
      'Status     RUNNING',
      'Started    2026-12-01T09:02:00Z',
      'Stopped    -',
    ]);
    expect(run.stdout).toContain('execution#cli-unknown: running (');
    expect(run.stdout).toContain('hash chain verified)');
    expect(run.stdout).toContain('approval#cli-unknown-1: approved (2 events, hash chain verified)');
    expect(run.out[7]).toMatch(/^VERSION\s+TIME\s+TYPE\s+ACTOR\s+SEALED\s+DATA$/);
    // ExecutionStarted's invoice text is sealed: shown as such, never opened.
    expect(run.out[8]).toMatch(/^1\s+2026-12-01T09:00:00Z\s+ExecutionStarted\s+step:record-start\s+sealed\s+workflow=invoice-approval source=examples\/invoice-large.json$/);
    // The request's data, without the approval id the stream already names.
    expect(run.out.find((line) => line.includes('ApprovalRequested  step:request-approval  sealed'))).toMatch(
      /sealed  vendor=Northwind Traders amount=12480.00 currency=USD expiresAt=2026-12-02T08:59:00.000Z approvers=1$/,
    );
    const decided = run.out.find((line) => line.includes('ApprovalDecided'));
    expect(decided).toMatch(/ApprovalDecided\s+approver #1\s+sealed\s+decision=approve approver=#1$/);
    expectNothingPlanted(run.stdout + run.stderr);
  });

  it('prints one JSON document with --json: the execution, and every event with its clear data and sealed parts flagged', async () => {
    const run = await cli('status', executionArn('cli-large'), '--json');
    expect(run.code).toBe(0);
    expect(run.out).toHaveLength(1);
    const doc = JSON.parse(run.stdout) as {
      execution: Record<string, unknown>;
      history: { stream: string; state: string; verified: boolean; events: { version: number; type: string; actor: string; data: Record<string, unknown>; sealed: boolean }[] }[];
    };
    expect(doc.execution).toEqual({
      id: 'invoice-approval:cli-large',
      workflow: 'invoice-approval',
      executionArn: executionArn('cli-large'),
      status: 'RUNNING',
      startDate: '2026-12-01T09:01:00.000Z',
      stopDate: null,
      error: null,
    });
    expect(doc.history.map((h) => [h.stream, h.state, h.verified])).toEqual([
      ['execution#cli-large', 'waiting-for-approval', true],
      ['approval#cli-large-1', 'pending', true],
    ]);
    const [requested] = doc.history[1]!.events;
    expect(requested).toMatchObject({ version: 1, type: 'ApprovalRequested', actor: 'step:request-approval', sealed: true });
    expect(requested!.data).toMatchObject({ approverCount: 1, summary: { vendor: 'Northwind Traders', amount: '12480.00' } });
    expect(doc.history[0]!.events.map((e) => e.version)).toEqual(doc.history[0]!.events.map((_, i) => i + 1));
    expectNothingPlanted(run.stdout + run.stderr);

    // A decision names its approver by position, in the actor and in the data; the address stays sealed.
    const decided = await cli('status', 'cli-unknown', '--json');
    const approval = (JSON.parse(decided.stdout) as typeof doc).history[1]!;
    expect(approval.events[1]).toMatchObject({ type: 'ApprovalDecided', actor: 'approver:0', data: { approverIndex: 0, decision: 'approve' }, sealed: true });
    expectNothingPlanted(decided.stdout + decided.stderr);
  });

  it('shows the auto-approval of an execution whose own stream does not name it, and a failure by its error name only', async () => {
    const small = await cli('status', 'cli-small', '--json');
    const doc = JSON.parse(small.stdout) as { history: { stream: string; state: string; events: { type: string }[] }[] };
    expect(doc.history.map((h) => [h.stream, h.state])).toEqual([
      ['execution#cli-small', 'succeeded'],
      ['approval#cli-small-1', 'approved'],
    ]);
    expect(doc.history[1]!.events.map((e) => e.type)).toEqual(['ApprovalAutoDecided']);

    const failed = await cli('status', 'cli-malformed');
    expect(failed.code).toBe(0);
    expect(failed.out).toContain('Error      ValidationFailed');
    expect(failed.stdout).toContain('execution#cli-malformed: failed (');
    expect(failed.stdout).not.toContain('approval#');
    expectNothingPlanted(failed.stdout + failed.stderr);
  });

  it('asks Step Functions for metadata only: no input or output, so no kms:Decrypt on the state machine key', async () => {
    const run = await cli('status', 'cli-malformed');
    expect(run.code).toBe(0);
    const asked = sfn.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input);
    expect(asked.length).toBeGreaterThan(0);
    for (const input of asked) expect(input).toMatchObject({ includedData: 'METADATA_ONLY' });
  });

  it('prints a model-written title with its escape sequences, bidirectional override and line breaks taken out, in the table and in --json', async () => {
    answerStepFunctions(['cli-order']);
    const run = await cli('status', 'cli-order');
    expect(run.code).toBe(0);
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
    expect(run.stdout).not.toMatch(raw);
    // The title stayed in its row: the line break planted in it faked none.
    expect(run.out.filter((line) => line.startsWith('cli-fake'))).toEqual([]);
    expect(run.out.find((line) => line.includes('ApprovalRequested  step:request-approval  sealed') && line.includes('title='))).toContain('title=Order PO-7 [2J ]0;pwned from Contoso cli-fake-1');
    const json = await cli('status', 'cli-order', '--json');
    expect(json.stdout).not.toMatch(raw);
    expect(json.stdout).toContain('\\u202eContoso');
    expectNothingPlanted(run.stdout + json.stdout);
  });

  it('names an unknown execution and where to find the ids', async () => {
    const run = await cli('status', 'no-such-run');
    expect(run.code).toBe(1);
    expect(run.out).toEqual([]);
    expect(run.err).toEqual(['wardflow: no execution "no-such-run" in workflow invoice-approval. `wardflow executions` lists the recent ones.']);
  });

  it('refuses to show a history whose hash chain is broken, naming the first bad event', async () => {
    answerStepFunctions(['cli-tampered']);
    const run = await cli('status', 'cli-tampered', '--json');
    expect(run.code).toBe(1);
    expect(run.out).toEqual([]);
    expect(JSON.parse(run.stderr)).toEqual({
      error: {
        name: 'HistoryUnverified',
        message:
          'the history of approval#cli-tampered-1 failed verification at version 1 (hash mismatch: content changed); it is not shown. Treat the stream as compromised: compare it with the audit archive and investigate.',
      },
    });
  });
});

describe('wardflow approvals', () => {
  const HEADER = 'APPROVAL     EXECUTION                   WORKFLOW          SUBJECT                                  EXPIRES               APPROVERS';
  const LEGACY_ROW = 'cli-large-1  invoice-approval:cli-large  invoice-approval  Invoice NW-88213 from Northwind Traders  2026-12-02T08:59:00Z  1';

  it('lists the approvals waiting for a human: workflow, the subject\'s title and the number of approvers (a legacy request by its invoice summary)', async () => {
    const run = await cli('approvals');
    expect(run.code).toBe(0);
    expect(run.err).toEqual([]);
    // cli-unknown is RUNNING too, but its approval is decided; cli-small and cli-malformed have ended.
    expect(run.out).toEqual([HEADER, LEGACY_ROW]);
    expectNothingPlanted(run.stdout);
  });

  it('prints recorded titles with every control character flattened and no bidirectional override, cut to fit', async () => {
    answerStepFunctions(['cli-order', 'cli-large']);
    const run = await cli('approvals');
    expect(run.code).toBe(0);
    const [header, order, large, ...more] = run.out;
    expect(more).toEqual([]);
    expect(header).toMatch(/^APPROVAL\s+EXECUTION\s+WORKFLOW\s+SUBJECT\s+EXPIRES\s+APPROVERS$/);
    expect(order).toMatch(/^cli-order-1  invoice-approval:cli-order  invoice-approval  Order PO-7 \[2J \]0;pwned from Contoso cli-fake-1  cli-fake\.\.\.\s+2026-12-02T08:59:00Z  2$/);
    expect(large).toMatch(/^cli-large-1  invoice-approval:cli-large  invoice-approval  Invoice NW-88213 from Northwind Traders\s+2026-12-02T08:59:00Z  1$/);
    // Nothing a terminal would obey, and the fake row stayed inside its cell.
    expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(run.out.filter((line) => line.startsWith('cli-fake'))).toEqual([]);
    expectNothingPlanted(run.stdout + run.stderr);
  });

  it('prints a JSON array with --json: workflow, title and fields as recorded, control characters escaped, approvers counted, never named', async () => {
    answerStepFunctions(['cli-order', 'cli-large', 'cli-unknown']);
    const run = await cli('approvals', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      {
        approvalId: 'cli-order-1',
        executionId: 'invoice-approval:cli-order',
        workflow: 'invoice-approval',
        title: ORDER_SUBJECT.title,
        fields: ORDER_SUBJECT.fields,
        expiresAt: '2026-12-02T08:59:00.000Z',
        approverCount: 2,
      },
      {
        approvalId: 'cli-large-1',
        executionId: 'invoice-approval:cli-large',
        workflow: 'invoice-approval',
        title: 'Invoice NW-88213 from Northwind Traders',
        fields: [
          { label: 'Vendor', value: 'Northwind Traders' },
          { label: 'Invoice number', value: 'NW-88213' },
          { label: 'Amount', value: '12480.00 USD' },
        ],
        expiresAt: '2026-12-02T08:59:00.000Z',
        approverCount: 1,
      },
    ]);
    // Exact values, yet no raw control character in the text: each is a \u escape inside its string.
    expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(run.stdout).toContain('\\u001b[2J');
    expect(run.stdout).toContain('\\u202eContoso');
    expect(run.stdout).toContain('Note\\u009b');
    expect(run.stdout).toContain('first\\u2028second');
    expect(sfn.commandCalls(ListExecutionsCommand)[0]!.args[0].input).toMatchObject({ stateMachineArn: INVOICE_MACHINE_ARN, statusFilter: 'RUNNING' });
    expectNothingPlanted(run.stdout + run.stderr);
  });

  it('leaves out an approval whose stream fails verification, says so on stderr and exits 1', async () => {
    answerStepFunctions(['cli-large', 'cli-tampered']);
    const run = await cli('approvals', '--json');
    expect(run.code).toBe(1);
    expect((JSON.parse(run.stdout) as { approvalId: string }[]).map((a) => a.approvalId)).toEqual(['cli-large-1']);
    expect(run.err).toEqual([expect.stringContaining('wardflow: the history of approval#cli-tampered-1 failed verification at version 1')]);
  });

  it('says so when nothing waits', async () => {
    answerStepFunctions(['cli-small']);
    const run = await cli('approvals');
    expect(run.out).toEqual([`No approvals are waiting on the local runtime of ${folder.dir}.`]);
  });

  it('leaves out approvals whose execution ended (stopped, or ended between listing and asking) and says how many', async () => {
    answerStepFunctions(['cli-large', 'cli-stopped', 'cli-lost', 'cli-malformed', 'cli-small']);
    const note =
      '2 approvals left out because their executions ended: cli-lost-1 (execution invoice-approval:cli-lost FAILED), cli-stopped-1 (execution invoice-approval:cli-stopped ABORTED). `wardflow status <execution>` shows their history.';
    const run = await cli('approvals');
    expect(run.code).toBe(0);
    expect(run.err).toEqual([]);
    expect(run.out).toEqual([HEADER, LEGACY_ROW, note]);
    // The listed one was asked again, metadata only (no input read).
    expect(sfn.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input)).toEqual(
      expect.arrayContaining([{ executionArn: executionArn('cli-large'), includedData: 'METADATA_ONLY' }, { executionArn: executionArn('cli-lost'), includedData: 'METADATA_ONLY' }]),
    );

    // --json: stdout stays one JSON document, the note goes to stderr.
    const json = await cli('approvals', '--json');
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { approvalId: string }[]).map((a) => a.approvalId)).toEqual(['cli-large-1']);
    expect(json.err).toEqual([`wardflow: ${note}`]);
    expectNothingPlanted(run.stdout + json.stdout + json.stderr);
  });

  it('says how many were left out even when nothing is left to list', async () => {
    answerStepFunctions(['cli-stopped', 'cli-small']);
    const run = await cli('approvals');
    expect(run.code).toBe(0);
    expect(run.out).toEqual([
      `No approvals are waiting on the local runtime of ${folder.dir}.`,
      '1 approval left out because its execution ended: cli-stopped-1 (execution invoice-approval:cli-stopped ABORTED). `wardflow status <execution>` shows its history.',
    ]);
  });
});

describe('execution ids qualified by workflow', () => {
  const VENDOR_MACHINE_ARN = INVOICE_MACHINE_ARN.replace(':invoice-approval', ':vendor-bank-details');
  let twoWorkflows: ReturnType<typeof localRuntimeFolder>;
  const cli2 = (...args: string[]) => runCliCaptured([...args, '--data-dir', twoWorkflows.dir]);

  beforeAll(async () => {
    // As the state machines write them now: `execution#<workflow>:<name>`. `shared-1` is an execution
    // name both workflows have; `only-vendor` is the vendor workflow's alone.
    await append(executionStream('invoice-approval:shared-1'), [started('examples/invoice-small.json'), step('record-start')]);
    await append(executionStream('vendor-bank-details:shared-1'), [{ ...started('letter.txt'), data: { workflow: 'vendor-bank-details', source: 'letter.txt' } }, step('record-start'), step('read-letter')]);
    await append(executionStream('vendor-bank-details:only-vendor'), [{ ...started('letter.txt'), data: { workflow: 'vendor-bank-details', source: 'letter.txt' } }, step('record-start')]);
    twoWorkflows = localRuntimeFolder({ dynamodb: dynamo.endpoint, eventsTable: table, stateMachines: { 'invoice-approval': INVOICE_MACHINE_ARN, 'vendor-bank-details': VENDOR_MACHINE_ARN } });
  });
  afterAll(() => twoWorkflows?.remove());

  beforeEach(() => {
    sfn.reset();
    const known = [
      { executionArn: executionArn('shared-1'), name: 'shared-1' },
      { executionArn: executionArn('shared-1', VENDOR_MACHINE_ARN), name: 'shared-1' },
      { executionArn: executionArn('only-vendor', VENDOR_MACHINE_ARN), name: 'only-vendor' },
    ];
    sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
      const item = known.find((k) => k.executionArn === input.executionArn);
      if (!item) throw Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' });
      return { ...item, status: 'RUNNING', startDate: new Date('2026-12-01T10:00:00Z') };
    });
  });

  it("shows the named workflow's execution and its own stream, not the other workflow's of the same name", async () => {
    const run = await cli2('status', 'vendor-bank-details:shared-1', '--json');
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { execution: { id: string; workflow: string }; history: { stream: string; events: { type: string }[] }[] };
    expect(doc.execution).toMatchObject({ id: 'vendor-bank-details:shared-1', workflow: 'vendor-bank-details' });
    expect(doc.history[0]!.stream).toBe('execution#vendor-bank-details:shared-1');
    expect(doc.history[0]!.events.map((e) => e.type)).toEqual(['ExecutionStarted', 'StepSucceeded', 'StepSucceeded']);
    // Only the named workflow's state machine was asked.
    expect(sfn.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input.executionArn)).toEqual([executionArn('shared-1', VENDOR_MACHINE_ARN)]);
  });

  it('finds a bare name in the one workflow that has it', async () => {
    const run = await cli2('status', 'only-vendor', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { history: { stream: string }[] }).history[0]!.stream).toBe('execution#vendor-bank-details:only-vendor');
  });

  it('refuses a bare name two workflows have, listing the qualified ids to use', async () => {
    const run = await cli2('status', 'shared-1');
    expect(run.code).toBe(1);
    expect(run.out).toEqual([]);
    expect(run.err).toEqual(['wardflow: executions named "shared-1" exist in 2 workflows; name one with its workflow: invoice-approval:shared-1, vendor-bank-details:shared-1']);
  });

  it('says which workflow it looked in for a qualified id it does not find', async () => {
    const run = await cli2('status', 'invoice-approval:only-vendor');
    expect(run.code).toBe(1);
    expect(run.err[0]).toMatch(/^wardflow: no execution "invoice-approval:only-vendor" in workflow invoice-approval\./);
  });
});

describe('the read-only sealer', () => {
  it('refuses to seal or open, so the CLI can never decrypt or append', async () => {
    await expect(refusingSealer.open('AAAA', { stream: 'execution#x', version: 1 })).rejects.toThrow(/never opens sealed event data/);
    await expect(refusingSealer.seal({ a: 1 }, { stream: 'execution#x', version: 1 })).rejects.toThrow(/cannot seal, and never appends/);
  });
});
