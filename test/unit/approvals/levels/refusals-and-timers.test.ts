import { describe, expect, it } from 'vitest';
import { voteAtLevel } from '../../../../functions/shared/approvals/levels/decide.js';
import { levelEventIssues } from '../../../../functions/shared/approvals/levels/events.js';
import { startRoute } from '../../../../functions/shared/approvals/levels/route.js';
import { levelState } from '../../../../functions/shared/approvals/levels/state.js';
import { nextTimerAt, onTimer } from '../../../../functions/shared/approvals/levels/timers.js';
import type { Level } from '../../../../functions/shared/approvals/policy/schema.js';
import { at, LevelLog, routedInvoice, T0 } from './level-log.js';

const ABOVE_50000 = { amount: '75000.00', currency: 'EUR', knownVendor: true };

/** The directors' level of the above-50,000 route (opened at hour 1 by the manager), with director 0 having approved at hour 2. */
function directorsWithOneApproval(): LevelLog {
  const log = routedInvoice(ABOVE_50000);
  for (const [index, hours] of [[0, 1], [0, 2]] as const) {
    const state = log.state();
    const outcome = voteAtLevel(state, { approverIndex: index, decision: 'approve' }, at(hours));
    if (!outcome.ok) throw new Error(outcome.reason);
    log.append(state.version, outcome.events, at(hours));
  }
  return log;
}

describe('votes refused, with the reason ApprovalAttemptRefused records', () => {
  it('duplicate-approver: the same director voting again differently; the same vote again is a no-op', () => {
    const state = directorsWithOneApproval().state();
    expect(voteAtLevel(state, { approverIndex: 0, decision: 'reject' }, at(3))).toEqual({ ok: false, reason: 'duplicate-approver' });
    // A repeat that did not end the gate: nothing appended, nothing to deliver.
    expect(voteAtLevel(state, { approverIndex: 0, decision: 'approve' }, at(3))).toEqual({ ok: true, events: [] });
  });

  it('the vote that ended the gate, repeated, appends nothing and is delivered again', () => {
    const log = routedInvoice({ amount: '12000.00', currency: 'EUR', knownVendor: true });
    const state = log.state();
    const first = voteAtLevel(state, { approverIndex: 1, decision: 'reject' }, at(1));
    if (!first.ok) throw new Error(first.reason);
    log.append(state.version, first.events, at(1));
    expect(voteAtLevel(log.state(), { approverIndex: 1, decision: 'reject' }, at(2))).toEqual({ ok: true, events: [], deliver: { kind: 'failure', error: 'ApprovalRejected' } });
    expect(voteAtLevel(log.state(), { approverIndex: 1, decision: 'approve' }, at(2))).toEqual({ ok: false, reason: 'already-decided' });
    expect(voteAtLevel(log.state(), { approverIndex: 0, decision: 'approve' }, at(2))).toEqual({ ok: false, reason: 'already-decided' });
  });

  it('wrong-approver: a position outside the group, a later level, another group, before routing', () => {
    const state = directorsWithOneApproval().state();
    expect(voteAtLevel(state, { approverIndex: 3, decision: 'approve' }, at(3))).toEqual({ ok: false, reason: 'wrong-approver' });
    expect(voteAtLevel(state, { approverIndex: -1, decision: 'approve' }, at(3))).toEqual({ ok: false, reason: 'wrong-approver' });
    expect(voteAtLevel(state, { approverIndex: 1.5, decision: 'approve' }, at(3))).toEqual({ ok: false, reason: 'wrong-approver' });
    expect(voteAtLevel(state, { approverIndex: 1, decision: 'approve', level: 2 }, at(3))).toEqual({ ok: false, reason: 'wrong-approver' });
    expect(voteAtLevel(state, { approverIndex: 1, decision: 'approve', group: 'finance' }, at(3))).toEqual({ ok: false, reason: 'wrong-approver' });
    expect(voteAtLevel(levelState([]), { approverIndex: 0, decision: 'approve' }, at(3))).toEqual({ ok: false, reason: 'wrong-approver' });
  });

  it('a double click on an earlier level, after it completed, is a no-op, not a refusal', () => {
    const state = directorsWithOneApproval().state();
    expect(voteAtLevel(state, { approverIndex: 0, decision: 'approve', level: 0, group: 'managers' }, at(3))).toEqual({ ok: true, events: [] });
  });

  it('already-decided: a link for a level that completed', () => {
    const state = directorsWithOneApproval().state();
    expect(voteAtLevel(state, { approverIndex: 1, decision: 'approve', level: 0, group: 'managers' }, at(3))).toEqual({ ok: false, reason: 'already-decided' });
  });

  it('expired: at the deadline, before any timer recorded it', () => {
    const state = directorsWithOneApproval().state();
    expect(voteAtLevel(state, { approverIndex: 1, decision: 'approve' }, at(1 + 48))).toEqual({ ok: false, reason: 'expired' });
    expect(voteAtLevel(state, { approverIndex: 1, decision: 'approve' }, new Date(at(1 + 48).getTime() - 1)).ok).toBe(true);
  });
});

describe('timers', () => {
  it('reminds once, only those who have not voted, and nothing before the reminder', () => {
    const log = directorsWithOneApproval();
    const reminderAt = at(1 + 48 - 12);
    expect(nextTimerAt(log.state())).toBe(reminderAt.toISOString());
    expect(onTimer(log.state(), new Date(reminderAt.getTime() - 1))).toEqual({ events: [] });
    const state = log.state();
    const reminder = onTimer(state, reminderAt);
    expect(reminder.remind).toEqual([1, 2]);
    expect(reminder.events).toEqual([{ type: 'ApprovalReminderSent', actor: 'timer', data: { approvalId: 'exec-1-1', level: 1, approverIndexes: [1, 2] } }]);
    log.append(state.version, reminder.events, reminderAt);
    // Fired again (twice, or late after a restart): nothing new.
    expect(onTimer(log.state(), reminderAt)).toEqual({ events: [] });
    expect(onTimer(log.state(), at(45))).toEqual({ events: [] });
    expect(nextTimerAt(log.state())).toBe(at(49).toISOString());
  });

  it('a restart after both the reminder and the deadline passed fires the deadline once, without the stale reminder', () => {
    const log = routedInvoice({ amount: '12000.00', currency: 'EUR', knownVendor: true });
    const late = at(60);
    const state = log.state();
    const first = onTimer(state, late);
    expect(first.events.map((event) => event.type)).toEqual(['ApprovalEscalated', 'ApprovalLevelStarted']);
    log.append(state.version, first.events, late);
    expect(onTimer(log.state(), late)).toEqual({ events: [] });
    expect(log.state().deadlineAt).toBe(at(60 + 24).toISOString());
  });

  it('a timer after the gate ended does nothing', () => {
    const log = routedInvoice({ amount: '12000.00', currency: 'EUR', knownVendor: true });
    const state = log.state();
    const outcome = voteAtLevel(state, { approverIndex: 0, decision: 'approve' }, at(1));
    if (!outcome.ok) throw new Error(outcome.reason);
    log.append(state.version, outcome.events, at(1));
    expect(onTimer(log.state(), at(1000))).toEqual({ events: [] });
    expect(nextTimerAt(log.state())).toBeUndefined();
  });
});

describe('startRoute', () => {
  const level = (overrides: Partial<Level> = {}): Level => ({ name: 'l', group: 'finance', quorum: 1, deadlineHours: 10, onDeadline: 'fail', ...overrides });
  const route = (levels: Level[]) => ({ kind: 'route' as const, rule: 'r', levels });
  const ids = { approvalId: 'e-1', executionId: 'e' };

  it('resolves all to the group size, for the level and for its escalation', () => {
    const routing = startRoute(route([level({ quorum: 'all', onDeadline: { escalateTo: 'directors', deadlineHours: 5 } })]), { finance: 3, directors: 2 }, T0, ids);
    expect(routing.ok && routing.events[0]!.data).toMatchObject({ levels: [{ quorum: 3, approverCount: 3, onDeadline: { escalateTo: 'directors', quorum: 2, approverCount: 2 } }] });
    expect(routing.ok && routing.events[1]!.data).toEqual({ approvalId: 'e-1', level: 0, group: 'finance', quorum: 3, approverCount: 3, deadlineAt: at(10).toISOString() });
    expect(routing.ok && routing.events.flatMap((event) => levelEventIssues(event.type, event.data, 'data'))).toEqual([]);
  });

  it('fails closed on an empty or missing group, a quorum larger than the group or its escalation, and a non-route', () => {
    expect(startRoute(route([level()]), { finance: 0 }, T0, ids)).toMatchObject({ ok: false });
    expect(startRoute(route([level()]), {}, T0, ids)).toMatchObject({ ok: false });
    expect(startRoute(route([level({ quorum: 4 })]), { finance: 3 }, T0, ids)).toMatchObject({ ok: false, problem: expect.stringContaining('exceeds') });
    expect(startRoute(route([level({ quorum: 2, onDeadline: { escalateTo: 'd', deadlineHours: 5 } })]), { finance: 3, d: 1 }, T0, ids)).toMatchObject({ ok: false });
    expect(startRoute({ kind: 'auto', decision: 'approve', rule: 'r' }, { finance: 3 }, T0, ids)).toMatchObject({ ok: false });
    expect(startRoute({ kind: 'no-match' }, { finance: 3 }, T0, ids)).toMatchObject({ ok: false });
  });
});

describe('levelEventIssues', () => {
  it('refuses an address, an unknown key, a position out of range', () => {
    expect(levelEventIssues('ApprovalVoted', { approvalId: 'e-1', level: 0, group: 'finance', approverIndex: 0, decision: 'approve', approver: 'a@example.com' }, 'd')).toHaveLength(1);
    expect(levelEventIssues('ApprovalVoted', { approvalId: 'e-1', level: 0, group: 'a@example.com', approverIndex: 0, decision: 'approve' }, 'd').map((i) => i.path)).toEqual(['d.group']);
    expect(levelEventIssues('ApprovalReminderSent', { approvalId: 'e-1', level: 0, approverIndexes: [100] }, 'd').map((i) => i.path)).toEqual(['d.approverIndexes']);
    expect(levelEventIssues('ApprovalLevelCompleted', { approvalId: 'e-1', level: 0, decision: 'reject' }, 'd').map((i) => i.path)).toEqual(['d.decision']);
    expect(levelEventIssues('StepSucceeded', { anything: true }, 'd')).toEqual([]);
  });

  it('accepts ApprovalDecided and ApprovalExpired as the single-approver gates write them today', () => {
    expect(levelEventIssues('ApprovalDecided', { approvalId: 'exec-1-1', executionId: 'exec-1', approverIndex: 0, decision: 'reject' }, 'd')).toEqual([]);
    expect(levelEventIssues('ApprovalExpired', { approvalId: 'exec-1-1', executionId: 'exec-1' }, 'd')).toEqual([]);
  });

  it('refuses a routed level whose quorum exceeds its group, or an escalation without its resolved size', () => {
    const level = { name: 'l', group: 'g', quorum: 2, approverCount: 2, deadlineHours: 5, onDeadline: 'fail' };
    const routed = (levels: unknown[]) => levelEventIssues('ApprovalRouted', { approvalId: 'e-1', executionId: 'e', rule: 'r', levels }, 'd').map((i) => i.path);
    expect(routed([level])).toEqual([]);
    expect(routed([{ ...level, quorum: 3 }])).toEqual(['d.levels[0].quorum']);
    expect(routed([{ ...level, onDeadline: { escalateTo: 'h', deadlineHours: 5 } }])).toEqual(['d.levels[0].onDeadline']);
    expect(routed([])).toEqual(['d.levels']);
  });
});
