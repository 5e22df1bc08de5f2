// Defined with the approval gate, which any workflow uses; kept importable from here for the invoice steps.
export { ApprovalIdSchema } from '../approvals/approval-id.js';

/**
 * The approval of an execution's invoice gate, named after the execution so that every
 * step (apply-policy, request-approval, pay-invoice, record-outcome) finds the same stream
 * without passing state around, and a retried step names the same approval.
 * `-1` is the first (and, in this workflow, only) gate; multi-level approvals count up.
 *
 * @example
 * approvalIdFor('exec-42'); // 'exec-42-1'
 */
export function approvalIdFor(executionId: string, gate = 1): string {
  return `${executionId}-${gate}`;
}
