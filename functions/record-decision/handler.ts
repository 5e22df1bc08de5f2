import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { ApprovalClosed, ApprovalExpired, StepFailed, TamperDetected, ValidationFailed } from '../shared/errors.js';
import { approvalStream } from '../shared/events/event.js';
import { approvalState } from '../shared/events/fold.js';
import { openSealed } from '../shared/events/open-sealed.js';
import { defineStep } from '../shared/middleware/step.js';

const STEP = 'record-decision';
const SOURCE = `${STEP} input`;

let sfn: SFNClient | undefined;

/** Replaces the Step Functions client (tests, the local runtime's task-token endpoint). */
export function useSfnClient(client: SFNClient | undefined): void {
  sfn = client;
}

/** Step Functions answers these when the task already ended (timed out, execution stopped). */
const TASK_GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

/**
 * An approver's decision. Not a workflow step: the approval page (a later issue) or a CLI
 * invokes it with the envelope `{ executionId: <the approval's execution>, input: { approvalId,
 * approver, decision, comment? } }`. Naming the execution puts this step's own audit events
 * in that execution's stream (rather than a shared "decision" stream) and is checked
 * against the approval.
 *
 * The decision is appended at the version read, so of two concurrent decisions one loses
 * with ConcurrencyConflict; only then is the sealed task token opened and sent back.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({
      approvalId: z.string().min(1).max(100).regex(/^[A-Za-z0-9_:-]+$/),
      approver: z.email().max(254),
      decision: z.enum(['approve', 'reject']),
      comment: z.string().max(2000).optional(),
    }),
    output: z.object({ approvalId: z.string(), status: z.enum(['approved', 'rejected']) }),
  },
  async (input, ctx) => {
    const { store, sealer, now } = ctx.deps;
    const stream = approvalStream(input.approvalId);
    const events = await store.read(stream);
    const state = approvalState(events);
    const requested = events.find((event) => event.type === 'ApprovalRequested');
    if (state.status === 'none' || !requested) {
      throw new ValidationFailed(SOURCE, [{ path: 'input.approvalId', expected: 'an approval that was requested' }]);
    }
    if (state.executionId !== ctx.executionId) {
      throw new ValidationFailed(SOURCE, [{ path: 'executionId', expected: 'the execution the approval belongs to' }]);
    }
    if (state.status !== 'pending') throw new ApprovalClosed(input.approvalId, state.status);
    const expiresAt = requested.data.expiresAt;
    if (typeof expiresAt === 'string' && now().getTime() >= Date.parse(expiresAt)) throw new ApprovalExpired(input.approvalId);
    const approvers = Array.isArray(requested.data.approvers) ? requested.data.approvers : [];
    const approver = approvers.find((a) => typeof a === 'string' && a.toLowerCase() === input.approver.toLowerCase());
    if (typeof approver !== 'string') {
      throw new ValidationFailed(SOURCE, [{ path: 'input.approver', expected: 'one of the approvers of this approval' }]);
    }

    await store.append(stream, state.version, [
      {
        type: 'ApprovalDecided',
        actor: `user:${approver}`,
        data: { approvalId: input.approvalId, executionId: ctx.executionId, approver, decision: input.decision },
        // An approver's free text may carry personal data: sealed, never in clear.
        ...(input.comment !== undefined ? { sensitive: { comment: input.comment } } : {}),
      },
    ]);

    // The newest token wins: a retried gate task replaced the one it was first given.
    const holder = events.filter((e) => e.type === 'ApprovalRequested' || e.type === 'ApprovalTokenReplaced').at(-1) ?? requested;
    const { taskToken } = await openSealed(holder, sealer);
    if (typeof taskToken !== 'string') throw new TamperDetected(stream, holder.version, 'the sealed part has no task token');
    await resume(taskToken, input.approvalId, approver, input.decision);
    return { approvalId: input.approvalId, status: input.decision === 'approve' ? ('approved' as const) : ('rejected' as const) };
  },
);

async function resume(taskToken: string, approvalId: string, approver: string, decision: 'approve' | 'reject'): Promise<void> {
  sfn ??= new SFNClient({});
  try {
    if (decision === 'approve') {
      await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ approved: true, approvalId, approver }) }));
    } else {
      await sfn.send(
        new SendTaskFailureCommand({ taskToken, error: 'ApprovalRejected', cause: `Approval ${approvalId} was rejected by an approver.` }),
      );
    }
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    // The decision is on record either way; say whether the execution can still hear it.
    if (TASK_GONE.has(name)) throw new ApprovalExpired(approvalId);
    throw new StepFailed(STEP, 'the decision is recorded but Step Functions could not be told; retry delivery of the task token');
  }
}
