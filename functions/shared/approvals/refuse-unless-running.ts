import type { StoredEvent } from '../events/event.js';
import type { EventStore } from '../events/store.js';
import { recordAttemptRefused } from './attempt-refused.js';
import { checkExecution, type ExecutionCheck } from './execution-status.js';

/** An approval about to be decided, as its verified stream was read. */
export interface ApprovalToDecide {
  approvalId: string;
  /** The approval's own execution (the stream's, checked against the caller's). */
  executionId: string;
  /** The approval stream as read with readVerified. */
  events: readonly StoredEvent[];
  /** The approver's position when a genuine link names it (the page); record-decision names an address and leaves it out. */
  approverIndex?: number;
}

/**
 * The check before any decision is recorded, shared by the approval page and record-decision:
 * asks Step Functions whether the approval's execution still runs. `ended`: the refusal is on
 * record (ApprovalAttemptRefused, rate limited per approval: refusal-limits.ts) and the caller decides nothing. `unknown`:
 * nothing is recorded and nothing may be decided; the caller says "try again". `running`: go on.
 *
 * While the execution runs, a decision is right even when no task waits on its token just now
 * (a gate being retried, a local runtime restarting): the gate reads it from the record when it
 * runs again. Once it ended, nothing ever will.
 *
 * @example
 * const check = await refuseUnlessRunning({ approvalId, executionId, events }, { store, stateMachineArn, now }, 'record-decision');
 * if (check.state !== 'running') { ... say why, decide nothing ... }
 */
export async function refuseUnlessRunning(
  approval: ApprovalToDecide,
  deps: { store: EventStore; stateMachineArn: string; now: () => Date },
  step: string,
): Promise<ExecutionCheck> {
  const check = await checkExecution(deps.stateMachineArn, approval.executionId);
  if (check.state === 'ended') {
    const { approvalId, executionId, events, approverIndex } = approval;
    await recordAttemptRefused(
      deps.store,
      events,
      { approvalId, executionId, reason: 'execution-not-running', executionStatus: check.executionStatus, ...(approverIndex !== undefined ? { approverIndex } : {}) },
      step,
      deps.now(),
    );
  }
  return check;
}
