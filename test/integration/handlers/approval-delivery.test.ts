import { DescribeExecutionCommand, SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as recordDecision } from '../../../functions/record-decision/handler.js';
import { handler as recordOutcome } from '../../../functions/record-outcome/handler.js';
import { handler as requestApproval } from '../../../functions/request-approval/handler.js';
import { ApprovalClosed, ApprovalExpired, ConcurrencyConflict, StepFailed, ValidationFailed } from '../../../functions/shared/errors.js';
import { approvalStream } from '../../../functions/shared/events/event.js';
import { approvalState, executionState } from '../../../functions/shared/events/fold.js';
import type { EventStore } from '../../../functions/shared/events/store.js';
import { setDependencies } from '../../../functions/shared/runtime.js';
import { acceptTaskCallbacks, callStep, deliveries, failureOf, invoiceSubject, silenceOutput, stubStepEnvironment, undoTestStubs, useHandlerWorld, LARGE_INVOICE as invoice } from './harness.js';

/**
 * The approval flow when delivery to Step Functions fails or races a retried gate task:
 * a decision on record always reaches the execution, with the newest token.
 */
const FIRST_TOKEN = 'AQCEAAAA-first-secret-task-token-0123456789';
const RETRY_TOKEN = 'AQCEAAAA-retry-secret-task-token-9876543210';
const APPROVER = 'approver@example.com';
const sfnMock = mockClient(SFNClient);

const world = useHandlerWorld({ stepFunctions: true });
beforeEach(() => {
  stubStepEnvironment();
  acceptTaskCallbacks(sfnMock);
  silenceOutput();
});
afterEach(() => {
  undoTestStubs(world);
  world.setNow(new Date('2026-12-01T09:00:00.000Z'));
});
const gate = (id: string, token: string) => callStep(requestApproval, id, { approvalId: `${id}-1`, subject: invoiceSubject(invoice) }, token);
const decision = (id: string, choice: 'approve' | 'reject', approver = APPROVER) =>
  callStep(recordDecision, id, { approvalId: `${id}-1`, approver, decision: choice });
const sentTokens = () => sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken);
const taskGone = (name: string) => Object.assign(new Error('Task Timed Out'), { name });

describe('record-decision delivery', () => {
  it('delivers on retry after Step Functions could not be told, without recording the decision twice', async () => {
    const id = 'exec-redeliver';
    await gate(id, FIRST_TOKEN);
    sfnMock.on(SendTaskSuccessCommand).rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));

    const first = await failureOf(decision(id, 'approve'));
    expect(first).toBeInstanceOf(StepFailed);
    expect(first.message).toContain('retry');
    expect(approvalState(await world.approvalEvents(`${id}-1`)).status).toBe('approved');

    expect(await decision(id, 'approve', 'Approver@Example.com')).toEqual({ approvalId: `${id}-1`, status: 'approved' });
    expect(sentTokens()).toEqual([FIRST_TOKEN, FIRST_TOKEN]);
    expect((await world.approvalEvents(`${id}-1`)).map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalDecided']);

    // A different decision after it is on record still changes nothing.
    expect(await failureOf(decision(id, 'reject'))).toBeInstanceOf(ApprovalClosed);
    expect(deliveries(sfnMock)).toHaveLength(2);
  });

  it('says the decision is recorded, not expired, when the task behind the token is gone', async () => {
    const id = 'exec-gone';
    await gate(id, FIRST_TOKEN);
    sfnMock.on(SendTaskSuccessCommand).rejects(taskGone('TaskTimedOut'));
    const error = await failureOf(decision(id, 'approve'));
    expect(error).toBeInstanceOf(StepFailed);
    expect(error.message).toContain('decision on approval exec-gone-1 is recorded');
    expect(error.message).toContain('no longer waits');
    expect(error.message).not.toContain(FIRST_TOKEN);
    expect(approvalState(await world.approvalEvents(`${id}-1`)).status).toBe('approved');
  });

  it('treats InvalidToken as a defect (StepFailed), never as an expiry', async () => {
    const id = 'exec-invalid';
    await gate(id, FIRST_TOKEN);
    sfnMock.on(SendTaskSuccessCommand).rejects(taskGone('InvalidToken'));
    const error = await failureOf(decision(id, 'approve'));
    expect(error.name).toBe('StepFailed');
    expect(error.message).toContain('invalid');
  });
});

describe('record-decision on an execution that is no longer running', () => {
  it('decides nothing, records the refusal once however often it is called, and says how the execution ended', async () => {
    const id = 'exec-operator-ended';
    await gate(id, FIRST_TOKEN);
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'TIMED_OUT' });
    for (const choice of ['approve', 'reject', 'approve'] as const) {
      const error = await failureOf(decision(id, choice));
      expect(error).toBeInstanceOf(StepFailed);
      expect(error.message).toContain(`approval ${id}-1 can no longer be decided: execution ${id} ended TIMED_OUT; nothing was decided`);
      expect(error.message).not.toContain(APPROVER);
    }
    const approval = await world.approvalEvents(`${id}-1`);
    expect(approval.map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalAttemptRefused']);
    expect(approval[1]).toMatchObject({ actor: 'step:record-decision', data: { approvalId: `${id}-1`, executionId: id, reason: 'execution-not-running', executionStatus: 'TIMED_OUT' }, sealed: null });
    expect(deliveries(sfnMock)).toHaveLength(0);
    expect(sfnMock.commandCalls(DescribeExecutionCommand)[0]!.args[0].input).toEqual({
      executionArn: `arn:aws:states:us-east-1:000000000000:execution:wardflow-test-invoice-approval:${id}`,
      includedData: 'METADATA_ONLY',
    });
  });

  it('decides and records nothing when Step Functions cannot say, and decides on the retry once it can', async () => {
    const id = 'exec-operator-unknown';
    await gate(id, FIRST_TOKEN);
    sfnMock.on(DescribeExecutionCommand).rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' })).resolves({ status: 'RUNNING' });
    const error = await failureOf(decision(id, 'approve'));
    expect(error).toBeInstanceOf(StepFailed);
    expect(error.message).toContain('(ThrottlingException); nothing was decided, retry');
    expect((await world.approvalEvents(`${id}-1`)).map((e) => e.type)).toEqual(['ApprovalRequested']);
    expect(await decision(id, 'approve')).toEqual({ approvalId: `${id}-1`, status: 'approved' });
    expect(sentTokens()).toEqual([FIRST_TOKEN]);
  });
});

describe('a decision racing a retried gate task', () => {
  it('answers the retried task with an approval made on the old token', async () => {
    const id = 'exec-race-approve';
    await gate(id, FIRST_TOKEN);
    // The first attempt's Lambda failed after recording: Step Functions retries with a new token,
    // and the approver answers the old one in between.
    sfnMock.on(SendTaskSuccessCommand, { taskToken: FIRST_TOKEN }).rejects(taskGone('TaskDoesNotExist'));
    expect(await failureOf(decision(id, 'approve'))).toBeInstanceOf(StepFailed);

    world.setNow(new Date('2026-12-01T10:00:00.000Z'));
    expect(await gate(id, RETRY_TOKEN)).toEqual({ approvalId: `${id}-1` });
    expect(sentTokens()).toEqual([FIRST_TOKEN, RETRY_TOKEN]);
    const retried = sfnMock.commandCalls(SendTaskSuccessCommand)[1]!.args[0].input;
    expect(JSON.parse(retried.output!)).toEqual({ approved: true, approvalId: `${id}-1`, approverIndex: 0 });

    const approval = await world.approvalEvents(`${id}-1`);
    expect(approval.map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalDecided', 'ApprovalTokenReplaced']);
    expect(approval[2]!.data).toEqual({ approvalId: `${id}-1`, executionId: id, expiresAt: '2026-12-02T09:59:00.000Z' });
    expect(approvalState(approval)).toMatchObject({ status: 'approved', tokenVersion: 3 });
    expect(JSON.stringify(approval.map((e) => e.data))).not.toContain(RETRY_TOKEN);
  });

  it('answers the retried task with a rejection made meanwhile', async () => {
    const id = 'exec-race-reject';
    await gate(id, FIRST_TOKEN);
    await decision(id, 'reject');
    await gate(id, RETRY_TOKEN);
    const failures = sfnMock.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input);
    expect(failures.map((f) => f.taskToken)).toEqual([FIRST_TOKEN, RETRY_TOKEN]);
    expect(failures[1]).toMatchObject({ error: 'ApprovalRejected' });
  });

  it('still refuses a retried gate once the approval expired', async () => {
    const id = 'exec-race-expired';
    await gate(id, FIRST_TOKEN);
    await callStep(recordOutcome, id, { outcome: 'failed', error: { Error: 'States.Timeout' }, approvalId: `${id}-1` });
    expect(await failureOf(gate(id, RETRY_TOKEN))).toBeInstanceOf(ApprovalClosed);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('gives a pending approval a fresh expiry with the new token, and a decision past the first expiry counts', async () => {
    const id = 'exec-fresh-expiry';
    await gate(id, FIRST_TOKEN);
    world.setNow(new Date('2026-12-01T20:00:00.000Z'));
    await gate(id, RETRY_TOKEN);
    expect(approvalState(await world.approvalEvents(`${id}-1`)).expiresAt).toBe('2026-12-02T19:59:00.000Z');
    world.setNow(new Date('2026-12-02T12:00:00.000Z'));
    expect(await decision(id, 'approve')).toEqual({ approvalId: `${id}-1`, status: 'approved' });
    expect(sentTokens()).toEqual([RETRY_TOKEN]);
  });
});

describe('the expiry of a gate', () => {
  it('expires a minute before the task timeout, so a decision the gate could no longer hear is refused', async () => {
    const id = 'exec-margin';
    await gate(id, FIRST_TOKEN);
    expect(approvalState(await world.approvalEvents(`${id}-1`)).expiresAt).toBe('2026-12-02T08:59:00.000Z');
    // 30 s before Step Functions' own timer (started before the Lambda ran) would fire.
    world.setNow(new Date('2026-12-02T08:59:30.000Z'));
    expect(await failureOf(decision(id, 'approve'))).toBeInstanceOf(ApprovalExpired);
    expect(sfnMock.calls()).toHaveLength(0);
    expect(approvalState(await world.approvalEvents(`${id}-1`)).status).toBe('pending');
  });

  it('keeps the margin to a tenth of a short timeout', async () => {
    vi.stubEnv('APPROVAL_TIMEOUT_SECONDS', '60');
    const id = 'exec-short-timeout';
    await gate(id, FIRST_TOKEN);
    expect(approvalState(await world.approvalEvents(`${id}-1`)).expiresAt).toBe('2026-12-01T09:00:54.000Z');
  });
});

describe('the execution stream of a gate', () => {
  it('does not show waiting when a retried gate finds the approval already decided', async () => {
    const id = 'exec-wait-decided';
    // The first attempt's ApprovalRequested landed but its audit (the execution stream's "waiting") did not.
    const data = { approvalId: `${id}-1`, executionId: id, approverCount: 1, expiresAt: '2026-12-02T08:59:00.000Z' };
    await world.deps.store.append(approvalStream(`${id}-1`), 0, [
      { type: 'ApprovalRequested', actor: 'step:request-approval', data, sensitive: { taskToken: FIRST_TOKEN, approvers: [APPROVER] } },
    ]);
    await decision(id, 'approve');
    expect(await gate(id, RETRY_TOKEN)).toEqual({ approvalId: `${id}-1` });
    expect(sentTokens()).toEqual([FIRST_TOKEN, RETRY_TOKEN]);
    const events = await world.executionEvents(id);
    expect(events.filter((e) => e.type === 'ApprovalRequested')).toEqual([]);
    expect(executionState(events).status).not.toBe('waiting-for-approval');
  });

  it('shows waiting once, whichever attempt of the gate got through', async () => {
    const id = 'exec-wait-once';
    await gate(id, FIRST_TOKEN);
    await gate(id, RETRY_TOKEN);
    const events = await world.executionEvents(id);
    expect(events.filter((e) => e.type === 'ApprovalRequested')).toHaveLength(1);
    expect(executionState(events).status).toBe('waiting-for-approval');
  });

  it('shows waiting when only the approval stream has the first attempt (its audit never landed)', async () => {
    const id = 'exec-wait-lost';
    const data = { approvalId: `${id}-1`, executionId: id, approverCount: 1, expiresAt: '2026-12-02T09:00:00.000Z' };
    await world.deps.store.append(approvalStream(`${id}-1`), 0, [
      { type: 'ApprovalRequested', actor: 'step:request-approval', data, sensitive: { taskToken: FIRST_TOKEN, approvers: [APPROVER] } },
    ]);
    expect(await world.executionEvents(id)).toEqual([]);
    await gate(id, RETRY_TOKEN);
    const events = await world.executionEvents(id);
    // The retry's own expiry: now + 86400 s less the 60 s margin.
    expect(events.find((e) => e.type === 'ApprovalRequested')!.data).toEqual({ approvalId: `${id}-1`, expiresAt: '2026-12-02T08:59:00.000Z' });
    expect(executionState(events).status).toBe('waiting-for-approval');
  });
});

describe('a decision racing another writer of the approval stream', () => {
  /** The store, with `between` run once just before the first decision append to the approval: another writer getting there first. */
  function raced(id: string, between: () => Promise<unknown>): void {
    const store = world.deps.store;
    let raced = false;
    const racing: EventStore = {
      read: (stream) => store.read(stream),
      append: async (stream, expected, events) => {
        if (!raced && stream === approvalStream(`${id}-1`) && events.some((e) => e.type === 'ApprovalDecided')) {
          raced = true;
          await between();
        }
        return store.append(stream, expected, events);
      },
    };
    setDependencies({ ...world.deps, store: racing });
  }

  it('decides again when the gate replaced its task token meanwhile, and delivers to the new token', async () => {
    const id = 'exec-token-race';
    await gate(id, FIRST_TOKEN);
    // The gate re-run (a retry, or a restart of the local runtime) records its new token between the read and the append.
    raced(id, () => gate(id, RETRY_TOKEN));
    expect(await decision(id, 'approve')).toEqual({ approvalId: `${id}-1`, status: 'approved' });
    expect(sentTokens()).toEqual([RETRY_TOKEN]);
    expect((await world.approvalEvents(`${id}-1`)).map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalTokenReplaced', 'ApprovalDecided']);
  });

  it('finds the approval closed when another decision landed meanwhile: decides nothing, and the refused attempt is on record', async () => {
    const id = 'exec-decision-race';
    await gate(id, FIRST_TOKEN);
    const store = world.deps.store;
    raced(id, async () => {
      setDependencies({ ...world.deps, store });
      await decision(id, 'reject');
    });
    expect(await failureOf(decision(id, 'approve'))).toBeInstanceOf(ApprovalClosed);
    const approval = await world.approvalEvents(`${id}-1`);
    expect(approval.map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalDecided', 'ApprovalAttemptRefused']);
    expect(approval[2]).toMatchObject({ actor: 'step:record-decision', data: { reason: 'already-decided', approverIndex: 0 }, sealed: null });
    expect(approvalState(approval).status).toBe('rejected');
  });
});

describe('record-outcome expiring an approval', () => {
  it("refuses an approval id of another execution, naming input.approvalId, and leaves it open", async () => {
    await gate('exec-owner', FIRST_TOKEN);
    const error = await failureOf(callStep(recordOutcome, 'exec-intruder', { outcome: 'failed', error: { Error: 'States.Timeout' }, approvalId: 'exec-owner-1' }));
    expect(error).toBeInstanceOf(ValidationFailed);
    expect(error.message).toContain('input.approvalId');
    expect(approvalState(await world.approvalEvents('exec-owner-1')).status).toBe('pending');
  });

  it('rethrows ConcurrencyConflict when another writer moves the approval on every attempt', async () => {
    const id = 'exec-busy';
    await gate(id, FIRST_TOKEN);
    const store = world.deps.store;
    let attempts = 0;
    const busy: EventStore = {
      read: (stream) => store.read(stream),
      append: async (stream, expected, events) => {
        if (stream !== approvalStream(`${id}-1`)) return store.append(stream, expected, events);
        attempts++;
        throw new ConcurrencyConflict(stream, expected);
      },
    };
    setDependencies({ ...world.deps, store: busy });
    const error = await failureOf(callStep(recordOutcome, id, { outcome: 'failed', error: { Error: 'States.Timeout' }, approvalId: `${id}-1` }));
    expect(error).toBeInstanceOf(ConcurrencyConflict);
    expect(attempts).toBe(3);
    expect(approvalState(await world.approvalEvents(`${id}-1`)).status).toBe('pending');
  });
});
