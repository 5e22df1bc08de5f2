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
 * The approval of an execution's gate, named after the execution so that every step of the
 * workflow (the policy step, request-approval, the steps after the gate) finds the same stream
 * without passing state around, and a retried step names the same approval. `gate` is the
 * gate's number in its workflow: `-1` is the first; a workflow with more gates counts up. The
 * state machine forms the same id (`States.Format('{}-<gate>', $$.Execution.Name)`).
 *
 * @example
 * approvalIdFor('exec-42'); // 'exec-42-1'
 */
export function approvalIdFor(executionId: string, gate = 1): string {
  return `${executionId}-${gate}`;
}
