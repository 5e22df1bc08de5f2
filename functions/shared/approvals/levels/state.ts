import { type ApprovalDecidedData, type ApprovalLevelStartedData, type ApprovalRoutedData, type ApprovalVotedData, levelEventIssues, type RoutedLevel } from './events.js';

/**
 * The state of a multi-level approval, folded from its approval stream (events.ts). Pure and
 * total: events of other types, events whose data is malformed, and events that do not fit the
 * state (a vote at a level that is not open, a second decision) are ignored, so the same events
 * always give the same state and no stream makes it throw.
 */

export type LevelStatus = 'routing' | 'pending' | 'approved' | 'rejected' | 'expired';

export interface RecordedVote {
  /** The group asked when the vote was cast: positions name people only within their group. */
  group: string;
  approverIndex: number;
  decision: 'approve' | 'reject';
}

export interface LevelState {
  /** `routing` until the first level starts; `pending` while a level waits; then how the gate ended. */
  status: LevelStatus;
  approvalId?: string;
  executionId?: string;
  rule?: string;
  route: RoutedLevel[];
  /** Index of the level asked now (or last asked, once ended); -1 before the first starts. */
  level: number;
  /** The group asked at this level now: the level's, or its escalation group's. */
  group?: string;
  /** Approvals the current level needs, resolved to a number. */
  quorum: number;
  approverCount: number;
  /**
   * Votes per level, by position in the group asked. An escalation asks another group, whose
   * positions name other people: only the votes of the group asked now count towards the quorum
   * (votesOfGroupAsked).
   */
  votes: RecordedVote[][];
  deadlineAt?: string;
  reminderAt?: string;
  /** When this level's reminder was recorded (its time, or its due time for events without one); unset until then. */
  remindedAt?: string;
  /** Whether the current level is asked of its escalation group. */
  escalated: boolean;
  completedLevels: number[];
  /** The vote that ended the gate, so its approver's repeat is answered with the same delivery. */
  decidedBy?: { level: number; group: string; approverIndex: number };
  /** Version of the last event: the expected version of the next append. */
  version: number;
}

export const initialLevelState: LevelState = { status: 'routing', route: [], level: -1, quorum: 0, approverCount: 0, votes: [], escalated: false, completedLevels: [], version: 0 };

/** Anything with a type and data (StoredEvent fits); `version` and `time` are used when present. */
export interface FoldableEvent {
  readonly type: string;
  readonly data: unknown;
  readonly version?: number;
  readonly time?: string;
}

/**
 * @example
 * const state = levelState(await readVerified(store, approvalStream(approvalId)));
 * if (state.status === 'pending') scheduleAt(nextTimerAt(state));
 */
export function levelState(events: readonly FoldableEvent[]): LevelState {
  let state = initialLevelState;
  for (const event of events) state = evolveLevels(state, event);
  return state;
}

export function evolveLevels(state: LevelState, event: FoldableEvent): LevelState {
  const version = typeof event.version === 'number' && Number.isSafeInteger(event.version) ? event.version : state.version + 1;
  const next: LevelState = { ...state, version };
  if (levelEventIssues(event.type, event.data, 'data').length > 0) return next;
  const data = event.data as Record<string, unknown>;
  if (state.approvalId !== undefined && data.approvalId !== state.approvalId) return next;
  switch (event.type) {
    case 'ApprovalRouted': {
      if (state.route.length > 0 || state.status !== 'routing') return next;
      const routed = data as unknown as ApprovalRoutedData;
      return { ...next, approvalId: routed.approvalId, executionId: routed.executionId, rule: routed.rule, route: routed.levels, votes: routed.levels.map(() => []) };
    }
    case 'ApprovalLevelStarted':
      return levelStarted(state, next, data as unknown as ApprovalLevelStartedData);
    case 'ApprovalVoted': {
      const vote = data as unknown as ApprovalVotedData;
      if (!isOpen(state, vote.level) || vote.group !== state.group || vote.approverIndex >= state.approverCount) return next;
      const atLevel = state.votes[vote.level] ?? [];
      if (atLevel.some((recorded) => recorded.group === vote.group && recorded.approverIndex === vote.approverIndex)) return next;
      const recorded: RecordedVote = { group: vote.group, approverIndex: vote.approverIndex, decision: vote.decision };
      const votes = state.votes.map((list, i) => (i === vote.level ? [...list, recorded] : list));
      return { ...next, votes };
    }
    case 'ApprovalLevelCompleted': {
      const level = data.level as number;
      return isOpen(state, level) ? { ...next, completedLevels: [...state.completedLevels, level] } : next;
    }
    case 'ApprovalReminderSent':
      if (state.status !== 'pending' || data.level !== state.level || state.remindedAt !== undefined) return next;
      return { ...next, remindedAt: event.time ?? state.reminderAt ?? state.deadlineAt };
    case 'ApprovalExpired':
      return state.status === 'pending' || state.status === 'routing' ? { ...next, status: 'expired' } : next;
    case 'ApprovalDecided': {
      const decided = data as unknown as ApprovalDecidedData;
      if (state.status !== 'pending' || state.group === undefined) return next;
      return {
        ...next,
        status: decided.decision === 'approve' ? 'approved' : 'rejected',
        decidedBy: { level: decided.level ?? state.level, group: state.group, approverIndex: decided.approverIndex },
      };
    }
    default:
      // ApprovalEscalated is the record of why; the ApprovalLevelStarted appended with it changes the state.
      return next;
  }
}

/** A level is open for votes and completion when it is the one asked now and not yet complete. */
function isOpen(state: LevelState, level: number): boolean {
  return state.status === 'pending' && level === state.level && !state.completedLevels.includes(level);
}

/** The first level, the next one after a completed level, or the current level's one escalation. */
function levelStarted(state: LevelState, next: LevelState, started: ApprovalLevelStartedData): LevelState {
  const routed = state.route[started.level];
  if (routed === undefined) return next;
  const first = state.status === 'routing' && state.level === -1 && started.level === 0 && started.escalatedFrom === undefined;
  const following = state.status === 'pending' && started.level === state.level + 1 && state.completedLevels.includes(state.level) && started.escalatedFrom === undefined;
  const escalation =
    state.status === 'pending' && started.level === state.level && !state.escalated && !state.completedLevels.includes(state.level) && started.escalatedFrom === state.group;
  if (!first && !following && !escalation) return next;
  const { remindedAt: _reminded, reminderAt: _reminder, ...rest } = next;
  return {
    ...rest,
    status: 'pending',
    level: started.level,
    group: started.group,
    quorum: started.quorum,
    approverCount: started.approverCount,
    deadlineAt: started.deadlineAt,
    ...(started.reminderAt !== undefined ? { reminderAt: started.reminderAt } : {}),
    escalated: escalation,
  };
}

/**
 * The votes at the level asked now that count: those of the group asked now.
 *
 * @example
 * votesOfGroupAsked(state).filter((vote) => vote.decision === 'approve').length; // approvals so far
 */
export function votesOfGroupAsked(state: LevelState): RecordedVote[] {
  return (state.votes[state.level] ?? []).filter((vote) => vote.group === state.group);
}
