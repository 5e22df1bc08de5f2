import * as z from 'zod';
import { foreignApproval } from '../shared/approvals/guard.js';
import { ConcurrencyConflict } from '../shared/errors.js';
import { approvalStream, executionStream, type StoredEvent } from '../shared/events/event.js';
import type { EventStore } from '../shared/events/store.js';
import { approvalState } from '../shared/events/fold.js';
import { ApprovalIdSchema } from '../shared/approvals/approval-id.js';
import { defineStep } from '../shared/middleware/step.js';
import { readVerified } from '../shared/events/read-verified.js';

const STEP = 'record-outcome';

/** Error names as Step Functions gives them (`States.Timeout`, `ValidationFailed`); anything else is not stored. */
const ERROR_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,127}$/;

const Outcome = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('succeeded') }),
  z.object({
    outcome: z.literal('failed'),
    // Cause is accepted and dropped: it may quote input (document text, values).
    error: z.object({ Error: z.string().max(256), Cause: z.string().optional() }),
    approvalId: ApprovalIdSchema.optional(),
  }),
]);

/**
 * Last state of every path: ends the execution's stream with ExecutionSucceeded or
 * ExecutionFailed (the error's name only). A gate that timed out also closes its approval
 * with ApprovalExpired, so a late click finds it closed.
 *
 * Ends the stream once: Step Functions retries this task (Lambda.ServiceException, a failed
 * audit write after the outcome landed), and a retry that finds ExecutionSucceeded or
 * ExecutionFailed already on record records nothing more and answers with that recorded
 * outcome (the first end is the one that happened).
 */
export const handler = defineStep(
  { name: STEP, input: Outcome, output: z.object({ outcome: z.enum(['succeeded', 'failed']) }) },
  async (input, ctx) => {
    const actor = `step:${STEP}`;
    const events = await readVerified(ctx.deps.store, executionStream(ctx.executionId));
    const foreign = startedByAnotherWorkflow(events, process.env.WORKFLOW_NAME);
    if (foreign) throw new ConcurrencyConflict(executionStream(ctx.executionId), events.at(-1)?.version ?? 0);
    const ended = recordedEnd(events);
    if (ended) {
      ctx.logger.info('execution outcome already on record; not recording it again', { outcome: ended });
      return { outcome: ended };
    }
    if (input.outcome === 'succeeded') {
      ctx.record({ type: 'ExecutionSucceeded', actor, data: {} });
      return { outcome: 'succeeded' as const };
    }
    const error = ERROR_NAME.test(input.error.Error) ? input.error.Error : 'UnrecognisedError';
    if (error === 'States.Timeout' && input.approvalId !== undefined) {
      await expireApproval(ctx.deps.store, input.approvalId, ctx.executionId, actor);
    }
    ctx.record({ type: 'ExecutionFailed', actor, data: { error } });
    return { outcome: 'failed' as const };
  },
);

/**
 * Whether the stream belongs to an execution of another workflow. Execution ids are qualified by
 * their workflow (`<workflow>:<name>`, functions/shared/events/execution-id.ts) and on AWS IAM keeps
 * each workflow's roles to its own streams, so a qualified stream is always this workflow's; the check
 * stays for an unqualified id (an execution started before ids were qualified, whose stream was
 * shared by name) and for the local runtime, which enforces no IAM: there an execution of this
 * workflow named like a running one of another was refused at record-start, and its failure must not
 * end the other's stream. Streams from before executions named their workflow, and functions without
 * WORKFLOW_NAME, are taken as this workflow's.
 */
function startedByAnotherWorkflow(events: readonly StoredEvent[], workflow: string | undefined): boolean {
  const started = events[0];
  if (workflow === undefined || started?.type !== 'ExecutionStarted') return false;
  return typeof started.data.workflow === 'string' && started.data.workflow !== workflow;
}

/** The outcome an earlier attempt already recorded, if the stream has ended. */
function recordedEnd(events: readonly StoredEvent[]): 'succeeded' | 'failed' | undefined {
  const end = events.find((event) => event.type === 'ExecutionSucceeded' || event.type === 'ExecutionFailed');
  if (end === undefined) return undefined;
  return end.type === 'ExecutionSucceeded' ? 'succeeded' : 'failed';
}

const EXPIRE_ATTEMPTS = 3;

/**
 * Appends ApprovalExpired while the approval is still pending; a decision that won the race
 * stands. The approval id comes from the state's input, so it must name an approval of this
 * execution. Another writer moving the stream every time is rethrown (ConcurrencyConflict is
 * retried by the state machine) rather than leaving the approval open unnoticed.
 */
async function expireApproval(store: EventStore, approvalId: string, executionId: string, actor: string): Promise<void> {
  const stream = approvalStream(approvalId);
  let conflict: ConcurrencyConflict | undefined;
  for (let attempt = 0; attempt < EXPIRE_ATTEMPTS; attempt++) {
    const state = approvalState(await readVerified(store, stream));
    if (state.status === 'none') return;
    const foreign = foreignApproval(state, executionId, `${STEP} input`);
    if (foreign) throw foreign;
    if (state.status !== 'pending') return;
    try {
      await store.append(stream, state.version, [{ type: 'ApprovalExpired', actor, data: { approvalId, executionId } }]);
      return;
    } catch (error) {
      if (!(error instanceof ConcurrencyConflict)) throw error;
      conflict = error;
    }
  }
  throw conflict as ConcurrencyConflict;
}
