import { z } from 'zod';
import { decide } from '../shared/approvals/decide.js';
import { deliverDecision } from '../shared/approvals/deliver-decision.js';
import { StepFailed } from '../shared/errors.js';
import { approvalStream } from '../shared/events/event.js';
import { approvalState } from '../shared/events/fold.js';
import { ApprovalIdSchema } from '../shared/invoice/approval-id.js';
import { defineStep } from '../shared/middleware/step.js';
import { readVerified } from '../shared/events/read-verified.js';

// Kept here too: callers (tests, the local runtime) set the client through this handler.
export { useSfnClient } from '../shared/approvals/deliver-decision.js';

const STEP = 'record-decision';

/**
 * An approver's decision. Not a workflow step: the approval page (a later issue) or a CLI
 * invokes it with the envelope `{ executionId: <the approval's execution>, input: { approvalId,
 * approver, decision, comment? } }`. Naming the execution puts this step's own audit events
 * in that execution's stream (rather than a shared "decision" stream) and is checked
 * against the approval.
 *
 * The rule is `decide` (functions/shared/approvals/decide.ts). The decision is appended at
 * the version read, so of two concurrent decisions one loses with ConcurrencyConflict; only
 * then is the newest sealed task token opened and sent back. When sending fails, calling
 * again with the same decision appends nothing and sends again.
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
    const { store, sealer, now } = ctx.deps;
    const stream = approvalStream(input.approvalId);
    const events = await readVerified(store, stream);
    const state = approvalState(events);
    const decided = decide({ ...input, executionId: ctx.executionId }, state, now());
    if (!decided.ok) throw decided.error;
    if (decided.events.length > 0) await store.append(stream, state.version, decided.events);

    const delivery = await deliverDecision(decided.deliver, events, state, sealer, STEP);
    if (delivery === 'task-gone') {
      // Not an expiry: decide() refused those. The execution was stopped, or its gate was retried
      // with a new token, and the retried gate answers itself from this decision.
      throw new StepFailed(STEP, `the decision on approval ${input.approvalId} is recorded; the execution no longer waits on this token, nothing more to do`);
    }
    return { approvalId: input.approvalId, status: decided.deliver.decision === 'approve' ? ('approved' as const) : ('rejected' as const) };
  },
);
