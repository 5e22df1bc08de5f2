import type { LevelDeliver, LevelEvent } from './events.js';
import { levelTimes, reached } from './instants.js';
import { type LevelState, votesOfGroupAsked } from './state.js';

/**
 * Reminders and deadlines, pure: what a timer firing at `now` appends, and when the next timer
 * must fire. A scheduler (EventBridge Scheduler on AWS, a persisted timer in the local runtime)
 * is set from `nextTimerAt(levelState(stream))` after every append; a restart recomputes it from
 * the stream and fires an overdue timer once. Firing is safe at any time: a timer that fires
 * twice, late, or after the gate ended appends nothing new, because what it did is on the
 * stream and the next fold moves `nextTimerAt` on. Appends go at the version read, like votes,
 * so a timer racing a vote either lands first (and the vote re-decides) or finds the vote.
 */

export interface TimerOutcome {
  events: LevelEvent[];
  /** Positions in the group asked now to email a reminder to (the wiring maps them to addresses). */
  remind?: number[];
  deliver?: LevelDeliver;
}

const NOTHING: TimerOutcome = { events: [] };
const ACTOR = 'timer';

/**
 * - At or after the deadline: the level's escalation (ApprovalEscalated + ApprovalLevelStarted of
 *   the escalation group, deadline counted from now: the group is asked from now), or, when the
 *   level says `fail` or is already escalated, ApprovalExpired and a failure to deliver. A missed
 *   reminder is not sent then: the level it would remind of is over.
 * - At or after the reminder and before the deadline, once per asked group: ApprovalReminderSent
 *   naming the positions that have not voted at this level.
 *
 * @example
 * const outcome = onTimer(levelState(events), new Date());
 * if (outcome.events.length > 0) await store.append(stream, state.version, outcome.events.map(toNewEvent));
 */
export function onTimer(state: LevelState, now: Date): TimerOutcome {
  if (state.status !== 'pending' || state.group === undefined || state.deadlineAt === undefined || state.approvalId === undefined) return NOTHING;
  const routed = state.route[state.level];
  if (routed === undefined) return NOTHING;
  const { approvalId, level } = state;
  if (reached(now, state.deadlineAt)) {
    if (!state.escalated && routed.onDeadline !== 'fail') {
      const escalation = routed.onDeadline;
      const times = levelTimes(now, escalation.deadlineHours, routed.reminderHoursBeforeDeadline);
      return {
        events: [
          { type: 'ApprovalEscalated', actor: ACTOR, data: { approvalId, level, toGroup: escalation.escalateTo, deadlineAt: times.deadlineAt } },
          {
            type: 'ApprovalLevelStarted',
            actor: ACTOR,
            data: { approvalId, level, group: escalation.escalateTo, quorum: escalation.quorum, approverCount: escalation.approverCount, ...times, escalatedFrom: state.group },
          },
        ],
      };
    }
    return {
      events: [{ type: 'ApprovalExpired', actor: ACTOR, data: { approvalId, executionId: state.executionId!, level } }],
      deliver: { kind: 'failure', error: 'ApprovalExpired' },
    };
  }
  if (state.reminderAt !== undefined && state.remindedAt === undefined && reached(now, state.reminderAt)) {
    const voted = new Set(votesOfGroupAsked(state).map((vote) => vote.approverIndex));
    const approverIndexes = Array.from({ length: state.approverCount }, (_, index) => index).filter((index) => !voted.has(index));
    return { events: [{ type: 'ApprovalReminderSent', actor: ACTOR, data: { approvalId, level, approverIndexes } }], remind: approverIndexes };
  }
  return NOTHING;
}

/**
 * The next instant a timer must fire for this state: the pending reminder, else the deadline;
 * undefined once the gate ended (or before it is routed). An instant in the past means "now".
 *
 * @example
 * const at = nextTimerAt(levelState(events)); // '2026-12-05T10:00:00.000Z'
 */
export function nextTimerAt(state: LevelState): string | undefined {
  if (state.status !== 'pending' || state.deadlineAt === undefined) return undefined;
  if (state.reminderAt !== undefined && state.remindedAt === undefined && Date.parse(state.reminderAt) < Date.parse(state.deadlineAt)) return state.reminderAt;
  return state.deadlineAt;
}
