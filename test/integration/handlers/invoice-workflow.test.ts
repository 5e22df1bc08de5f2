import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as applyPolicy } from '../../../functions/workflows/invoice-approval/apply-policy/handler.js';
import { handler as checkGrounding } from '../../../functions/workflows/invoice-approval/check-grounding/handler.js';
import { handler as extractInvoice } from '../../../functions/workflows/invoice-approval/extract-invoice/handler.js';
import { handler as payInvoice } from '../../../functions/workflows/invoice-approval/pay-invoice/handler.js';
import { handler as recordDecision } from '../../../functions/record-decision/handler.js';
import { handler as recordOutcome } from '../../../functions/record-outcome/handler.js';
import { handler as recordStart } from '../../../functions/record-start/handler.js';
import { handler as requestApproval } from '../../../functions/request-approval/handler.js';
import { ApprovalClosed, ApprovalExpired, ConcurrencyConflict, ValidationFailed } from '../../../functions/shared/errors.js';
import { approvalState, executionState } from '../../../functions/shared/events/fold.js';
import { openSealed } from '../../../functions/shared/events/open-sealed.js';
import type { Invoice } from '../../../functions/workflows/invoice-approval/domain/invoice.js';
import { acceptTaskCallbacks, answerPaymentsSecret, callStep, captureOutput, deliveries, exampleInput, failureOf, invoiceGateInput, invoiceSubject, STEP_ENV, stubStepEnvironment, registerSampleVendor, undoTestStubs, useHandlerWorld } from './harness.js';

const PAYMENTS_KEY = 'sk_test_payments_4f9a1c2e';
const TASK_TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAY-secret-task-token-0123456789';
const secretsManager = mockClient(SecretsManagerClient);
const sfnMock = mockClient(SFNClient);

const world = useHandlerWorld({ stepFunctions: true });
// Acme's bank details in the vendor register, so its invoice can be auto-approved.
beforeAll(registerSampleVendor);
let output: string[] = [];
beforeEach(() => {
  stubStepEnvironment({ paymentsApiUrl: '' });
  answerPaymentsSecret(secretsManager, { secretString: PAYMENTS_KEY, versionId: 'v-1', onlyForSecretId: true });
  acceptTaskCallbacks(sfnMock);
  // Everything the steps print, to prove that no document text, secret or token reaches the logs.
  output = captureOutput();
});
afterEach(() => undoTestStubs(world));

/** start -> extract -> grounding -> policy, as the state machine runs them. */
async function runToPolicy(executionId: string, file: string) {
  const { invoiceText, source } = exampleInput(file);
  await callStep(recordStart, executionId, { invoiceText, source });
  const invoice = (await callStep(extractInvoice, executionId, { invoiceText })) as Invoice;
  await callStep(checkGrounding, executionId, { invoiceText, invoice });
  const policy = (await callStep(applyPolicy, executionId, { invoice })) as { knownVendor: boolean; check: string; reason: string; approvalId: string };
  return { invoiceText, invoice, policy };
}

describe('invoice-approval steps against dynalite', () => {
  it('auto-approves and pays the small invoice, with every fact in the stream and nothing sensitive in clear', async () => {
    const id = 'exec-small';
    const { invoiceText, invoice, policy } = await runToPolicy(id, 'invoice-small.json');
    expect(invoice).toEqual({ vendor: 'Acme Office Supplies', invoiceNumber: 'INV-2026-0042', currency: 'EUR', amount: '4999.99', dueDate: '2026-12-31', iban: 'IE48XMPL93115212345678' });
    expect(policy).toMatchObject({ knownVendor: true, check: 'registered-account', approvalId: `${id}-1` });
    // The gate's policy auto-approves it (known vendor, under 5,000) and answers its own token at once.
    await callStep(requestApproval, id, invoiceGateInput(id, invoice, policy.knownVendor), TASK_TOKEN);
    const [delivered] = deliveries(sfnMock);
    expect(delivered?.args[0]).toBeInstanceOf(SendTaskSuccessCommand);
    expect(JSON.parse(String((delivered!.args[0].input as { output: string }).output))).toEqual({ approved: true, approvalId: `${id}-1`, rule: 'known-vendor-under-5000' });
    expect(await callStep(payInvoice, id, { invoice })).toEqual({ paymentId: `ledger-${id}` });
    expect(await callStep(recordOutcome, id, { outcome: 'succeeded' })).toEqual({ outcome: 'succeeded' });

    const events = await world.executionEvents(id);
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted', 'StepSucceeded',
      'GuardTriggered', 'ModelInvoked', 'StepSucceeded', // the PII guard redacted the IBAN for the model
      'StepSucceeded',
      'StepSucceeded',
      'StepSucceeded', // the gate: decided by its policy, nobody asked
      'SecretRead', 'PaymentRecorded', 'StepSucceeded',
      'ExecutionSucceeded', 'StepSucceeded',
    ]);
    expect(executionState(events).status).toBe('succeeded');
    // Started by calling the step directly: nobody said who.
    expect(events[0]!.data).toEqual({ workflow: 'invoice-approval', source: 'examples/invoice-small.json', startedBy: 'unknown', startedThrough: 'other' });
    expect(await openSealed(events[0]!, world.deps.sealer)).toEqual({ input: { invoiceText } });
    expect(events[2]!.data).toMatchObject({ step: 'extract-invoice', guard: 'pii', verdict: 'redact', spans: [expect.objectContaining({ kind: 'IBAN', field: 'invoiceText' })] });
    expect(events[3]!.data).toMatchObject({ modelId: 'local.invoice-parser-v1', provider: 'local-stand-in', costUsd: 0 });
    // The model was given the invoice with its account as a placeholder; the step put the IBAN back in its answer.
    const IBAN_AS_PRINTED = 'IE48 XMPL 9311 5212 3456 78';
    expect((await openSealed(events[3]!, world.deps.sealer)).prompt).toBe(invoiceText.replace(IBAN_AS_PRINTED, '[IBAN_1]'));
    expect(events.find((e) => e.type === 'SecretRead')!.data).toMatchObject({ name: STEP_ENV.PAYMENTS_SECRET_ID, versionId: 'v-1' });
    expect(events.find((e) => e.type === 'PaymentRecorded')!.data).toMatchObject({ paymentId: `ledger-${id}`, mode: 'ledger-only', amount: '4999.99' });

    const approval = await world.approvalEvents(`${id}-1`);
    expect(approval.map((e) => e.type)).toEqual(['ApprovalAutoDecided']);
    expect(approval[0]).toMatchObject({ actor: 'policy:known-vendor-under-5000', data: { decision: 'approve', rule: 'known-vendor-under-5000' } });
    expect(approvalState(approval).status).toBe('approved');

    expect(output.join('')).toContain('exec-small'); // the steps did log (at DEBUG), so the checks below see their lines
    const everything = JSON.stringify([...events, ...approval].map((e) => e.data)) + output.join('');
    expect(everything).not.toContain('Ergonomic');
    // The account the invoice is paid to stays out of clear data and logs, as the register keeps it sealed.
    expect(everything).not.toMatch(/IE48|93115212345678/);
    expect(everything).not.toContain(PAYMENTS_KEY);
  });

  it('takes a retried start of the same execution as done, and refuses a start with other facts', async () => {
    const { invoiceText, source } = exampleInput('invoice-small.json');
    await callStep(recordStart, 'exec-twice', { invoiceText, source });
    // A Step Functions retry after the write landed: succeeds without a second ExecutionStarted.
    expect(await callStep(recordStart, 'exec-twice', { invoiceText, source })).toEqual({});
    expect(await failureOf(callStep(recordStart, 'exec-twice', { invoiceText, source: 'examples/other.json' }))).toBeInstanceOf(ConcurrencyConflict);
    expect(await failureOf(callStep(recordStart, 'exec-twice', { invoiceText }))).toBeInstanceOf(ConcurrencyConflict);
    expect((await world.executionEvents('exec-twice')).filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
  });

  it('refuses a new execution that reuses the name of a finished one, leaving the old record and its approval alone', async () => {
    // Step Functions lets a STANDARD execution name be reused 90 days after the first run.
    const id = 'exec-reused-name';
    const { invoice, policy } = await runToPolicy(id, 'invoice-small.json');
    await callStep(requestApproval, id, invoiceGateInput(id, invoice, policy.knownVendor), TASK_TOKEN);
    await callStep(payInvoice, id, { invoice });
    await callStep(recordOutcome, id, { outcome: 'succeeded' });
    const finished = await world.executionEvents(id);
    expect(executionState(finished).status).toBe('succeeded');

    // The new run: another invoice under the old name, with the same source and with none.
    const { invoiceText: otherText, source } = exampleInput('invoice-large.json');
    const small = exampleInput('invoice-small.json');
    for (const input of [{ invoiceText: otherText, source: small.source }, { invoiceText: otherText, source }, { invoiceText: otherText }]) {
      expect(await failureOf(callStep(recordStart, id, input))).toBeInstanceOf(ConcurrencyConflict);
    }
    const after = await world.executionEvents(id);
    expect(after.slice(0, finished.length)).toEqual(finished);
    // Only the refused attempts' own failure records (the audit of every invocation); no second start.
    expect(after.slice(finished.length).map((e) => [e.type, e.data.step, e.data.error])).toEqual(
      Array.from({ length: 3 }, () => ['StepFailed', 'record-start', 'ConcurrencyConflict']),
    );
    expect(after.filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
    expect(executionState(after).status).toBe('succeeded');

    // Should a new run get past the start anyway, the old auto-approval is not reused for it.
    expect(await failureOf(callStep(applyPolicy, id, { invoice }))).toBeInstanceOf(ConcurrencyConflict);
    expect((await world.approvalEvents(`${id}-1`)).map((e) => e.type)).toEqual(['ApprovalAutoDecided']);
  });

  it('stops the large invoice at the gate, then an approval sends the decrypted token to Step Functions', async () => {
    const id = 'exec-large';
    const { invoice, policy } = await runToPolicy(id, 'invoice-large.json');
    expect(policy).toMatchObject({ knownVendor: false, check: 'vendor-not-registered', approvalId: `${id}-1` });
    expect(await world.approvalEvents(policy.approvalId)).toEqual([]);

    expect(await callStep(requestApproval, id, { approvalId: policy.approvalId, subject: invoiceSubject(invoice) }, TASK_TOKEN)).toEqual({ approvalId: policy.approvalId });
    const [requested] = await world.approvalEvents(policy.approvalId);
    expect(requested!.data).toEqual({
      approvalId: policy.approvalId,
      executionId: id,
      approverCount: 1,
      // APPROVAL_TIMEOUT_SECONDS (86400) less the 60 s margin for the task timer started before the Lambda.
      expiresAt: '2026-12-02T08:59:00.000Z',
      workflow: 'invoice-approval',
      subject: {
        title: 'Invoice NW-88213 from Northwind Traders',
        fields: [
          { label: 'Vendor', value: 'Northwind Traders' },
          { label: 'Invoice number', value: 'NW-88213' },
          { label: 'Amount', value: '12480.00' },
          { label: 'Currency', value: 'USD' },
          { label: 'Due date', value: invoice.dueDate },
        ],
      },
    });
    // Who may decide is sealed with the task token: personal data stays out of the clear part.
    expect(await openSealed(requested!, world.deps.sealer)).toEqual({ taskToken: TASK_TOKEN, approvers: ['approver@example.com'] });
    expect(executionState(await world.executionEvents(id)).status).toBe('waiting-for-approval');

    // Not an approver: refused (the attempt on record, without the address), nothing decided, the gate told nothing.
    const stranger = await failureOf(callStep(recordDecision, id, { approvalId: policy.approvalId, approver: 'mallory@example.com', decision: 'approve' }));
    expect(stranger).toBeInstanceOf(ValidationFailed);
    expect(deliveries(sfnMock)).toHaveLength(0);

    const decided = await callStep(recordDecision, id, { approvalId: policy.approvalId, approver: 'Approver@Example.com', decision: 'approve', comment: 'ok, contract renewal' });
    expect(decided).toEqual({ approvalId: policy.approvalId, status: 'approved' });
    const success = sfnMock.commandCalls(SendTaskSuccessCommand);
    expect(success).toHaveLength(1);
    expect(success[0]!.args[0].input.taskToken).toBe(TASK_TOKEN);
    expect(JSON.parse(success[0]!.args[0].input.output!)).toEqual({ approved: true, approvalId: policy.approvalId, approverIndex: 0 });

    const approval = await world.approvalEvents(policy.approvalId);
    expect(approval.map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalAttemptRefused', 'ApprovalDecided']);
    expect(approval[1]!.data).toMatchObject({ reason: 'wrong-approver' });
    expect(approval[2]).toMatchObject({ actor: 'approver:0', data: { approvalId: policy.approvalId, executionId: id, approverIndex: 0, decision: 'approve' } });
    // The address as the request listed it (not as typed), sealed with the comment.
    expect(await openSealed(approval[2]!, world.deps.sealer)).toEqual({ approver: 'approver@example.com', comment: 'ok, contract renewal' });
    expect(approvalState(approval).status).toBe('approved');

    // A second click changes nothing.
    const again = await failureOf(callStep(recordDecision, id, { approvalId: policy.approvalId, approver: 'approver@example.com', decision: 'reject' }));
    expect(again).toBeInstanceOf(ApprovalClosed);
    expect(deliveries(sfnMock)).toHaveLength(1);

    // The human approval lets the payment through.
    expect(await callStep(payInvoice, id, { invoice })).toEqual({ paymentId: `ledger-${id}` });
    const everything = JSON.stringify([...approval, ...(await world.executionEvents(id))].map((e) => e.data)) + output.join('');
    expect(everything).not.toContain(TASK_TOKEN);
    expect(everything).not.toContain('contract renewal');
    expect(everything.toLowerCase()).not.toContain('approver@example.com');
  });

  it('records the new token when Step Functions retries the gate task, and answers with the newest one', async () => {
    const id = 'exec-gate-retry';
    const { invoice, policy } = await runToPolicy(id, 'invoice-large.json');
    const retryToken = `${TASK_TOKEN}-retry-2`;
    await callStep(requestApproval, id, { approvalId: policy.approvalId, subject: invoiceSubject(invoice) }, TASK_TOKEN);
    // The first attempt's ApprovalRequested landed, then Lambda reported a service error: a retry, new token.
    expect(await callStep(requestApproval, id, { approvalId: policy.approvalId, subject: invoiceSubject(invoice) }, retryToken)).toEqual({ approvalId: policy.approvalId });
    const approval = await world.approvalEvents(policy.approvalId);
    expect(approval.map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalTokenReplaced']);
    expect(approvalState(approval).status).toBe('pending');
    expect(JSON.stringify(approval.map((e) => e.data))).not.toContain(TASK_TOKEN);

    // Another execution cannot hijack the approval by naming it.
    expect(await failureOf(callStep(requestApproval, 'exec-other', { approvalId: policy.approvalId, subject: invoiceSubject(invoice) }, 'other-token'))).toBeInstanceOf(ValidationFailed);

    await callStep(recordDecision, id, { approvalId: policy.approvalId, approver: 'approver@example.com', decision: 'approve' });
    const success = sfnMock.commandCalls(SendTaskSuccessCommand);
    expect(success.map((c) => c.args[0].input.taskToken)).toEqual([retryToken]);

    // Once decided, a late retry of the gate does not reopen the approval: it is answered with the decision.
    expect(await callStep(requestApproval, id, { approvalId: policy.approvalId, subject: invoiceSubject(invoice) }, 'late-token')).toEqual({ approvalId: policy.approvalId });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken)).toEqual([retryToken, 'late-token']);
    expect(approvalState(await world.approvalEvents(policy.approvalId)).status).toBe('approved');
  });

  it('routes the unknown vendor to a human and a rejection fails the task with ApprovalRejected', async () => {
    const id = 'exec-unknown';
    const { invoice, policy } = await runToPolicy(id, 'invoice-unknown-vendor.json');
    expect(policy).toMatchObject({ knownVendor: false, check: 'vendor-not-registered', reason: 'the vendor is not in the vendor register' });
    await callStep(requestApproval, id, { approvalId: policy.approvalId, subject: invoiceSubject(invoice) }, TASK_TOKEN);
    await callStep(recordDecision, id, { approvalId: policy.approvalId, approver: 'approver@example.com', decision: 'reject' });

    const failure = sfnMock.commandCalls(SendTaskFailureCommand);
    expect(failure).toHaveLength(1);
    expect(failure[0]!.args[0].input).toMatchObject({ taskToken: TASK_TOKEN, error: 'ApprovalRejected' });
    expect(failure[0]!.args[0].input.cause).not.toContain(TASK_TOKEN);
    // Rejected: the payment step refuses even if a broken state machine called it.
    expect((await failureOf(callStep(payInvoice, id, { invoice }))).name).toBe('PaymentFailed');
  });

  it('lets exactly one of two concurrent decisions through', async () => {
    const id = 'exec-race';
    const { invoice, policy } = await runToPolicy(id, 'invoice-large.json');
    await callStep(requestApproval, id, { approvalId: policy.approvalId, subject: invoiceSubject(invoice) }, TASK_TOKEN);
    const results = await Promise.allSettled([
      callStep(recordDecision, id, { approvalId: policy.approvalId, approver: 'approver@example.com', decision: 'approve' }),
      callStep(recordDecision, id, { approvalId: policy.approvalId, approver: 'approver@example.com', decision: 'reject' }),
    ]);
    const losers = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as Error).name);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(['ConcurrencyConflict', 'ApprovalClosed']).toContain(losers[0]);
    expect(deliveries(sfnMock)).toHaveLength(1);
    expect((await world.approvalEvents(policy.approvalId)).filter((e) => e.type === 'ApprovalDecided')).toHaveLength(1);
  });

  it('refuses a decision after the approval expired, and the timeout closes the approval', async () => {
    const id = 'exec-late';
    const { invoice, policy } = await runToPolicy(id, 'invoice-large.json');
    await callStep(requestApproval, id, { approvalId: policy.approvalId, subject: invoiceSubject(invoice) }, TASK_TOKEN);
    world.setNow(new Date('2026-12-02T09:00:00.000Z'));
    try {
      const late = await failureOf(callStep(recordDecision, id, { approvalId: policy.approvalId, approver: 'approver@example.com', decision: 'approve' }));
      expect(late).toBeInstanceOf(ApprovalExpired);
      expect(sfnMock.calls()).toHaveLength(0);

      const cause = `{"invoiceText":"${exampleInput('invoice-large.json').invoiceText.slice(0, 40)}"}`;
      await callStep(recordOutcome, id, { outcome: 'failed', error: { Error: 'States.Timeout', Cause: cause }, approvalId: policy.approvalId });
      expect(approvalState(await world.approvalEvents(policy.approvalId)).status).toBe('expired');
      const events = await world.executionEvents(id);
      // StepSucceeded is the commit marker, written after the step's facts.
      expect(events.at(-1)).toMatchObject({ type: 'StepSucceeded', data: { step: 'record-outcome' } });
      expect(events.at(-2)).toMatchObject({ type: 'ExecutionFailed', data: { error: 'States.Timeout' } });
      expect(executionState(events).status).toBe('failed');
      expect(JSON.stringify(events.map((e) => e.data))).not.toContain('Northwind Traders Ltd');
    } finally {
      world.setNow(new Date('2026-12-01T09:00:00.000Z'));
    }
  });
});
