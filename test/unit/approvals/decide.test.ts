import { describe, expect, it } from 'vitest';
import { decide, type DecideCommand, type Decided } from '../../../functions/shared/approvals/decide.js';
import type { EventType, Json, StoredEvent } from '../../../functions/shared/events/event.js';
import { approvalState } from '../../../functions/shared/events/fold.js';

/** Given: approval events as the fold reads them (no store, no sealing, no AWS). */
function given(...specs: [EventType, { [key: string]: Json }, string?][]): StoredEvent[] {
  return specs.map(([type, data, actor], i) => ({
    stream: 'approval#e1-1',
    version: i + 1,
    type,
    time: `2026-12-01T09:00:0${i}.000Z`,
    actor: actor ?? 'step:request-approval',
    data,
    sealed: null,
    prevHash: null,
    hash: '',
  }));
}

/** The approvers the request's sealed part holds, as the caller opened them. */
const LISTED = ['Approver@Example.com'];

/** When: the command against the folded state and the opened approvers, at `now`. */
const when = (events: StoredEvent[], command: Partial<DecideCommand> = {}, now = '2026-12-01T10:00:00.000Z', approvers: readonly string[] = LISTED): Decided =>
  decide({ approvalId: 'e1-1', executionId: 'e1', approver: { address: 'approver@example.com' }, decision: 'approve', ...command }, approvalState(events), approvers, new Date(now));

const errorOf = (decided: Decided): string => (decided.ok ? 'none' : decided.error.name);

const requested: [EventType, { [key: string]: Json }] = [
  'ApprovalRequested',
  { approvalId: 'e1-1', executionId: 'e1', approverCount: 1, expiresAt: '2026-12-02T09:00:00.000Z' },
];
const approved: [EventType, { [key: string]: Json }, string] = [
  'ApprovalDecided',
  { approvalId: 'e1-1', executionId: 'e1', approverIndex: 0, decision: 'approve' },
  'approver:0',
];

describe('decide', () => {
  it('given a pending approval, when a listed approver approves by address, then ApprovalDecided by position, the listed spelling sealed, to deliver', () => {
    const decided = when(given(requested), { approver: { address: 'APPROVER@example.com' } });
    expect(decided).toEqual({
      ok: true,
      events: [
        {
          type: 'ApprovalDecided',
          actor: 'approver:0',
          data: { approvalId: 'e1-1', executionId: 'e1', approverIndex: 0, decision: 'approve' },
          sensitive: { approver: 'Approver@Example.com' },
        },
      ],
      deliver: { approvalId: 'e1-1', approverIndex: 0, decision: 'approve' },
    });
  });

  it('given two approvers, when the second decides by the position a link names, then that position in clear and that address sealed', () => {
    const events = given(['ApprovalRequested', { ...requested[1], approverCount: 2 }]);
    const decided = when(events, { approver: { index: 1 }, decision: 'reject' }, undefined, ['first@example.com', 'second@example.com']);
    expect(decided.ok && decided.events).toEqual([
      {
        type: 'ApprovalDecided',
        actor: 'approver:1',
        data: { approvalId: 'e1-1', executionId: 'e1', approverIndex: 1, decision: 'reject' },
        sensitive: { approver: 'second@example.com' },
      },
    ]);
    expect(decided.ok && decided.deliver).toEqual({ approvalId: 'e1-1', approverIndex: 1, decision: 'reject' });
  });

  it('given a pending approval, when rejected with a comment, then the comment and the address are sealed, never in data or actor', () => {
    const decided = when(given(requested), { decision: 'reject', comment: 'not our vendor' });
    expect(decided.ok && decided.events[0]).toMatchObject({ data: { decision: 'reject' }, sensitive: { approver: 'Approver@Example.com', comment: 'not our vendor' } });
    const clear = JSON.stringify(decided.ok && { data: decided.events[0]!.data, actor: decided.events[0]!.actor, deliver: decided.deliver }).toLowerCase();
    expect(clear).not.toContain('not our vendor');
    expect(clear).not.toContain('approver@example.com');
  });

  it('given no approval, when decided, then ValidationFailed naming input.approvalId', () => {
    const decided = when([], {}, undefined, []);
    expect(errorOf(decided)).toBe('ValidationFailed');
    expect(!decided.ok && decided.error.message).toContain('input.approvalId');
  });

  it("given another execution's approval, when decided, then ValidationFailed and nothing to deliver", () => {
    expect(errorOf(when(given(requested), { executionId: 'e2' }))).toBe('ValidationFailed');
  });

  it('given a pending approval, when someone not listed decides, then ValidationFailed naming input.approver', () => {
    const decided = when(given(requested), { approver: { address: 'mallory@example.com' } });
    expect(errorOf(decided)).toBe('ValidationFailed');
    expect(!decided.ok && decided.error.message).toContain('input.approver');
    expect(!decided.ok && decided.error.message).not.toContain('mallory');
  });

  it.each([1, -1, 0.5, Number.NaN])('given a pending approval, when a position %s outside the list decides, then ValidationFailed naming input.approver', (index) => {
    const decided = when(given(requested), { approver: { index } });
    expect(errorOf(decided)).toBe('ValidationFailed');
    expect(!decided.ok && decided.error.message).toContain('input.approver');
  });

  it('given opened approvers longer than the count the request recorded, when a position past the count decides, then ValidationFailed', () => {
    expect(errorOf(when(given(requested), { approver: { index: 1 } }, undefined, ['a@example.com', 'b@example.com']))).toBe('ValidationFailed');
  });

  it('given a pending approval past its expiry, when decided, then ApprovalExpired', () => {
    expect(errorOf(when(given(requested), {}, '2026-12-02T09:00:00.000Z'))).toBe('ApprovalExpired');
  });

  it('given a retried gate moved the expiry later, when decided after the first expiry, then recorded', () => {
    const events = given(requested, ['ApprovalTokenReplaced', { approvalId: 'e1-1', executionId: 'e1', expiresAt: '2026-12-03T09:00:00.000Z' }]);
    expect(errorOf(when(events, {}, '2026-12-02T12:00:00.000Z'))).toBe('none');
  });

  it('given approved, when the same approver approves again (a retry), by address or by position, then nothing appended but delivered again', () => {
    const again = { ok: true, events: [], deliver: { approvalId: 'e1-1', approverIndex: 0, decision: 'approve' } };
    expect(when(given(requested, approved), { approver: { address: 'approver@example.com' } })).toEqual(again);
    expect(when(given(requested, approved), { approver: { index: 0 } })).toEqual(again);
  });

  it('given approved, when the same approver retries after the expiry, then still delivered again (the gate answers or ignores it)', () => {
    const decided = when(given(requested, approved), {}, '2026-12-05T00:00:00.000Z');
    expect(decided).toMatchObject({ ok: true, events: [] });
  });

  it('given approved, when the same approver rejects, then ApprovalClosed', () => {
    const decided = when(given(requested, approved), { decision: 'reject' });
    expect(errorOf(decided)).toBe('ApprovalClosed');
    expect(!decided.ok && decided.error.details).toEqual({ approvalId: 'e1-1', status: 'approved' });
  });

  it('given approved, when another listed approver approves, then ApprovalClosed', () => {
    const events = given(['ApprovalRequested', { ...requested[1], approverCount: 2 }], approved);
    const approvers = ['approver@example.com', 'second@example.com'];
    expect(errorOf(when(events, { approver: { address: 'second@example.com' } }, undefined, approvers))).toBe('ApprovalClosed');
    expect(errorOf(when(events, { approver: { index: 1 } }, undefined, approvers))).toBe('ApprovalClosed');
  });

  it('given approved in an earlier approval of another execution, when its approver repeats it here, then ValidationFailed', () => {
    expect(errorOf(when(given(requested, approved), { executionId: 'e2' }))).toBe('ValidationFailed');
  });

  it('given expired, when decided, then ApprovalClosed', () => {
    expect(errorOf(when(given(requested, ['ApprovalExpired', { approvalId: 'e1-1', executionId: 'e1' }])))).toBe('ApprovalClosed');
  });

  it('given auto-approved by the policy, when an approver approves, then ApprovalClosed (no human decision to repeat)', () => {
    const events = given(['ApprovalAutoDecided', { approvalId: 'e1-1', executionId: 'e1', decision: 'approve', reason: 'under limit' }, 'step:apply-policy']);
    expect(errorOf(when(events, {}, undefined, []))).toBe('ApprovalClosed');
  });
});

describe('decide: the refusal it names for ApprovalAttemptRefused', () => {
  const refusalOf = (decided: Decided) => (decided.ok ? undefined : decided.refusal);

  it('names already-decided (with the position of a listed approver), expired, and wrong-approver (with no position)', () => {
    expect(refusalOf(when(given(requested, approved), { decision: 'reject' }))).toEqual({ reason: 'already-decided', approverIndex: 0 });
    expect(refusalOf(when(given(requested), {}, '2026-12-02T09:00:00.000Z'))).toEqual({ reason: 'expired', approverIndex: 0 });
    expect(refusalOf(when(given(requested), { approver: { address: 'someone@example.com' } }))).toEqual({ reason: 'wrong-approver' });
    expect(refusalOf(when(given(requested), { approver: { index: 3 } }))).toEqual({ reason: 'wrong-approver' });
  });

  it('names nothing for a repeat of the decision on record (a re-delivery) or another execution\'s approval (nothing of its own to record on)', () => {
    expect(when(given(requested, approved)).ok).toBe(true);
    expect(refusalOf(when(given(requested), { executionId: 'e2' }))).toBeUndefined();
    expect(refusalOf(when([]))).toBeUndefined();
  });
});
