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

/** When: the command against the folded state, at `now`. */
const when = (events: StoredEvent[], command: Partial<DecideCommand> = {}, now = '2026-12-01T10:00:00.000Z'): Decided =>
  decide({ approvalId: 'e1-1', executionId: 'e1', approver: 'approver@example.com', decision: 'approve', ...command }, approvalState(events), new Date(now));

const errorOf = (decided: Decided): string => (decided.ok ? 'none' : decided.error.name);

const requested: [EventType, { [key: string]: Json }] = [
  'ApprovalRequested',
  { approvalId: 'e1-1', executionId: 'e1', approvers: ['Approver@Example.com'], expiresAt: '2026-12-02T09:00:00.000Z' },
];
const approved: [EventType, { [key: string]: Json }, string] = [
  'ApprovalDecided',
  { approvalId: 'e1-1', executionId: 'e1', approver: 'Approver@Example.com', decision: 'approve' },
  'user:Approver@Example.com',
];

describe('decide', () => {
  it('given a pending approval, when a listed approver approves, then ApprovalDecided with the listed spelling, to deliver', () => {
    const decided = when(given(requested), { approver: 'APPROVER@example.com' });
    expect(decided).toEqual({
      ok: true,
      events: [
        {
          type: 'ApprovalDecided',
          actor: 'user:Approver@Example.com',
          data: { approvalId: 'e1-1', executionId: 'e1', approver: 'Approver@Example.com', decision: 'approve' },
        },
      ],
      deliver: { approvalId: 'e1-1', approver: 'Approver@Example.com', decision: 'approve' },
    });
  });

  it('given a pending approval, when rejected with a comment, then the comment is sealed, never in data', () => {
    const decided = when(given(requested), { decision: 'reject', comment: 'not our vendor' });
    expect(decided.ok && decided.events[0]).toMatchObject({ data: { decision: 'reject' }, sensitive: { comment: 'not our vendor' } });
    expect(JSON.stringify(decided.ok && decided.events[0]!.data)).not.toContain('not our vendor');
  });

  it('given no approval, when decided, then ValidationFailed naming input.approvalId', () => {
    const decided = when([]);
    expect(errorOf(decided)).toBe('ValidationFailed');
    expect(!decided.ok && decided.error.message).toContain('input.approvalId');
  });

  it("given another execution's approval, when decided, then ValidationFailed and nothing to deliver", () => {
    expect(errorOf(when(given(requested), { executionId: 'e2' }))).toBe('ValidationFailed');
  });

  it('given a pending approval, when someone not listed decides, then ValidationFailed naming input.approver', () => {
    const decided = when(given(requested), { approver: 'mallory@example.com' });
    expect(errorOf(decided)).toBe('ValidationFailed');
    expect(!decided.ok && decided.error.message).toContain('input.approver');
    expect(!decided.ok && decided.error.message).not.toContain('mallory');
  });

  it('given a pending approval past its expiry, when decided, then ApprovalExpired', () => {
    expect(errorOf(when(given(requested), {}, '2026-12-02T09:00:00.000Z'))).toBe('ApprovalExpired');
  });

  it('given a retried gate moved the expiry later, when decided after the first expiry, then recorded', () => {
    const events = given(requested, ['ApprovalTokenReplaced', { approvalId: 'e1-1', executionId: 'e1', expiresAt: '2026-12-03T09:00:00.000Z' }]);
    expect(errorOf(when(events, {}, '2026-12-02T12:00:00.000Z'))).toBe('none');
  });

  it('given approved, when the same approver approves again (a retry), then nothing appended but delivered again', () => {
    expect(when(given(requested, approved), { approver: 'approver@example.com' })).toEqual({
      ok: true,
      events: [],
      deliver: { approvalId: 'e1-1', approver: 'Approver@Example.com', decision: 'approve' },
    });
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
    const events = given(
      ['ApprovalRequested', { ...requested[1], approvers: ['approver@example.com', 'second@example.com'] }],
      ['ApprovalDecided', { approvalId: 'e1-1', executionId: 'e1', approver: 'approver@example.com', decision: 'approve' }],
    );
    expect(errorOf(when(events, { approver: 'second@example.com' }))).toBe('ApprovalClosed');
  });

  it('given approved in an earlier approval of another execution, when its approver repeats it here, then ValidationFailed', () => {
    expect(errorOf(when(given(requested, approved), { executionId: 'e2' }))).toBe('ValidationFailed');
  });

  it('given expired, when decided, then ApprovalClosed', () => {
    expect(errorOf(when(given(requested, ['ApprovalExpired', { approvalId: 'e1-1', executionId: 'e1' }])))).toBe('ApprovalClosed');
  });

  it('given auto-approved by the policy, when an approver approves, then ApprovalClosed (no human decision to repeat)', () => {
    const events = given(['ApprovalAutoDecided', { approvalId: 'e1-1', executionId: 'e1', decision: 'approve', reason: 'under limit' }, 'step:apply-policy']);
    expect(errorOf(when(events))).toBe('ApprovalClosed');
  });
});
