import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliverDecision, useSfnClient, type DecisionToDeliver } from '../../../functions/shared/approvals/deliver-decision.js';
import { StepFailed, TamperDetected } from '../../../functions/shared/errors.js';
import type { StoredEvent } from '../../../functions/shared/events/event.js';
import { approvalState } from '../../../functions/shared/events/fold.js';
import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';
import { testSealer } from '../events/event-fixtures.js';

const FIRST = 'AQC-first-task-token-secret';
const RETRIED = 'AQC-retried-task-token-secret';
const sealer = testSealer();
const sfnMock = mockClient(SFNClient);
const approve: DecisionToDeliver = { approvalId: 'e1-1', approverIndex: 0, decision: 'approve' };

beforeAll(() => useSfnClient(new SFNClient({ region: 'us-east-1' })));
afterAll(() => useSfnClient(undefined));
beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  sfnMock.on(SendTaskFailureCommand).resolves({});
});

/** An approval requested with FIRST, then (optionally) its gate retried with RETRIED. */
async function approval(retried: boolean): Promise<StoredEvent[]> {
  const store = new InMemoryEventStore({ sealer });
  const data = { approvalId: 'e1-1', executionId: 'e1' };
  await store.append('approval#e1-1', 0, [{ type: 'ApprovalRequested', actor: 'step:request-approval', data, sensitive: { taskToken: FIRST } }]);
  if (retried) await store.append('approval#e1-1', 1, [{ type: 'ApprovalTokenReplaced', actor: 'step:request-approval', data, sensitive: { taskToken: RETRIED } }]);
  return store.read('approval#e1-1');
}

const deliver = async (events: StoredEvent[], decided: DecisionToDeliver = approve) => deliverDecision(decided, events, approvalState(events), sealer, 'record-decision');

/** What the delivery threw (fails the test when it did not throw). */
async function failureOf(delivery: Promise<unknown>): Promise<Error> {
  return delivery.then(
    () => {
      throw new Error('expected the delivery to fail, and it succeeded');
    },
    (error: unknown) => error as Error,
  );
}

function rejectWith(name: string): void {
  sfnMock.on(SendTaskSuccessCommand).rejects(Object.assign(new Error(`boom ${RETRIED}`), { name }));
}

describe('deliverDecision', () => {
  it('sends an approval with the newest token and the approver by position (the output lands in unsealed history), and says sent', async () => {
    expect(await deliver(await approval(true), { ...approve, approverIndex: 1 })).toBe('sent');
    const calls = sfnMock.commandCalls(SendTaskSuccessCommand);
    expect(calls.map((c) => c.args[0].input.taskToken)).toEqual([RETRIED]);
    expect(JSON.parse(calls[0]!.args[0].input.output!)).toEqual({ approved: true, approvalId: 'e1-1', approverIndex: 1 });
  });

  it('fails the task with ApprovalRejected for a rejection, the cause free of the token', async () => {
    expect(await deliver(await approval(false), { ...approve, decision: 'reject' })).toBe('sent');
    const [call] = sfnMock.commandCalls(SendTaskFailureCommand);
    expect(call!.args[0].input).toMatchObject({ taskToken: FIRST, error: 'ApprovalRejected' });
    expect(call!.args[0].input.cause).not.toContain(FIRST);
  });

  it.each(['TaskTimedOut', 'TaskDoesNotExist'])('answers task-gone when Step Functions says %s', async (name) => {
    rejectWith(name);
    expect(await deliver(await approval(true))).toBe('task-gone');
  });

  it('turns InvalidToken into StepFailed (a defect, not an expiry), without the token', async () => {
    rejectWith('InvalidToken');
    const error = await failureOf(deliver(await approval(true)));
    expect(error).toBeInstanceOf(StepFailed);
    expect(error.message).toContain('invalid');
    expect(error.message).not.toContain(RETRIED);
  });

  it('turns any other failure into StepFailed asking for a retry, without the token', async () => {
    rejectWith('ThrottlingException');
    const error = await failureOf(deliver(await approval(false)));
    expect(error).toBeInstanceOf(StepFailed);
    expect(error.message).toContain('retry');
    expect(error.message).not.toContain(RETRIED);
  });

  it('refuses with TamperDetected when no event holds the token, and sends nothing', async () => {
    const events = await approval(false);
    const state = { ...approvalState(events), tokenVersion: 9 };
    await expect(deliverDecision(approve, events, state, sealer, 'record-decision')).rejects.toBeInstanceOf(TamperDetected);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('refuses with TamperDetected when the holder sealed no token', async () => {
    const store = new InMemoryEventStore({ sealer });
    await store.append('approval#e1-1', 0, [{ type: 'ApprovalRequested', actor: 'step:x', data: { approvalId: 'e1-1', executionId: 'e1' }, sensitive: { other: 1 } }]);
    await expect(deliver(await store.read('approval#e1-1'))).rejects.toBeInstanceOf(TamperDetected);
    expect(sfnMock.calls()).toHaveLength(0);
  });
});
