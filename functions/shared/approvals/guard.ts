import { ApprovalClosed, ValidationFailed } from '../errors.js';
import type { ApprovalState } from '../events/fold.js';

/**
 * Why an execution may not act on an approval, or undefined when it may: the approval must
 * have been requested (or auto-decided) and belong to that execution. Both request-approval
 * (a retried gate) and record-decision (an approver naming the execution) ask this first, so
 * naming another execution's approval id never reaches its token.
 *
 * @example
 * const refusal = foreignApproval(approvalState(events), ctx.executionId, 'record-decision input');
 * if (refusal) throw refusal;
 */
export function foreignApproval(state: ApprovalState, executionId: string, source: string): ValidationFailed | undefined {
  if (state.status === 'none') {
    return new ValidationFailed(source, [{ path: 'input.approvalId', expected: 'an approval that was requested' }]);
  }
  if (state.executionId !== executionId) {
    return new ValidationFailed(source, [{ path: 'input.approvalId', expected: 'an approval of this execution' }]);
  }
  return undefined;
}

/**
 * ApprovalClosed when the approval is no longer pending (decided, auto-decided or expired),
 * undefined while it is still open.
 *
 * @example
 * const closed = closedApproval(state, 'exec-42-1');
 * if (closed) throw closed;
 */
export function closedApproval(state: ApprovalState, approvalId: string): ApprovalClosed | undefined {
  return state.status === 'pending' ? undefined : new ApprovalClosed(approvalId, state.status);
}

/**
 * The human decision that closed the approval (ApprovalDecided), or undefined when it is
 * open, expired or was decided by a policy. The approver is a position in the request's
 * approvers (their addresses are sealed). A retried gate answers its new token with it.
 *
 * @example
 * const decided = humanDecision(state); // { approverIndex: 0, decision: 'approve' }
 */
export function humanDecision(state: ApprovalState): { approverIndex: number; decision: 'approve' | 'reject' } | undefined {
  if ((state.status !== 'approved' && state.status !== 'rejected') || state.approverIndex === undefined || state.decision === undefined) return undefined;
  return { approverIndex: state.approverIndex, decision: state.decision };
}
