import * as z from 'zod';
import { recordApproverDecision } from '../shared/approvals/record-approver-decision.js';
import { refuseUnlessRunning } from '../shared/approvals/refuse-unless-running.js';
import { requireEnv } from '../shared/config.js';
import { StepFailed } from '../shared/errors.js';
import { approvalStream, type StoredEvent } from '../shared/events/event.js';
import { approvalState } from '../shared/events/fold.js';
import { readVerified } from '../shared/events/read-verified.js';
import { ApprovalIdSchema } from '../shared/approvals/approval-id.js';
import { defineStep, type StepContext } from '../shared/middleware/step.js';
import { isRouted } from '../shared/approvals/policy-gate/level-stream.js';
import { recordLevelVote } from '../shared/approvals/policy-gate/record-level-vote.js';

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
 *
 * Before an open approval is decided, Step Functions is asked whether the execution still
 * runs (STATE_MACHINE_ARN names its state machine): when it ended, nothing is decided, the
 * refusal is recorded (ApprovalAttemptRefused, rate limited) and the call fails with StepFailed saying
 * how it ended; when Step Functions cannot say, nothing is decided or recorded (retry).
 *
 * Every other refused attempt on the named execution's approval is on record too, before the
 * error (recordApproverDecision): an address the request does not list (`wrong-approver`, no
 * position and never the address), a closed approval (`already-decided`, with the position of a
 * listed approver), a deadline that passed (`expired`). The same approver repeating the same
 * decision is a re-delivery, not a refusal. Naming another execution's approval records nothing
 * on it: the operator named the wrong execution, and that approval is not theirs to annotate.
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
    /** `voted`: a policy gate's vote is on record and its level or the gate still waits for others. */
    output: z.object({ approvalId: z.string(), status: z.enum(['approved', 'rejected', 'voted']) }),
  },
  async (input, ctx) => {
    const { approver, ...decision } = input;
    const events = await readVerified(ctx.deps.store, approvalStream(input.approvalId));
    await refuseUnlessExecutionRuns(input.approvalId, events, ctx);
    if (isRouted(events)) return levelVote(input, events, ctx);
    const recorded = await recordApproverDecision({ ...decision, approver: { address: approver }, executionId: ctx.executionId }, ctx.deps, STEP, events);
    if (recorded.delivery === 'task-gone') {
      // Not an expiry: decide() refused those. The execution was stopped, or its gate was retried
      // with a new token, and the retried gate answers itself from this decision.
      throw new StepFailed(STEP, `the decision on approval ${input.approvalId} is recorded; the execution no longer waits on this token, nothing more to do`);
    }
    return { approvalId: input.approvalId, status: recorded.status };
  },
);

/** A vote on a policy gate's approval, the approver named by address (found in the group asked now). */
async function levelVote(
  input: { approvalId: string; approver: string; decision: 'approve' | 'reject'; comment?: string | undefined },
  events: readonly StoredEvent[],
  ctx: StepContext,
): Promise<{ approvalId: string; status: 'approved' | 'rejected' | 'voted' }> {
  const { approvalId, approver, decision, comment } = input;
  const recorded = await recordLevelVote(
    { approvalId, executionId: ctx.executionId, voter: { address: approver }, decision, ...(comment !== undefined ? { comment } : {}) },
    ctx.deps,
    STEP,
    events,
  );
  if (recorded.refused !== undefined) throw recorded.error;
  if (recorded.delivery === 'task-gone') {
    throw new StepFailed(STEP, `the decision on approval ${approvalId} is recorded; the execution no longer waits on this token, nothing more to do`);
  }
  return { approvalId, status: recorded.status };
}

/**
 * Throws StepFailed, having decided nothing, when the open approval's execution no longer runs
 * (the refusal recorded once) or Step Functions cannot say. Only an open, unexpired approval of
 * the named execution is asked about: anything else is refused by recordApproverDecision as
 * before (another execution's approval, closed, expired), and a repeat of a decision already on
 * record only delivers it again.
 */
async function refuseUnlessExecutionRuns(approvalId: string, events: readonly StoredEvent[], ctx: StepContext): Promise<void> {
  const state = approvalState(events);
  const open = state.status === 'pending' && (state.expiresAt === undefined || ctx.deps.now().getTime() < Date.parse(state.expiresAt));
  if (!open || state.executionId !== ctx.executionId) return;
  const deps = { store: ctx.deps.store, stateMachineArn: requireEnv('STATE_MACHINE_ARN'), now: ctx.deps.now };
  const check = await refuseUnlessRunning({ approvalId, executionId: ctx.executionId, events }, deps, STEP);
  if (check.state === 'ended') {
    throw new StepFailed(STEP, `approval ${approvalId} can no longer be decided: execution ${ctx.executionId} ended ${check.executionStatus}; nothing was decided`);
  }
  if (check.state === 'unknown') {
    throw new StepFailed(STEP, `Step Functions could not say whether execution ${ctx.executionId} still runs (${check.errorName}); nothing was decided, retry`);
  }
}
