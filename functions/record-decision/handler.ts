import * as z from 'zod';
import { recordApproverDecision } from '../shared/approvals/record-approver-decision.js';
import { StepFailed } from '../shared/errors.js';
import { ApprovalIdSchema } from '../shared/invoice/approval-id.js';
import { defineStep } from '../shared/middleware/step.js';

// Kept here too: callers (tests, the local runtime) set the client through this handler.
export { useSfnClient } from '../shared/approvals/deliver-decision.js';

const STEP = 'record-decision';

/**
 * An approver's decision. Not a workflow step: a CLI or an operator invokes it with the envelope `{ executionId: <the approval's execution>, input: { approvalId,
 * approver, decision, comment? } }`. Naming the execution puts this step's own audit events
 * in that execution's stream (rather than a shared "decision" stream) and is checked
 * against the approval. `approver` is an address: it is matched (case-insensitively) against
 * the approvers sealed in the request, and recorded as their position in clear, the address
 * sealed; an address the request does not list is ValidationFailed naming input.approver.
 *
 * The work is recordApproverDecision (functions/shared/approvals/record-approver-decision.ts),
 * which the approval page shares: the rule is `decide`, the decision is appended at the
 * version read, so of two concurrent decisions one loses with ConcurrencyConflict; only then
 * is the newest sealed task token opened and sent back. When sending fails, calling again
 * with the same decision appends nothing and sends again.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({
      approvalId: ApprovalIdSchema,
      approver: z.email().max(254),
      decision: z.enum(['approve', 'reject']),
      comment: z.string().max(2000).optional(),
    }),
    output: z.object({ approvalId: z.string(), status: z.enum(['approved', 'rejected']) }),
  },
  async (input, ctx) => {
    const { approver, ...decision } = input;
    const recorded = await recordApproverDecision({ ...decision, approver: { address: approver }, executionId: ctx.executionId }, ctx.deps, STEP);
    if (recorded.delivery === 'task-gone') {
      // Not an expiry: decide() refused those. The execution was stopped, or its gate was retried
      // with a new token, and the retried gate answers itself from this decision.
      throw new StepFailed(STEP, `the decision on approval ${input.approvalId} is recorded; the execution no longer waits on this token, nothing more to do`);
    }
    return { approvalId: input.approvalId, status: recorded.status };
  },
);
