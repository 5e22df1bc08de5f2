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
}

export const initialExecutionState: ExecutionState = { status: 'not-started', steps: [] };

const isEnded = (status: ExecutionStatus): boolean => status === 'succeeded' || status === 'failed';

/**
 * One step of the execution fold. An ended execution stays ended: events after
 * ExecutionSucceeded/ExecutionFailed do not reopen it. A decided or expired gate puts the
 * execution back to running; what follows (a step, or ExecutionFailed) says how it goes on.
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
      return { ...state, status: 'running', steps: step === undefined ? state.steps : [...state.steps, step] };
    }
    case 'StepFailed':
    case 'ValidationFailed':
    case 'GuardTriggered':
      return withError(state, text(data.error) ?? event.type);
    case 'ApprovalRequested':
      return { ...state, status: 'waiting-for-approval' };
    case 'ApprovalDecided':
    case 'ApprovalAutoDecided':
    case 'ApprovalExpired':
      return state.status === 'waiting-for-approval' ? { ...state, status: 'running' } : state;
    case 'ExecutionSucceeded':
      return { ...state, status: 'succeeded', endedAt: event.time };
    case 'ExecutionFailed':
      return { ...withError(state, text(data.error) ?? 'ExecutionFailed'), status: 'failed', endedAt: event.time };
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

// ---- approval -------------------------------------------------------------------------

export type ApprovalStatus = 'none' | 'pending' | 'approved' | 'rejected' | 'expired';

export interface ApprovalState {
  status: ApprovalStatus;
  approvalId?: string;
  executionId?: string;
  /** The approver whose ApprovalDecided closed it (absent for auto-decided or expired). */
  approver?: string;
  requestedAt?: string;
  decidedAt?: string;
  /** The actor of the closing event: a user, or the policy/role that auto-decided or expired it. */
  decidedBy?: string;
  /** Version of the last event: the expectedVersion for the next append to this stream. */
  version: number;
}

export const initialApprovalState: ApprovalState = { status: 'none', version: 0 };

/**
 * One step of the approval fold. The first decision closes the approval; later decisions
 * or expiries leave the status unchanged (the handler refuses them with ApprovalClosed).
 *
 * @example
 * evolveApproval(initialApprovalState, requestedEvent).status; // 'pending'
 */
export function evolveApproval(state: ApprovalState, event: StoredEvent): ApprovalState {
  const next = { ...state, version: event.version };
  const data = event.data;
  switch (event.type) {
    case 'ApprovalRequested':
      if (state.status !== 'none') return next;
      return {
        ...next,
        status: 'pending',
        approvalId: text(data.approvalId),
        executionId: text(data.executionId),
        requestedAt: event.time,
      };
    case 'ApprovalDecided': {
      const decision = decisionOf(data.decision);
      if (state.status !== 'pending' || decision === undefined) return next;
      return { ...next, status: decision, approver: text(data.approver), decidedAt: event.time, decidedBy: event.actor };
    }
    case 'ApprovalAutoDecided': {
      const decision = decisionOf(data.decision);
      if ((state.status !== 'pending' && state.status !== 'none') || decision === undefined) return next;
      return {
        ...next,
        status: decision,
        approvalId: state.approvalId ?? text(data.approvalId),
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

function decisionOf(value: Json | undefined): 'approved' | 'rejected' | undefined {
  if (value === 'approve') return 'approved';
  if (value === 'reject') return 'rejected';
  return undefined;
}

function text(value: Json | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
