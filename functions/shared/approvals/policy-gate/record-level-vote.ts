import { ApprovalClosed, ApprovalExpired, ConcurrencyConflict, ValidationFailed, type WardflowError } from '../../errors.js';
import { approvalStream, type StoredEvent } from '../../events/event.js';
import { approvalState } from '../../events/fold.js';
import { readVerified } from '../../events/read-verified.js';
import { recordAttemptRefused } from '../attempt-refused.js';
import { approversOnRecord } from '../approvers-on-record.js';
import { DECISION_SOURCE } from '../decide.js';
import type { Delivery } from '../deliver-decision.js';
import { foreignApproval } from '../guard.js';
import { type LevelVote, voteAtLevel, type VoteRefusalReason } from '../levels/decide.js';
import { rosterIndex, rosterPosition, type RosterEntry } from '../levels/roster.js';
import { type LevelState, levelState } from '../levels/state.js';
import { decisionMetrics, type DecisionDependencies } from '../record-approver-decision.js';
import { appendEach } from './append-each.js';
import { deliverEnded, scheduleNext } from './level-outcome.js';
import { settleApproval } from './settle-approval.js';
import { rosterOfState, toNewEvent } from './level-stream.js';

/**
 * Who votes, as the caller names them: by the signed link (the approver's place in the
 * approval's list and the level the link was issued for: the approval page), or by address
 * (record-decision: an operator naming the approver).
 */
export type LevelVoter = { index: number; level: number } | { address: string };

export interface LevelVoteCommand {
  approvalId: string;
  /** The execution the caller names; it must own the approval. */
  executionId: string;
  voter: LevelVoter;
  decision: 'approve' | 'reject';
  /** Free text, possibly personal data: sealed with the vote, never in clear. */
  comment?: string;
}

/** A refused vote: on record (rate limited) before the caller hears it; `error` is what record-decision throws for it. */
export interface RefusedLevelVote {
  refused: VoteRefusalReason;
  error: WardflowError;
}

/** What became of a vote. */
export interface RecordedLevelVote {
  refused?: undefined;
  /** `voted`: on record, the level or the gate still waits for others. */
  status: 'voted' | 'approved' | 'rejected';
  /** False for a repeat of the same vote: nothing was appended (the outcome delivered again when it was the last vote). */
  appended: boolean;
  /** Set when this vote ended the gate (or repeats the vote that did): whether the task took it. */
  delivery?: Delivery;
  /** The stream after the vote. */
  events: StoredEvent[];
  /** The voter as the levels domain knows them. */
  voter: { level: number; group: string; approverIndex: number };
}

/**
 * Rounds of reading again after a concurrent append, before ConcurrencyConflict is rethrown. Each
 * round lands at least one of the contenders, so a level's whole group (at most 20) clicking at
 * once all get an answer about their own vote rather than "try again".
 */
const VOTE_ATTEMPTS = 25;

/**
 * An approver's vote on a policy gate's approval, start to end: read and prove the stream, open
 * the sealed roster (only once the approval proved to be the named execution's), find the voter's
 * group and place, refuse a person who already voted at another level of this approval
 * (`duplicate-approver`: one person, one vote per approval, even when they sit in two groups), ask
 * `voteAtLevel`, and append its events at the version read: ApprovalVoted with the address and
 * comment sealed, plus, when this vote completes the level, ApprovalLevelCompleted and either the
 * next ApprovalLevelStarted or the ApprovalDecided that ends the gate.
 *
 * Exactly once: of concurrent votes, only appends at the version read land; the others read again
 * and vote again on what is there now (a completed level refuses them as already-decided). Only
 * the vote whose append carried ApprovalDecided delivers to the gate (SendTaskSuccess, or
 * SendTaskFailure ApprovalRejected); a repeat of that vote delivers again (a retry after a failed
 * delivery). A vote that opened the next level schedules a timer now, which emails that level's
 * group (approval-timer): the page and record-decision never email.
 *
 * A refusal is recorded first (ApprovalAttemptRefused, rate limited) and returned with its reason
 * and the error record-decision throws for it: ApprovalClosed (already-decided, duplicate-approver),
 * ApprovalExpired (expired), ValidationFailed naming input.approver (wrong-approver).
 */
export async function recordLevelVote(
  command: LevelVoteCommand,
  deps: DecisionDependencies,
  step: string,
  verified?: readonly StoredEvent[],
): Promise<RecordedLevelVote | RefusedLevelVote> {
  const stream = approvalStream(command.approvalId);
  const outcomeDeps = { store: deps.store, sealer: deps.sealer, now: deps.now, step };
  let events = [...(verified ?? (await readVerified(deps.store, stream)))];
  for (let attempt = 1; ; attempt++) {
    const approval = approvalState(events);
    const foreign = foreignApproval(approval, command.executionId, DECISION_SOURCE);
    if (foreign) throw foreign;
    // What earlier votes already decide comes first: this vote is judged on a settled level.
    const before = await settleApproval(events, outcomeDeps);
    events = before.events;
    const state = levelState(events);
    const approvers = await approversOnRecord(events, deps.sealer);
    const roster = rosterOfState(state);
    const voter = voterOf(command.voter, state, roster, approvers);
    const listIndex = voter === undefined ? undefined : rosterIndex(roster, voter.group, voter.approverIndex);
    const refusal = (reason: VoteRefusalReason) => refuse(command, reason, listIndex, events, deps, step);
    if (voter === undefined || listIndex === undefined) return refusal('wrong-approver');
    const address = approvers[listIndex]!;
    const vote: LevelVote = { approverIndex: voter.approverIndex, decision: command.decision, level: voter.level, group: voter.group };
    if (votedElsewhere(state, roster, approvers, address, vote)) return refusal('duplicate-approver');
    const outcome = voteAtLevel(state, vote, deps.now());
    if (!outcome.ok) return refusal(outcome.reason);
    const voted = outcome.events.find((event) => event.type === 'ApprovalVoted');
    let after = events;
    if (voted !== undefined) {
      // The vote alone, at the version read: of concurrent votes only one lands per version, and its
      // consequences (level completed, next level, the gate decided) are settled right after.
      const sealed = { approver: address, ...(command.comment !== undefined ? { comment: command.comment } : {}) };
      const { appended, complete } = await appendEach(deps.store, stream, state.version, [toNewEvent(voted, sealed)]);
      if (!complete) {
        if (attempt >= VOTE_ATTEMPTS) throw new ConcurrencyConflict(stream, state.version);
        events = await readVerified(deps.store, stream);
        continue;
      }
      after = [...events, ...appended];
    }
    const settled = await settleApproval(after, outcomeDeps);
    after = settled.events;
    let delivery = settled.delivery ?? before.delivery;
    // A repeat of the vote that ended the gate: told again (a retry after a failed delivery).
    if (voted === undefined && outcome.deliver !== undefined) delivery = await deliverEnded(command.approvalId, after, outcomeDeps);
    if (settled.delivery !== undefined && voted !== undefined) decisionMetrics(after, command.decision, deps.now());
    // The next level's group is emailed by the timer, at once: scheduled for now.
    if (settled.openedLevel || before.openedLevel) await scheduleNext(after, command, outcomeDeps, deps.now().toISOString());
    const ended = levelState(after);
    const status = ended.status === 'approved' ? 'approved' : ended.status === 'rejected' ? 'rejected' : 'voted';
    return { status, appended: voted !== undefined, ...(delivery !== undefined ? { delivery } : {}), events: after, voter };
  }
}

/** The voter's level, group and place in it: from the link's claims, or, for an address, the place in the group asked now. */
function voterOf(named: LevelVoter, state: LevelState, roster: readonly RosterEntry[], approvers: readonly string[]): { level: number; group: string; approverIndex: number } | undefined {
  if ('index' in named) {
    const position = rosterPosition(roster, named.index);
    return position === undefined ? undefined : { level: named.level, ...position };
  }
  const wanted = named.address.toLowerCase();
  const group = state.group;
  if (group === undefined) return undefined;
  const entry = roster.find((candidate) => candidate.group === group);
  if (entry === undefined) return undefined;
  for (let approverIndex = 0; approverIndex < entry.count; approverIndex++) {
    if (approvers[entry.from + approverIndex]?.toLowerCase() === wanted) return { level: state.level, group, approverIndex };
  }
  return undefined;
}

/** Whether the person (by address) already voted on this approval as someone else: at another level, or in another group. */
function votedElsewhere(state: LevelState, roster: readonly RosterEntry[], approvers: readonly string[], address: string, vote: LevelVote): boolean {
  const wanted = address.toLowerCase();
  return state.votes.some((votes, level) =>
    votes.some((recorded) => {
      const same = level === vote.level && recorded.group === vote.group && recorded.approverIndex === vote.approverIndex;
      if (same) return false;
      const index = rosterIndex(roster, recorded.group, recorded.approverIndex);
      return index !== undefined && approvers[index]?.toLowerCase() === wanted;
    }),
  );
}

/** Records the refusal (rate limited) and throws the error the callers map to their answers. */
async function refuse(
  command: LevelVoteCommand,
  reason: VoteRefusalReason,
  listIndex: number | undefined,
  events: readonly StoredEvent[],
  deps: DecisionDependencies,
  step: string,
): Promise<RefusedLevelVote> {
  const position = reason !== 'wrong-approver' && listIndex !== undefined ? { approverIndex: listIndex } : {};
  await recordAttemptRefused(deps.store, events, { approvalId: command.approvalId, executionId: command.executionId, reason, ...position }, step, deps.now());
  return { refused: reason, error: refusalError(command.approvalId, reason) };
}

function refusalError(approvalId: string, reason: VoteRefusalReason): WardflowError {
  switch (reason) {
    case 'already-decided':
      return new ApprovalClosed(approvalId, 'decided at this level');
    case 'duplicate-approver':
      return new ApprovalClosed(approvalId, 'voted on by this approver already');
    case 'expired':
      return new ApprovalExpired(approvalId);
    case 'wrong-approver':
      return new ValidationFailed(DECISION_SOURCE, [{ path: 'input.approver', expected: 'an approver asked at the current level of this approval' }]);
  }
}
