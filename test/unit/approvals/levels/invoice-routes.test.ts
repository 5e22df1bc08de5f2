import { describe, expect, it } from 'vitest';
import { voteAtLevel, type LevelVote } from '../../../../functions/shared/approvals/levels/decide.js';
import { nextTimerAt, onTimer } from '../../../../functions/shared/approvals/levels/timers.js';
import { at, type LevelLog, routedInvoice } from './level-log.js';

/** The invoice policy's routes played through the pure domain, each step appended at the version read. */

function vote(log: LevelLog, command: LevelVote, now: Date) {
  const state = log.state();
  const outcome = voteAtLevel(state, command, now);
  if (!outcome.ok) throw new Error(`refused: ${outcome.reason}`);
  log.append(state.version, outcome.events, now);
  return outcome;
}

function fire(log: LevelLog, now: Date) {
  const state = log.state();
  const outcome = onTimer(state, now);
  if (outcome.events.length > 0) log.append(state.version, outcome.events, now);
  return outcome;
}

describe('the invoice policy, played through', () => {
  it('5,000 to 50,000: one finance approver approves, and the gate succeeds', () => {
    const log = routedInvoice({ amount: '12000.00', currency: 'EUR', knownVendor: true });
    const routed = log.state();
    expect(routed).toMatchObject({ status: 'pending', rule: '5000-to-50000', level: 0, group: 'finance', quorum: 1, approverCount: 3 });
    expect(routed.deadlineAt).toBe(at(48).toISOString());
    expect(routed.reminderAt).toBe(at(36).toISOString());

    const outcome = vote(log, { approverIndex: 2, decision: 'approve' }, at(1));
    expect(outcome.deliver).toEqual({ kind: 'success' });
    expect(log.types()).toEqual(['ApprovalRouted', 'ApprovalLevelStarted', 'ApprovalVoted', 'ApprovalLevelCompleted', 'ApprovalDecided']);
    expect(log.events.at(-1)?.data).toEqual({ approvalId: 'exec-1-1', executionId: 'exec-1', approverIndex: 2, decision: 'approve', level: 0 });
    expect(log.state()).toMatchObject({ status: 'approved', completedLevels: [0] });
    expect(nextTimerAt(log.state())).toBeUndefined();
  });

  it('above 50,000: one manager, then 2 of 3 finance directors, completing exactly once', () => {
    const log = routedInvoice({ amount: '75000.00', currency: 'EUR', knownVendor: true });
    expect(log.state()).toMatchObject({ rule: 'above-50000', level: 0, group: 'managers', quorum: 1, approverCount: 2 });

    expect(vote(log, { approverIndex: 1, decision: 'approve', level: 0, group: 'managers' }, at(2)).deliver).toBeUndefined();
    const second = log.state();
    expect(second).toMatchObject({ status: 'pending', level: 1, group: 'finance-directors', quorum: 2, approverCount: 3, completedLevels: [0] });
    // The next level's deadline runs from when it opened, not from the route's start.
    expect(second.deadlineAt).toBe(at(2 + 48).toISOString());

    expect(vote(log, { approverIndex: 0, decision: 'approve', level: 1, group: 'finance-directors' }, at(3)).deliver).toBeUndefined();
    expect(log.state().status).toBe('pending');
    expect(vote(log, { approverIndex: 2, decision: 'approve', level: 1, group: 'finance-directors' }, at(4)).deliver).toEqual({ kind: 'success' });
    // The third director is too late: the gate is decided.
    expect(voteAtLevel(log.state(), { approverIndex: 1, decision: 'approve', level: 1, group: 'finance-directors' }, at(5))).toEqual({ ok: false, reason: 'already-decided' });

    expect(log.types().filter((type) => type === 'ApprovalLevelCompleted')).toHaveLength(2);
    expect(log.types().filter((type) => type === 'ApprovalDecided')).toHaveLength(1);
    expect(log.state()).toMatchObject({ status: 'approved', completedLevels: [0, 1] });
  });

  it('a rejection at level 1 ends the gate at once', () => {
    const log = routedInvoice({ amount: '75000.00', currency: 'EUR', knownVendor: true });
    const outcome = vote(log, { approverIndex: 0, decision: 'reject' }, at(1));
    expect(outcome.deliver).toEqual({ kind: 'failure', error: 'ApprovalRejected' });
    expect(log.state()).toMatchObject({ status: 'rejected', level: 0, completedLevels: [] });
    expect(log.types().slice(2)).toEqual(['ApprovalVoted', 'ApprovalDecided']);
  });

  it('the manager does not decide in time: the level escalates to the finance directors, who approve it', () => {
    const log = routedInvoice({ amount: '75000.00', currency: 'EUR', knownVendor: true });
    expect(nextTimerAt(log.state())).toBe(at(18).toISOString());
    expect(fire(log, at(18)).remind).toEqual([0, 1]);
    expect(nextTimerAt(log.state())).toBe(at(24).toISOString());

    const escalation = fire(log, at(24));
    expect(escalation.deliver).toBeUndefined();
    expect(log.types().slice(-2)).toEqual(['ApprovalEscalated', 'ApprovalLevelStarted']);
    expect(log.events.at(-2)?.data).toEqual({ approvalId: 'exec-1-1', level: 0, toGroup: 'finance-directors', deadlineAt: at(48).toISOString() });
    expect(log.state()).toMatchObject({ status: 'pending', level: 0, group: 'finance-directors', quorum: 1, approverCount: 3, escalated: true });
    // The escalation's own reminder, 6 hours before its deadline.
    expect(nextTimerAt(log.state())).toBe(at(42).toISOString());
    // The manager's link no longer counts: their deadline passed.
    expect(voteAtLevel(log.state(), { approverIndex: 0, decision: 'approve', level: 0, group: 'managers' }, at(25))).toEqual({ ok: false, reason: 'expired' });

    vote(log, { approverIndex: 1, decision: 'approve', level: 0, group: 'finance-directors' }, at(25));
    expect(log.state()).toMatchObject({ level: 1, group: 'finance-directors', escalated: false, quorum: 2 });
    vote(log, { approverIndex: 0, decision: 'approve', level: 1 }, at(26));
    expect(vote(log, { approverIndex: 1, decision: 'approve', level: 1 }, at(27)).deliver).toEqual({ kind: 'success' });
    expect(log.state().status).toBe('approved');
  });

  it('fails closed at the last deadline: the escalation passes too, and the gate expires', () => {
    const log = routedInvoice({ amount: '12000.00', currency: 'EUR', knownVendor: false });
    fire(log, at(48));
    expect(log.state()).toMatchObject({ group: 'finance-directors', escalated: true, deadlineAt: at(72).toISOString() });
    const expiry = fire(log, at(72));
    expect(expiry.deliver).toEqual({ kind: 'failure', error: 'ApprovalExpired' });
    expect(log.events.at(-1)).toMatchObject({ type: 'ApprovalExpired', data: { approvalId: 'exec-1-1', executionId: 'exec-1', level: 0 } });
    expect(log.state().status).toBe('expired');
    expect(nextTimerAt(log.state())).toBeUndefined();
  });

  it('the directors level fails closed at its deadline (onDeadline fail)', () => {
    const log = routedInvoice({ amount: '75000.00', currency: 'EUR', knownVendor: true });
    vote(log, { approverIndex: 0, decision: 'approve' }, at(1));
    vote(log, { approverIndex: 0, decision: 'approve' }, at(2));
    expect(fire(log, at(1 + 48)).deliver).toEqual({ kind: 'failure', error: 'ApprovalExpired' });
    expect(log.state()).toMatchObject({ status: 'expired', level: 1 });
  });
});
