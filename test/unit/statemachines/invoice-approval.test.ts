import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ApprovalPolicy } from '../../../functions/shared/approvals/policy/schema.js';
import { routeHoursOf } from '../../../functions/shared/approvals/policy/route-hours.js';
import { invoiceApproval } from '../../../statemachines/invoice-approval/workflow.js';
import { stateMachineOf, synthWardflow, templateOf } from '../cdk/synth.js';
import { type Asl, type State, renderDefinition } from './asl.js';

let asl: Asl;
let approvalTimeoutHours: number;

beforeAll(() => {
  const app = synthWardflow({ 'wardflow:stages': 'dev' });
  const [, machine] = stateMachineOf(templateOf(app, 'dev'), invoiceApproval);
  asl = renderDefinition(machine.Properties.DefinitionString);
  // The invoice gate has an approval policy: it waits as long as the policy's longest route (plus an hour).
  expect(invoiceApproval.gates?.approval.timeoutHours).toBeUndefined();
  const policy = ApprovalPolicy.parse(JSON.parse(readFileSync(invoiceApproval.gates!.approval.policy!.file, 'utf8')));
  approvalTimeoutHours = routeHoursOf(policy);
  // Manager 24 h, escalated 24 h more, then the directors 48 h: 96 h, and an hour's margin.
  expect(approvalTimeoutHours).toBe(97);
});

const statesOf = (type: string) => Object.entries(asl.States).filter(([, s]) => s.Type === type);
const isCallback = (s: State) => String(s.Resource).endsWith('.waitForTaskToken');
/** What the function receives: with payloadResponseOnly the Parameters are the payload; a callback wraps it in Payload. */
const payloadOf = (s: State) =>
  (isCallback(s) ? (s.Parameters as { Payload: Record<string, unknown> }).Payload : s.Parameters) as Record<string, unknown>;

describe('invoice approval workflow (ASL)', () => {
  it('matches the reviewed definition', () => {
    expect(asl).toMatchSnapshot();
  });

  it('reads like the business process', () => {
    const next = (name: string) => asl.States[name]!.Next;
    expect(asl.StartAt).toBe('RecordStart');
    expect(next('RecordStart')).toBe('ExtractInvoice');
    expect(next('ExtractInvoice')).toBe('CheckGrounding');
    expect(next('CheckGrounding')).toBe('ApplyPolicy');
    // Every invoice passes the gate: its approval policy approves at once or asks people.
    expect(next('ApplyPolicy')).toBe('ApprovalGate');
    expect(statesOf('Choice')).toEqual([]);
    expect(next('ApprovalGate')).toBe('PayInvoice');
    expect(next('PayInvoice')).toBe('RecordSuccess');
    expect(next('RecordSuccess')).toBe('InvoicePaid');
    expect(asl.States.InvoicePaid!.Type).toBe('Succeed');
  });

  it('gives every waitForTaskToken state a TimeoutSeconds equal to the longest route of its policy', () => {
    const callbacks = statesOf('Task').filter(([, s]) => isCallback(s));
    expect(callbacks.map(([name]) => name)).toEqual(['ApprovalGate']);
    for (const [, state] of callbacks) {
      expect(state.TimeoutSeconds).toBe(approvalTimeoutHours * 3600);
    }
  });

  it('passes the gate the execution, the token, the approval named after the execution, what approvers see, the policy and its facts; keeps the decision in $.approval', () => {
    expect(asl.States.ApprovalGate).toMatchObject({
      Parameters: {
        Payload: {
          'executionId.$': "States.Format('invoice-approval:{}', $$.Execution.Name)",
          'taskToken.$': '$$.Task.Token',
          input: {
            // The first gate's approval is `<workflow>:<execution name>-1`: every step finds the same approval stream (approvalIdFor),
            // and the stream is this workflow's (IAM grants approval#invoice-approval:*).
            'approvalId.$': "States.Format('invoice-approval:{}-1', $$.Execution.Name)",
            subject: {
              'title.$': "States.Format('Invoice {} from {}', $.invoice.invoiceNumber, $.invoice.vendor)",
              fields: [
                { label: 'Vendor', 'value.$': '$.invoice.vendor' },
                { label: 'Invoice number', 'value.$': '$.invoice.invoiceNumber' },
                { label: 'Amount', 'value.$': '$.invoice.amount' },
                { label: 'Currency', 'value.$': '$.invoice.currency' },
                { label: 'Due date', 'value.$': '$.invoice.dueDate' },
                // The vendor check's answer (value-free): "the invoice IBAN differs from ... the vendor register".
                { label: 'Vendor check', 'value.$': '$.policy.reason' },
              ],
            },
          },
        },
      },
      ResultPath: '$.approval',
    });
    // The id, the subject, the policy as data and the three facts it reads: the invoice itself stays in the state.
    const input = (asl.States.ApprovalGate!.Parameters as { Payload: { input: Record<string, unknown> } }).Payload.input;
    expect(Object.keys(input).sort()).toEqual(['approvalId.$', 'facts', 'policy', 'subject']);
    expect(input.facts).toEqual({ 'amount.$': '$.invoice.amount', 'currency.$': '$.invoice.currency', 'knownVendor.$': '$.policy.knownVendor' });
    expect(input.policy).toEqual(JSON.parse(readFileSync(invoiceApproval.gates!.approval.policy!.file, 'utf8')));
  });

  it('catches every error of every Task state', () => {
    const tasks = statesOf('Task');
    expect(tasks.length).toBe(8);
    for (const [name, state] of tasks) {
      const catchers = state.Catch as Array<{ ErrorEquals: string[] }> | undefined;
      expect(catchers, name).toBeDefined();
      expect(catchers!.some((c) => c.ErrorEquals.includes('States.ALL')), name).toBe(true);
    }
  });

  it('sends the gate timeout and every step failure down the failure path, which ends failed', () => {
    // Every step before the money moves; RecordSuccess (after PaymentRecorded) has its own ending, tested below.
    for (const name of ['ExtractInvoice', 'CheckGrounding', 'ApplyPolicy', 'PayInvoice']) {
      expect(asl.States[name]!.Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'DescribeFailure' }]);
    }
    // The gate's failures (a rejection, a timeout) name its approval, so record-outcome closes an expired one.
    expect(asl.States.ApprovalGate!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'DescribeGateFailure' }]);
    // RecordStart may face an input that is not an object (null, a string), where `$.error` cannot
    // be written: its failure replaces the state, and DescribeStartFailure rebuilds the same shape.
    expect(asl.States.RecordStart!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: 'DescribeStartFailure' }]);
    expect(asl.States.DescribeStartFailure).toMatchObject({
      Type: 'Pass',
      Parameters: { 'error.$': '$', failure: { outcome: 'failed', 'error.$': '$' } },
      Next: 'RecordFailure',
    });
    expect(asl.States.DescribeGateFailure).toMatchObject({
      Type: 'Pass',
      ResultPath: '$.failure',
      Parameters: { outcome: 'failed', 'error.$': '$.error', 'approvalId.$': "States.Format('invoice-approval:{}-1', $$.Execution.Name)" },
      Next: 'RecordFailure',
    });
    expect(asl.States.DescribeFailure).toMatchObject({ Type: 'Pass', ResultPath: '$.failure', Next: 'RecordFailure' });
    expect(asl.States.DescribeFailure!.Parameters).toEqual({ outcome: 'failed', 'error.$': '$.error' });
    // Recording the failure may fail too: the execution still ends, in FailureNotRecorded.
    expect(asl.States.RecordFailure!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.recordFailureError', Next: 'FailureNotRecorded' }]);
    expect(asl.States.FailureNotRecorded).toMatchObject({ Type: 'Fail', Error: 'FailureNotRecorded' });
    expect(asl.States.RecordFailure).toMatchObject({ Next: 'InvoiceApprovalFailed', Parameters: { 'input.$': '$.failure' } });
    expect(asl.States.InvoiceApprovalFailed).toMatchObject({ Type: 'Fail', ErrorPath: '$.error.Error' });
  });

  it('ends a failed RecordSuccess in PaidButNotRecorded: the invoice was paid, so no ExecutionFailed and no "not paid"', () => {
    expect(asl.States.RecordSuccess!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'PaidButNotRecorded' }]);
    const paidButNotRecorded = asl.States.PaidButNotRecorded as State & { Error: string; Cause: string };
    expect(paidButNotRecorded).toMatchObject({ Type: 'Fail', Error: 'PaidButNotRecorded' });
    expect(paidButNotRecorded.Cause).toContain('WAS paid');
    expect(paidButNotRecorded.Cause).toContain('PaymentRecorded');
    expect(paidButNotRecorded.Cause).not.toMatch(/not paid/i);
    // Nothing leads from PaidButNotRecorded back to RecordFailure; only RecordSuccess leads to it.
    const leadsTo = (target: string) =>
      Object.entries(asl.States)
        .filter(([name, state]) => name !== target && JSON.stringify(state).includes(`"${target}"`))
        .map(([name]) => name);
    expect(leadsTo('PaidButNotRecorded')).toEqual(['RecordSuccess']);
    expect(leadsTo('RecordFailure')).not.toContain('RecordSuccess');
  });

  it('retries transient failures a bounded number of times with backoff, and nothing else', () => {
    for (const [name, state] of statesOf('Task')) {
      const retries = state.Retry as Array<Record<string, unknown>>;
      // The gate also retries a failed approval email or an unreachable KMS (below).
      expect(retries, name).toHaveLength(isCallback(state) ? 2 : 1);
      expect(retries[0]).toMatchObject({ MaxAttempts: 3, BackoffRate: 2, IntervalSeconds: 2, MaxDelaySeconds: 30, JitterStrategy: 'FULL' });
      expect(retries[0]!.ErrorEquals).toEqual(expect.arrayContaining(['Lambda.TooManyRequestsException', 'ConcurrencyConflict']));
      expect(retries[0]!.ErrorEquals).not.toContain('States.ALL');
      expect(retries[0]!.ErrorEquals).not.toContain('States.Timeout');
    }
  });

  it('retries the gate, slowly and a bounded number of times, when the approval email or KMS failed', () => {
    const [gate] = statesOf('Task').filter(([, state]) => isCallback(state));
    const retries = gate![1].Retry as Array<Record<string, unknown>>;
    expect(retries[1]).toMatchObject({ ErrorEquals: ['NotificationFailed', 'SecretUnavailable'], IntervalSeconds: 30, MaxAttempts: 3, BackoffRate: 2 });
  });

  it('addresses every step by workflow-qualified execution id and returns only the function result for synchronous steps', () => {
    for (const [name, state] of statesOf('Task')) {
      expect(payloadOf(state)['executionId.$'], name).toBe("States.Format('invoice-approval:{}', $$.Execution.Name)");
      // payloadResponseOnly: the state invokes the function ARN itself and its result is the return value.
      if (!isCallback(state)) expect(String(state.Resource), name).toMatch(/^\$\{\w+Function\.Arn\}$/);
    }
    expect(asl.States.RecordStart).toMatchObject({ ResultPath: null, Parameters: { 'input.$': '$' } });
    expect(asl.States.ExtractInvoice).toMatchObject({ ResultPath: '$.invoice', Parameters: { input: { 'invoiceText.$': '$.invoiceText' } } });
    expect(asl.States.CheckGrounding).toMatchObject({ ResultPath: null, Parameters: { input: { 'invoiceText.$': '$.invoiceText', 'invoice.$': '$.invoice' } } });
    expect(asl.States.ApplyPolicy).toMatchObject({ ResultPath: '$.policy', Parameters: { input: { 'invoice.$': '$.invoice' } } });
    expect(asl.States.PayInvoice).toMatchObject({ ResultPath: '$.payment', Parameters: { input: { 'invoice.$': '$.invoice' } } });
    expect(asl.States.RecordSuccess!.Parameters).toMatchObject({ input: { outcome: 'succeeded' } });
  });

  it("bounds the whole execution by the gate's timeout plus one hour", () => {
    expect(asl.TimeoutSeconds).toBe(approvalTimeoutHours * 3600 + 3600);
  });
});
