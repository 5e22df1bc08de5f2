import type { RefusalReason } from '../../events/attempt-refused-data.js';
import type { LevelDeliver, LevelEvent } from './events.js';
import { reached } from './instants.js';
import { settleLevel } from './settle.js';
import { evolveLevels, type LevelState } from './state.js';

/**
 * An approver's vote at a level, pure: what to append, or why it is refused.
 *
 * **Exactly once.** The caller reads the stream, folds it (levelState), calls voteAtLevel, and
 * appends the events at the version it read (`state.version`). Of concurrent votes that would
 * each complete a level, only the first append lands; the others get ConcurrencyConflict, read
 * again, decide again on the new state, and find the level complete (`already-decided` when they
 * name that level, or a vote at the next level if they belong there). So each level completes at
 * most once and the gate is decided, and delivered, by exactly one append. The caller delivers
 * `deliver` (SendTaskSuccess, or SendTaskFailure with its error) only after its append landed.
 * A repeat of a vote on record appends nothing; if that vote ended the gate it is answered with
 * the same `deliver` again (a retry after a failed delivery; Step Functions ignores a second one).
 */

/** A vote as the approval page receives it from a verified link: the approver's position in the group asked, and where the link was for. */
export interface LevelVote {
  approverIndex: number;
  decision: 'approve' | 'reject';
  /** The level the link was issued for; a link for an earlier level is `already-decided`, for a later one `wrong-approver`. */
  level?: number;
  /** The group the link was issued to; after an escalation the level's first group is `expired`. */
  group?: string;
}

/** The refusal reasons a vote can get, from the closed list of ApprovalAttemptRefused. */
export type VoteRefusalReason = Extract<RefusalReason, 'already-decided' | 'duplicate-approver' | 'wrong-approver' | 'expired'>;

export type VoteOutcome =
  | { ok: true; events: LevelEvent[]; deliver?: LevelDeliver }
  | { ok: false; reason: VoteRefusalReason };

/**
 * Order of the checks: a repeat of the very vote on record (no-op), the gate ended
 * (`already-decided`), a level other than the one asked now (`already-decided` for an earlier
 * one, `wrong-approver` for a later one or before routing), a group other than the one asked
 * (`expired` for the level's own group once escalated, `wrong-approver` otherwise), a position
 * outside the group (`wrong-approver`), the deadline reached (`expired`, even before the timer
 * has recorded it), another vote by the same position at this level (`duplicate-approver`).
 *
 * @example
 * const outcome = voteAtLevel(levelState(events), { approverIndex: 1, decision: 'approve', level: 1, group: 'finance-directors' }, new Date());
 * if (outcome.ok && outcome.events.length > 0) await store.append(stream, state.version, outcome.events.map(toNewEvent));
 */
export function voteAtLevel(state: LevelState, vote: LevelVote, now: Date): VoteOutcome {
  const { approverIndex, decision } = vote;
  if (!Number.isSafeInteger(approverIndex) || approverIndex < 0 || (decision !== 'approve' && decision !== 'reject')) return { ok: false, reason: 'wrong-approver' };
  const level = vote.level ?? state.level;
  const group = vote.group ?? state.group;

  // A level's votes stay on record after it completes or escalates, so a repeated click on an earlier level's link is found too.
  const onRecord = Number.isSafeInteger(level) && level >= 0 ? state.votes[level]?.find((recorded) => recorded.group === group && recorded.approverIndex === approverIndex) : undefined;
  if (onRecord !== undefined && onRecord.decision === decision) {
    const decidedBy = state.decidedBy;
    const ended = decidedBy !== undefined && decidedBy.level === level && decidedBy.group === group && decidedBy.approverIndex === approverIndex;
    const deliver = ended ? finalDeliver(state) : undefined;
    return { ok: true, events: [], ...(deliver !== undefined ? { deliver } : {}) };
  }
  if (state.status === 'approved' || state.status === 'rejected' || state.status === 'expired') return { ok: false, reason: 'already-decided' };
  if (state.status === 'routing' || state.group === undefined || state.deadlineAt === undefined) return { ok: false, reason: 'wrong-approver' };
  if (level < state.level || state.completedLevels.includes(level)) return { ok: false, reason: 'already-decided' };
  if (level > state.level) return { ok: false, reason: 'wrong-approver' };
  if (group !== state.group) {
    return { ok: false, reason: state.escalated && group === state.route[level]?.group ? 'expired' : 'wrong-approver' };
  }
  if (approverIndex >= state.approverCount) return { ok: false, reason: 'wrong-approver' };
  if (reached(now, state.deadlineAt)) return { ok: false, reason: 'expired' };
  if (onRecord !== undefined) return { ok: false, reason: 'duplicate-approver' };

  const approvalId = state.approvalId!;
  const actor = `approver:${state.group}:${approverIndex}`;
  const voted: LevelEvent = { type: 'ApprovalVoted', actor, data: { approvalId, level, group: state.group, approverIndex, decision } };
  // What the vote decides (a rejection, a quorum reached, the next level or the gate's end) is the
  // settling of the state with the vote in it: one rule for a vote appended with its consequences
  // and for one whose consequences are appended after it (settle.ts).
  const consequences = settleLevel(evolveLevels(state, voted), now);
  return { ok: true, events: [voted, ...consequences.events], ...(consequences.deliver !== undefined ? { deliver: consequences.deliver } : {}) };
}

/** What an ended gate told its task. */
export function finalDeliver(state: LevelState): LevelDeliver | undefined {
  if (state.status === 'approved') return { kind: 'success' };
  if (state.status === 'rejected') return { kind: 'failure', error: 'ApprovalRejected' };
  if (state.status === 'expired') return { kind: 'failure', error: 'ApprovalExpired' };
  return undefined;
}
