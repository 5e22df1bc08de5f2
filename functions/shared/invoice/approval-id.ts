import * as z from 'zod';

/**
 * An approval id as steps accept it: it names a stream (`approval#<id>`) and reaches
 * Step Functions and the approval page, so only a short, plain identifier passes.
 *
 * @example
 * ApprovalIdSchema.parse('exec-42-1'); // 'exec-42-1'
 */
export const ApprovalIdSchema = z.string().min(1).max(100).regex(/^[A-Za-z0-9_:-]+$/);

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
