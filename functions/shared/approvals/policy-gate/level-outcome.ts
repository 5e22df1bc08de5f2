import type { Sealer } from '../../crypto/sealer.js';
import type { StoredEvent } from '../../events/event.js';
import { approvalState } from '../../events/fold.js';
import { deliverDecision, deliverExpiry, type Delivery } from '../deliver-decision.js';
import { finalDeliver } from '../levels/decide.js';
import { rosterIndex, rosterOf } from '../levels/roster.js';
import { levelState } from '../levels/state.js';
import { nextTimerAt } from '../levels/timers.js';
import { scheduleApprovalTimer } from '../timer-schedule.js';

/** What telling the gate and scheduling its timer need. */
export interface OutcomeDependencies {
  sealer: Sealer;
  now: () => Date;
  /** Step name for errors. */
  step: string;
}

/** The outcome of an ended route, delivered to the newest token (a retried gate after the last vote, or after the expiry). */
export async function deliverEnded(approvalId: string, events: readonly StoredEvent[], deps: OutcomeDependencies): Promise<Delivery | undefined> {
  const levels = levelState(events);
  const state = approvalState(events);
  const ended = finalDeliver(levels);
  if (ended === undefined) return undefined;
  if (ended.kind === 'failure' && ended.error === 'ApprovalExpired') {
    return deliverExpiry(approvalId, events, state, deps.sealer, deps.step);
  }
  const decidedBy = levels.decidedBy;
  // The gate's output names the deciding approver by place in the approval's list, as a single-list gate's does.
  const approverIndex = decidedBy === undefined ? 0 : (rosterIndex(rosterOf(levels.route), decidedBy.group, decidedBy.approverIndex) ?? 0);
  return deliverDecision({ approvalId, approverIndex, decision: ended.kind === 'success' ? 'approve' : 'reject' }, events, state, deps.sealer, deps.step);
}

/**
 * Schedules the approval's next timer: its reminder or deadline, or `at` when given (a level just
 * opened by a vote is announced by a timer due now); nothing once it ended.
 */
export async function scheduleNext(events: readonly StoredEvent[], ids: { approvalId: string; executionId: string }, deps: OutcomeDependencies, at?: string): Promise<void> {
  const next = nextTimerAt(levelState(events));
  if (next === undefined) return;
  await scheduleApprovalTimer({ executionId: ids.executionId, approvalId: ids.approvalId, at: at ?? next }, deps.now());
}

