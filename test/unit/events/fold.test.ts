import { describe, expect, it } from 'vitest';
import type { EventType, Json, StoredEvent } from '../../../functions/shared/events/event.js';
import { approvalState, executionState, foldStream } from '../../../functions/shared/events/fold.js';

/** Given-events builder: only what a fold reads (type, data, time, actor, version). */
function given(...specs: [EventType, { [key: string]: Json }, string?][]): StoredEvent[] {
  return specs.map(([type, data, actor], i) => ({
    stream: 'execution#f1',
    version: i + 1,
    type,
    time: `2025-01-01T00:00:0${i}.000Z`,
    actor: actor ?? 'step:test',
    data,
    sealed: null,
    prevHash: null,
    hash: '',
  }));
}

describe('foldStream', () => {
  it('applies evolve to every event in order from the initial state', () => {
    const events = given(['StepSucceeded', { step: 'a' }], ['StepSucceeded', { step: 'b' }]);
    expect(foldStream(events, (acc: string[], e) => [...acc, String(e.data.step)], ['start'])).toEqual(['start', 'a', 'b']);
  });
});

describe('executionState', () => {
  it('given no events, then not started', () => {
    expect(executionState([])).toEqual({ status: 'not-started', steps: [] });
  });

  it('given started and two steps, then running with the steps in order', () => {
    const state = executionState(
      given(['ExecutionStarted', { workflow: 'invoice' }], ['StepSucceeded', { step: 'extract', durationMs: 3 }], ['StepSucceeded', { step: 'check', durationMs: 4 }]),
    );
    expect(state).toEqual({ status: 'running', startedAt: '2025-01-01T00:00:00.000Z', steps: ['extract', 'check'] });
  });

  it('given an approval requested, then waiting; given it decided, then running again', () => {
    const waiting = given(['ExecutionStarted', { workflow: 'w' }], ['ApprovalRequested', { approvalId: 'a1', executionId: 'f1', approverCount: 1, expiresAt: 'x' }]);
    expect(executionState(waiting).status).toBe('waiting-for-approval');
    const resumed = [...waiting, ...given(['ApprovalDecided', { approvalId: 'a1', approverIndex: 0, decision: 'approve' }])];
    expect(executionState(resumed).status).toBe('running');
  });

  it("given the gate step's own StepSucceeded after its request, then still waiting; another step succeeding, then running", () => {
    const waiting = given(
      ['ExecutionStarted', { workflow: 'w' }],
      ['ApprovalRequested', { approvalId: 'a1', expiresAt: 'x' }, 'step:request-approval'],
      ['StepSucceeded', { step: 'request-approval', durationMs: 3 }, 'step:request-approval'],
    );
    expect(executionState(waiting)).toMatchObject({ status: 'waiting-for-approval', steps: ['request-approval'] });
    const decided = [...waiting, ...given(['StepSucceeded', { step: 'record-decision', durationMs: 5 }, 'step:record-decision'])];
    const state = executionState(decided);
    expect(state).toMatchObject({ status: 'running', steps: ['request-approval', 'record-decision'] });
    expect(state.awaitingFrom).toBeUndefined();
  });

  it('given a failed step, then still running with the last error recorded', () => {
    const state = executionState(given(['ExecutionStarted', { workflow: 'w' }], ['StepFailed', { step: 'extract', error: 'ModelFailed' }]));
    expect(state).toMatchObject({ status: 'running', lastError: 'ModelFailed' });
  });

  it('given succeeded, then succeeded with an end time', () => {
    const state = executionState(given(['ExecutionStarted', { workflow: 'w' }], ['ExecutionSucceeded', {}]));
    expect(state).toMatchObject({ status: 'succeeded', endedAt: '2025-01-01T00:00:01.000Z' });
  });

  it('given failed, then failed with its error, and later events do not reopen it', () => {
    const state = executionState(
      given(['ExecutionStarted', { workflow: 'w' }], ['ExecutionFailed', { error: 'ApprovalRejected' }], ['StepSucceeded', { step: 'late' }], ['ExecutionSucceeded', {}]),
    );
    expect(state).toEqual({
      status: 'failed',
      startedAt: '2025-01-01T00:00:00.000Z',
      endedAt: '2025-01-01T00:00:01.000Z',
      steps: [],
      lastError: 'ApprovalRejected',
    });
  });
});

describe('approvalState', () => {
  const requested: [EventType, { [key: string]: Json }, string?] = [
    'ApprovalRequested',
    { approvalId: 'a1', executionId: 'e1', approverCount: 2, expiresAt: '2025-01-02T00:00:00.000Z' },
    'step:request-approval',
  ];

  it('given no events, then none at version 0', () => {
    expect(approvalState([])).toEqual({ status: 'none', approverCount: 0, version: 0 });
  });

  it('given requested, then pending with its ids, approver count, expiry, token holder and request time', () => {
    expect(approvalState(given(requested))).toEqual({
      status: 'pending',
      approvalId: 'a1',
      executionId: 'e1',
      approverCount: 2,
      expiresAt: '2025-01-02T00:00:00.000Z',
      tokenVersion: 1,
      requestedAt: '2025-01-01T00:00:00.000Z',
      version: 1,
    });
  });

  it('given requested then a token replacement, then the newest token and its later expiry win', () => {
    const state = approvalState(given(requested, ['ApprovalTokenReplaced', { approvalId: 'a1', executionId: 'e1', expiresAt: '2025-01-03T00:00:00.000Z' }]));
    expect(state).toMatchObject({ status: 'pending', tokenVersion: 2, expiresAt: '2025-01-03T00:00:00.000Z', version: 2 });
  });

  it('given a token replacement without an expiry, then the token moves and the expiry stays', () => {
    const state = approvalState(given(requested, ['ApprovalTokenReplaced', { approvalId: 'a1', executionId: 'e1' }]));
    expect(state).toMatchObject({ tokenVersion: 2, expiresAt: '2025-01-02T00:00:00.000Z' });
  });

  it('given decided then a token replacement (a retried gate), then still decided, answered with the new token', () => {
    const state = approvalState(
      given(
        requested,
        ['ApprovalDecided', { approvalId: 'a1', approverIndex: 1, decision: 'approve' }, 'approver:1'],
        ['ApprovalTokenReplaced', { approvalId: 'a1', executionId: 'e1', expiresAt: '2025-01-04T00:00:00.000Z' }],
      ),
    );
    expect(state).toMatchObject({ status: 'approved', decision: 'approve', approverIndex: 1, tokenVersion: 3, expiresAt: '2025-01-04T00:00:00.000Z' });
  });

  it('given a token replacement with no request before it, then nothing but the version', () => {
    expect(approvalState(given(['ApprovalTokenReplaced', { approvalId: 'a1', executionId: 'e1', expiresAt: 'x' }]))).toEqual({
      status: 'none',
      approverCount: 0,
      version: 1,
    });
  });

  it.each([[-1], [1.5], ['2'], [null]])('given a request whose approverCount is %j, then no approvers', (approverCount) => {
    const state = approvalState(given(['ApprovalRequested', { approvalId: 'a1', executionId: 'e1', approverCount }]));
    expect(state).toMatchObject({ status: 'pending', approverCount: 0 });
    expect(state.expiresAt).toBeUndefined();
  });

  it('given requested then approved, then approved by that approver, named by position only', () => {
    const state = approvalState(given(requested, ['ApprovalDecided', { approvalId: 'a1', approverIndex: 0, decision: 'approve' }, 'approver:0']));
    expect(state).toMatchObject({ status: 'approved', decision: 'approve', approverIndex: 0, decidedBy: 'approver:0', decidedAt: '2025-01-01T00:00:01.000Z', version: 2 });
  });

  it('given a decision whose approverIndex is not a position, then decided, by nobody the fold can name', () => {
    const state = approvalState(given(requested, ['ApprovalDecided', { approvalId: 'a1', approverIndex: -1, decision: 'approve' }, 'approver:-1']));
    expect(state).toMatchObject({ status: 'approved', decision: 'approve' });
    expect(state.approverIndex).toBeUndefined();
  });

  it('given requested then rejected, then rejected', () => {
    const state = approvalState(given(requested, ['ApprovalDecided', { approvalId: 'a1', approverIndex: 1, decision: 'reject' }, 'approver:1']));
    expect(state).toMatchObject({ status: 'rejected', decision: 'reject', approverIndex: 1 });
  });

  it('given auto-decided, then decided by the policy with no approver', () => {
    const state = approvalState(given(requested, ['ApprovalAutoDecided', { approvalId: 'a1', decision: 'approve', reason: 'under limit' }, 'policy:auto']));
    expect(state).toMatchObject({ status: 'approved', decision: 'approve', decidedBy: 'policy:auto', version: 2 });
    expect(state.approverIndex).toBeUndefined();
  });

  it('given only an auto-decision, then its approval and execution ids come from its data', () => {
    const state = approvalState(given(['ApprovalAutoDecided', { approvalId: 'a9', executionId: 'e9', decision: 'approve', reason: 'under limit' }, 'step:apply-policy']));
    expect(state).toMatchObject({ status: 'approved', approvalId: 'a9', executionId: 'e9', approverCount: 0, version: 1 });
    expect(state.tokenVersion).toBeUndefined();
  });

  it('given expired, then expired; a decision after that changes nothing but the version', () => {
    const state = approvalState(
      given(requested, ['ApprovalExpired', { approvalId: 'a1' }, 'step:expire'], ['ApprovalDecided', { approvalId: 'a1', approverIndex: 0, decision: 'approve' }]),
    );
    expect(state).toMatchObject({ status: 'expired', decidedBy: 'step:expire', decidedAt: '2025-01-01T00:00:01.000Z', version: 3 });
    expect(state.approverIndex).toBeUndefined();
  });

  it('given a decision with an unknown value, then still pending', () => {
    const state = approvalState(given(requested, ['ApprovalDecided', { approvalId: 'a1', approverIndex: 0, decision: 'maybe' }]));
    expect(state).toMatchObject({ status: 'pending', version: 2 });
  });

  it('given approved then a second decision, then the first decision stands', () => {
    const state = approvalState(
      given(
        requested,
        ['ApprovalDecided', { approvalId: 'a1', approverIndex: 0, decision: 'approve' }],
        ['ApprovalDecided', { approvalId: 'a1', approverIndex: 1, decision: 'reject' }],
      ),
    );
    expect(state).toMatchObject({ status: 'approved', approverIndex: 0, version: 3 });
  });
});
