import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { voteAtLevel } from '../../../../functions/shared/approvals/levels/decide.js';
import type { LevelEvent } from '../../../../functions/shared/approvals/levels/events.js';
import { startRoute } from '../../../../functions/shared/approvals/levels/route.js';
import { settleLevel } from '../../../../functions/shared/approvals/levels/settle.js';
import { votesOfGroupAsked } from '../../../../functions/shared/approvals/levels/state.js';
import { decisionArbitrary, routeArbitrary } from './level-arbitraries.js';
import { LevelLog, T0, routedInvoice } from './level-log.js';

/**
 * Without transactions a vote is appended alone and its consequences after it, one event at a
 * time; settleLevel says what the votes on record already decide. Here votes land one by one, a
 * settle may stop after any of its events (a crash) or never run until the end, and the outcome is
 * still what voteAtLevel's all-at-once appends give: each level completed once, never below its
 * quorum, one decision, decided by the quorum-th approval or the first rejection.
 */

/** Appends only the vote of what voteAtLevel would append, as policy-gate/record-level-vote.ts does. */
function castVote(log: LevelLog, approverIndex: number, decision: 'approve' | 'reject'): boolean {
  const state = log.state();
  const outcome = voteAtLevel(state, { approverIndex, decision }, T0);
  if (!outcome.ok) return false;
  const voted = outcome.events.filter((event) => event.type === 'ApprovalVoted');
  log.append(state.version, voted, T0);
  return voted.length > 0;
}

/** Settles one event at a time, stopping after `limit` events (a crash), or until nothing is pending. */
function settle(log: LevelLog, limit = Number.POSITIVE_INFINITY): number {
  let appended = 0;
  while (appended < limit) {
    const { events } = settleLevel(log.state(), T0);
    const next: LevelEvent | undefined = events[0];
    if (next === undefined) break;
    log.append(log.state().version, [next], T0);
    appended++;
  }
  return appended;
}

describe('settleLevel', () => {
  it('finishes a level whose quorum is on record: completed, then the next level opens', () => {
    const log = routedInvoice({ amount: '60000.00', currency: 'EUR', knownVendor: false });
    expect(castVote(log, 0, 'approve')).toBe(true);
    expect(log.state().completedLevels).toEqual([]);
    expect(settleLevel(log.state(), T0).events.map((event) => event.type)).toEqual(['ApprovalLevelCompleted', 'ApprovalLevelStarted']);
    settle(log);
    expect(log.state()).toMatchObject({ level: 1, group: 'finance-directors', completedLevels: [0], status: 'pending' });
    expect(settleLevel(log.state(), T0).events).toEqual([]);
  });

  it('decides the gate at the last level, naming the quorum-th approval, and tells the gate to succeed', () => {
    const log = routedInvoice({ amount: '20000.00', currency: 'EUR', knownVendor: false });
    castVote(log, 2, 'approve');
    const due = settleLevel(log.state(), T0);
    expect(due.events.map((event) => event.type)).toEqual(['ApprovalLevelCompleted', 'ApprovalDecided']);
    expect(due.events[1]).toMatchObject({ actor: 'approver:finance:2', data: { approverIndex: 2, decision: 'approve', level: 0 } });
    expect(due.deliver).toEqual({ kind: 'success' });
  });

  it('a rejection on record decides the gate as rejected, whatever approvals came with it', () => {
    const log = routedInvoice({ amount: '60000.00', currency: 'EUR', knownVendor: false });
    settle(log, 0);
    castVote(log, 1, 'reject');
    const due = settleLevel(log.state(), T0);
    expect(due.events.map((event) => event.type)).toEqual(['ApprovalDecided']);
    expect(due.deliver).toEqual({ kind: 'failure', error: 'ApprovalRejected' });
    settle(log);
    expect(log.state().status).toBe('rejected');
  });

  it('has nothing to settle before a quorum, after the gate ended, or before routing', () => {
    expect(settleLevel(new LevelLog().state(), T0).events).toEqual([]);
    const log = routedInvoice({ amount: '60000.00', currency: 'EUR', knownVendor: false });
    expect(settleLevel(log.state(), T0).events).toEqual([]);
    castVote(log, 0, 'approve');
    settle(log);
    castVote(log, 0, 'approve');
    expect(settleLevel(log.state(), T0).events).toEqual([]);
    castVote(log, 1, 'approve');
    settle(log);
    expect(log.state().status).toBe('approved');
    expect(settleLevel(log.state(), T0).events).toEqual([]);
  });

  it('votes landing one by one, settled late or partly (crashes), still complete each level once, never below quorum, and decide once', () => {
    fc.assert(
      fc.property(
        routeArbitrary,
        fc.array(fc.record({ position: fc.nat({ max: 5 }), decision: decisionArbitrary, settleLimit: fc.option(fc.nat({ max: 3 }), { nil: undefined }) }), { maxLength: 30 }),
        (route, moves) => {
          const routing = startRoute({ kind: 'route', rule: 'r', levels: route.levels }, route.sizes, T0, { approvalId: 'exec-1-1', executionId: 'exec-1' });
          if (!routing.ok) return;
          const log = new LevelLog();
          log.append(0, routing.events, T0);
          for (const move of moves) {
            // A vote comes after whatever earlier settles left, as the next voter settles first.
            castVote(log, move.position % Math.max(1, log.state().approverCount), move.decision);
            if (move.settleLimit !== undefined) settle(log, move.settleLimit);
          }
          settle(log);
          const state = log.state();
          const completed = log.events.filter((event) => event.type === 'ApprovalLevelCompleted').map((event) => (event.data as { level: number }).level);
          expect(new Set(completed).size).toBe(completed.length);
          expect(log.events.filter((event) => event.type === 'ApprovalDecided').length).toBeLessThanOrEqual(1);
          expect(settleLevel(state, T0).events).toEqual([]);
          for (const level of completed) {
            const approvals = (state.votes[level] ?? []).filter((vote) => vote.decision === 'approve');
            expect(approvals.length).toBeGreaterThanOrEqual(state.route[level]!.quorum);
          }
          if (state.status === 'pending') {
            const approvals = votesOfGroupAsked(state).filter((vote) => vote.decision === 'approve').length;
            expect(approvals).toBeLessThan(state.quorum);
            expect(votesOfGroupAsked(state).some((vote) => vote.decision === 'reject')).toBe(false);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
