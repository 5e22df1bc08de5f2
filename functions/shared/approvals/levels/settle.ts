import type { LevelDeliver, LevelEvent } from './events.js';
import { levelStartedData } from './route.js';
import { type LevelState, votesOfGroupAsked } from './state.js';

/**
 * What the votes on record already decide but the stream does not yet say, pure: the level's
 * completion (ApprovalLevelCompleted, then the next level's start or the gate's ApprovalDecided)
 * once the group asked now has a quorum of approvals, or the gate's rejection once one of them
 * rejected. Empty when nothing is pending.
 *
 * Why it exists: an event store without transactions (dynalite, the local runtime's DynamoDB)
 * cannot append a vote and its consequences at once, so a vote is appended alone and its
 * consequences after it, one event at a time, each at the version read. Whoever comes next (the
 * voter itself, another voter, a repeat click, the approval timer) settles what a crash or a lost
 * race left pending. Each consequence is still appended once: an append at a version someone else
 * took fails, and the next settle sees it done.
 *
 * The completing vote is the quorum-th approval in the order recorded (or the first rejection):
 * it names the approver of ApprovalDecided, as voteAtLevel's would.
 *
 * @example
 * const { events, deliver } = settleLevel(levelState(stream), new Date());
 */
export function settleLevel(state: LevelState, now: Date): { events: LevelEvent[]; deliver?: LevelDeliver } {
  if (state.status !== 'pending' || state.group === undefined || state.approvalId === undefined || state.executionId === undefined) return { events: [] };
  const { approvalId, executionId, level, group } = state;
  const votes = votesOfGroupAsked(state);
  // Completed already (its next step lost a race or a crash): only what follows the completion is due.
  const completed = state.completedLevels.includes(level);
  const rejection = completed ? undefined : votes.find((vote) => vote.decision === 'reject');
  if (rejection !== undefined) {
    const actor = `approver:${group}:${rejection.approverIndex}`;
    return {
      events: [{ type: 'ApprovalDecided', actor, data: { approvalId, executionId, approverIndex: rejection.approverIndex, decision: 'reject', level } }],
      deliver: { kind: 'failure', error: 'ApprovalRejected' },
    };
  }
  const completing = votes.filter((vote) => vote.decision === 'approve')[state.quorum - 1];
  if (completing === undefined) return { events: [] };
  const actor = `approver:${group}:${completing.approverIndex}`;
  const events: LevelEvent[] = completed ? [] : [{ type: 'ApprovalLevelCompleted', actor, data: { approvalId, level, decision: 'approve' } }];
  const following = state.route[level + 1];
  if (following !== undefined) {
    events.push({ type: 'ApprovalLevelStarted', actor, data: levelStartedData(approvalId, level + 1, following, now) });
    return { events };
  }
  events.push({ type: 'ApprovalDecided', actor, data: { approvalId, executionId, approverIndex: completing.approverIndex, decision: 'approve', level } });
  return { events, deliver: { kind: 'success' } };
}
