import type { Json, StoredEvent } from './event.js';

/**
 * Current state is a fold of the stream: `evolve` is pure and total (an event it does not
 * care about returns the state unchanged), so the same events always give the same state.
 *
 * @example
 * const count = foldStream(events, (n, _event) => n + 1, 0);
 */
export function foldStream<S>(events: readonly StoredEvent[], evolve: (state: S, event: StoredEvent) => S, initial: S): S {
  let state = initial;
  for (const event of events) state = evolve(state, event);
  return state;
}

// ---- execution ------------------------------------------------------------------------

export type ExecutionStatus = 'not-started' | 'running' | 'waiting-for-approval' | 'succeeded' | 'failed';

export interface ExecutionState {
  status: ExecutionStatus;
  startedAt?: string;
  endedAt?: string;
  /** Names of the steps that succeeded, in order. */
  steps: string[];
  /** The last error recorded (a safe error name or message, never input values). */
  lastError?: string;
  /**
   * While waiting for an approval: the actor (the gate step) that asked for it. That step's
   * own StepSucceeded, its commit marker written after its facts, does not resume the execution.
   */
  awaitingFrom?: string;
}

export const initialExecutionState: ExecutionState = { status: 'not-started', steps: [] };

/** The approval timer reminds, escalates and expires on the execution's behalf: its work alone never means the execution runs again (an expiry does, through ApprovalExpired). */
const APPROVAL_TIMER_ACTOR = 'step:approval-timer';

const isEnded = (status: ExecutionStatus): boolean => status === 'succeeded' || status === 'failed';

/**
 * One step of the execution fold. An ended execution stays ended: events after
 * ExecutionSucceeded/ExecutionFailed do not reopen it. A decided or expired gate puts the
 * execution back to running; what follows (a step, or ExecutionFailed) says how it goes on.
 * The gate step's own StepSucceeded (written after its ApprovalRequested) keeps it waiting;
 * any other step succeeding (record-decision, the next step) means it runs again.
 *
 * @example
 * evolveExecution(initialExecutionState, startedEvent).status; // 'running'
 */
export function evolveExecution(state: ExecutionState, event: StoredEvent): ExecutionState {
  if (isEnded(state.status)) return state;
  const data = event.data;
  switch (event.type) {
    case 'ExecutionStarted':
      return state.status === 'not-started' ? { ...state, status: 'running', startedAt: event.time } : state;
    case 'StepSucceeded': {
      const step = text(data.step);
      const steps = step === undefined ? state.steps : [...state.steps, step];
      if (state.status === 'waiting-for-approval' && (event.actor === state.awaitingFrom || event.actor === APPROVAL_TIMER_ACTOR)) return { ...state, steps };
      return { ...withoutAwaiting(state), status: 'running', steps };
    }
    case 'StepFailed':
    case 'ValidationFailed':
      return withError(state, text(data.error) ?? event.type);
    case 'GuardTriggered':
      // Only a guard that blocked is an error; `human` and `redact` let the step go on. Events
      // from before verdicts existed have none, and they blocked.
      return data.verdict === undefined || data.verdict === 'block' ? withError(state, text(data.error) ?? event.type) : state;
    case 'ApprovalRequested':
      return { ...state, status: 'waiting-for-approval', awaitingFrom: event.actor };
    case 'ApprovalDecided':
    case 'ApprovalAutoDecided':
    case 'ApprovalExpired':
      return state.status === 'waiting-for-approval' ? { ...withoutAwaiting(state), status: 'running' } : state;
    case 'ExecutionSucceeded':
      return { ...withoutAwaiting(state), status: 'succeeded', endedAt: event.time };
    case 'ExecutionFailed':
      return { ...withError(withoutAwaiting(state), text(data.error) ?? 'ExecutionFailed'), status: 'failed', endedAt: event.time };
    default:
      return state;
  }
}

/**
 * The state of an execution from its stream.
 *
 * @example
 * const { status, steps } = executionState(await store.read(executionStream(id)));
 */
export function executionState(events: readonly StoredEvent[]): ExecutionState {
  return foldStream(events, evolveExecution, initialExecutionState);
}

function withError(state: ExecutionState, error: string): ExecutionState {
  return { ...state, lastError: error };
}

function withoutAwaiting(state: ExecutionState): ExecutionState {
  if (state.awaitingFrom === undefined) return state;
  const { awaitingFrom: _gone, ...rest } = state;
  return rest;
}

// ---- approval -------------------------------------------------------------------------

export type ApprovalStatus = 'none' | 'pending' | 'approved' | 'rejected' | 'expired';

export interface ApprovalState {
  status: ApprovalStatus;
  approvalId?: string;
  executionId?: string;
  /**
   * How many approvers ApprovalRequested named (0 before a request, or when auto-decided).
   * Who they are is sealed in the request (see approvers-on-record.ts); in clear an approver
   * is only a position, 0 to approverCount - 1, the same one their signed link carries.
   */
  approverCount: number;
  /** When the gate stops waiting: the request's, or the newest token replacement's (a retried task restarts its timeout). */
  expiresAt?: string;
  /** Version of the newest event (ApprovalRequested or ApprovalTokenReplaced) holding the sealed task token. */
  tokenVersion?: number;
  /** The decision of the closing ApprovalDecided or ApprovalAutoDecided. */
  decision?: 'approve' | 'reject';
  /** Position (in the request's approvers) of the approver whose ApprovalDecided closed it (absent for auto-decided or expired). */
  approverIndex?: number;
  requestedAt?: string;
  decidedAt?: string;
  /** The actor of the closing event: an approver (`approver:<index>`), or the policy/role that auto-decided or expired it. */
  decidedBy?: string;
  /** Version of the last event: the expectedVersion for the next append to this stream. */
  version: number;
}

export const initialApprovalState: ApprovalState = { status: 'none', approverCount: 0, version: 0 };

/**
 * One step of the approval fold. The first decision closes the approval; later decisions
 * or expiries leave the status unchanged (the handler refuses them with ApprovalClosed).
 * A token replacement moves the token and the expiry whatever the status: a decided
 * approval is still answered with the newest token of its gate.
 *
 * @example
 * evolveApproval(initialApprovalState, requestedEvent).status; // 'pending'
 */
export function evolveApproval(state: ApprovalState, event: StoredEvent): ApprovalState {
  const next = { ...state, version: event.version };
  const data = event.data;
  switch (event.type) {
    case 'ApprovalRequested': {
      if (state.status !== 'none') return next;
      const expiresAt = text(data.expiresAt);
      return {
        ...next,
        status: 'pending',
        approvalId: text(data.approvalId),
        executionId: text(data.executionId),
        approverCount: position(data.approverCount) ?? 0,
        ...(expiresAt !== undefined ? { expiresAt } : {}),
        tokenVersion: event.version,
        requestedAt: event.time,
      };
    }
    case 'ApprovalTokenReplaced': {
      if (state.status === 'none') return next;
      const expiresAt = text(data.expiresAt);
      return { ...next, tokenVersion: event.version, ...(expiresAt !== undefined ? { expiresAt } : {}) };
    }
    case 'ApprovalDecided': {
      const decision = decisionOf(data.decision);
      if (state.status !== 'pending' || decision === undefined) return next;
      const approverIndex = position(data.approverIndex);
      return {
        ...next,
        status: statusOf(decision),
        decision,
        ...(approverIndex !== undefined ? { approverIndex } : {}),
        decidedAt: event.time,
        decidedBy: event.actor,
      };
    }
    case 'ApprovalAutoDecided': {
      const decision = decisionOf(data.decision);
      if ((state.status !== 'pending' && state.status !== 'none') || decision === undefined) return next;
      const approvalId = state.approvalId ?? text(data.approvalId);
      const executionId = state.executionId ?? text(data.executionId);
      return {
        ...next,
        status: statusOf(decision),
        decision,
        ...(approvalId !== undefined ? { approvalId } : {}),
        ...(executionId !== undefined ? { executionId } : {}),
        decidedAt: event.time,
        decidedBy: event.actor,
      };
    }
    case 'ApprovalExpired':
      if (state.status !== 'pending') return next;
      return { ...next, status: 'expired', decidedAt: event.time, decidedBy: event.actor };
    default:
      return next;
  }
}

/**
 * The state of an approval from its stream.
 *
 * @example
 * const approval = approvalState(await store.read(approvalStream(id)));
 * if (approval.status !== 'pending') throw new ApprovalClosed(id, approval.status);
 */
export function approvalState(events: readonly StoredEvent[]): ApprovalState {
  return foldStream(events, evolveApproval, initialApprovalState);
}

function decisionOf(value: Json | undefined): 'approve' | 'reject' | undefined {
  return value === 'approve' || value === 'reject' ? value : undefined;
}

function statusOf(decision: 'approve' | 'reject'): 'approved' | 'rejected' {
  return decision === 'approve' ? 'approved' : 'rejected';
}

function text(value: Json | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A count or a position: a whole number, 0 or more. */
function position(value: Json | undefined): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
