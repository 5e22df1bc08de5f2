import * as z from 'zod';
import { MAX_EXECUTION_ID_LENGTH } from '../events/execution-id.js';

/** The longest approval id: the longest execution id and `-99` (gate numbers are 1 to 99). */
export const MAX_APPROVAL_ID_LENGTH = MAX_EXECUTION_ID_LENGTH + 3;

/**
 * An approval id as steps accept it: it names a stream (`approval#<id>`) and reaches
 * Step Functions and the approval page, so only a short, plain identifier passes.
 *
 * @example
 * ApprovalIdSchema.parse('invoice-approval:exec-42-1'); // 'invoice-approval:exec-42-1'
 */
export const ApprovalIdSchema = z.string().min(1).max(MAX_APPROVAL_ID_LENGTH).regex(/^[A-Za-z0-9_:-]+$/);

/**
 * The approval of an execution's gate, named after the execution so that every step of the
 * workflow (the policy step, request-approval, the steps after the gate) finds the same stream
 * without passing state around, and a retried step names the same approval. `gate` is the
 * gate's number in its workflow: `-1` is the first; a workflow with more gates counts up. The
 * state machine forms the same id (`States.Format('<workflow>:{}-<gate>', $$.Execution.Name)`),
 * so an approval id is `<workflow>:<execution name>-<gate>` and its stream is per workflow.
 *
 * @example
 * approvalIdFor('invoice-approval:exec-42'); // 'invoice-approval:exec-42-1'
 */
export function approvalIdFor(executionId: string, gate = 1): string {
  return `${executionId}-${gate}`;
}

/**
 * The execution id an approval id was named after (approvalIdFor's inverse): the id less its
 * `-<gate>`. Qualified or not, as the approval id is.
 *
 * @example
 * executionIdOfApproval('invoice-approval:exec-42-1'); // 'invoice-approval:exec-42'
 */
export function executionIdOfApproval(approvalId: string): string {
  const at = approvalId.lastIndexOf('-');
  if (at <= 0 || !/^\d+$/.test(approvalId.slice(at + 1))) throw new RangeError('an approval id ends in -<gate number>');
  return approvalId.slice(0, at);
}
