import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import type { Sealer } from '../crypto/sealer.js';
import { StepFailed, TamperDetected } from '../errors.js';
import type { StoredEvent } from '../events/event.js';
import type { ApprovalState } from '../events/fold.js';
import { openSealed } from '../events/open-sealed.js';
import { stepFunctions } from './step-functions-client.js';

// Kept here too: callers (tests, the local runtime) replace the client through this module.
export { useSfnClient } from './step-functions-client.js';

/**
 * A decision on record, as the waiting gate task is told it. The approver is their position in
 * the request's approvers, never an address: the output lands in the execution's history and
 * state, which are not sealed.
 */
export interface DecisionToDeliver {
  approvalId: string;
  approverIndex: number;
  decision: 'approve' | 'reject';
}

/** `sent`: the task took it. `task-gone`: no task waits on this token any more (ended, timed out, or its gate was retried). */
export type Delivery = 'sent' | 'task-gone';

/**
 * Step Functions answers these when the task behind a well-formed token already ended.
 * InvalidToken is not among them: a token we sealed ourselves that Step Functions does not
 * recognise is a defect (or worse), not an expiry.
 */
const TASK_GONE = new Set(['TaskTimedOut', 'TaskDoesNotExist']);

/**
 * Tells the gate task of an approval what was decided, with the newest sealed task token
 * (ApprovalRequested's, or the last ApprovalTokenReplaced's): SendTaskSuccess for an
 * approval, SendTaskFailure(ApprovalRejected) for a rejection. Re-sending is harmless, so
 * both record-decision (an approver's click, or its retry) and request-approval (a retried
 * gate that finds the approval already decided) call it.
 *
 * Throws TamperDetected when the token cannot be found or opened, StepFailed when Step
 * Functions refuses the token or cannot be reached (retry delivery). Messages name the
 * approval, never the token. SendTaskSuccess's output is `{ approved: true, approvalId, approverIndex }`.
 *
 * @example
 * const delivery = await deliverDecision({ approvalId, approverIndex: 0, decision: 'approve' }, events, approvalState(events), sealer, 'record-decision');
 * if (delivery === 'task-gone') { ... the decision is on record, nobody is waiting for it ... }
 */
export async function deliverDecision(
  decided: DecisionToDeliver,
  events: readonly StoredEvent[],
  state: ApprovalState,
  sealer: Sealer,
  step: string,
): Promise<Delivery> {
  const taskToken = await newestTaskToken(events, state, sealer);
  const { approvalId, approverIndex, decision } = decided;
  const client = stepFunctions();
  return sendOrName(
    () =>
      decision === 'approve'
        ? client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ approved: true, approvalId, approverIndex }) }))
        : client.send(new SendTaskFailureCommand({ taskToken, error: 'ApprovalRejected', cause: `Approval ${approvalId} was rejected by an approver.` })),
    approvalId,
    step,
  );
}

/**
 * Tells the gate task that its approval expired (a policy level's deadline passed with nobody to
 * escalate to): SendTaskFailure with the error ApprovalExpired, which the state machine's failure
 * path catches like a rejection. Same token, errors and answers as deliverDecision.
 *
 * @example
 * await deliverExpiry('exec-42-1', events, approvalState(events), sealer, 'approval-timer');
 */
export async function deliverExpiry(approvalId: string, events: readonly StoredEvent[], state: ApprovalState, sealer: Sealer, step: string): Promise<Delivery> {
  const taskToken = await newestTaskToken(events, state, sealer);
  return sendOrName(
    () => stepFunctions().send(new SendTaskFailureCommand({ taskToken, error: 'ApprovalExpired', cause: `Approval ${approvalId} expired: no decision before its deadline.` })),
    approvalId,
    step,
  );
}

/**
 * Answers a gate task with the token in hand, for a decision the gate itself made from its policy
 * (ApprovalAutoDecided): SendTaskSuccess `{ approved: true, approvalId, rule }`, or SendTaskFailure
 * ApprovalRejected naming the rule.
 */
export async function deliverPolicyDecision(taskToken: string, approvalId: string, decision: 'approve' | 'reject', rule: string, step: string): Promise<Delivery> {
  const client = stepFunctions();
  return sendOrName(
    () =>
      decision === 'approve'
        ? client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ approved: true, approvalId, rule }) }))
        : client.send(new SendTaskFailureCommand({ taskToken, error: 'ApprovalRejected', cause: `Approval ${approvalId} was rejected by policy rule ${rule}.` })),
    approvalId,
    step,
  );
}

/** One send, its refusals named as deliverDecision names them. */
async function sendOrName(send: () => Promise<unknown>, approvalId: string, step: string): Promise<Delivery> {
  try {
    await send();
    return 'sent';
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (TASK_GONE.has(name)) return 'task-gone';
    if (name === 'InvalidToken') throw new StepFailed(step, `Step Functions refused the recorded task token of approval ${approvalId} as invalid; investigate the approval stream`);
    throw new StepFailed(step, `the decision on approval ${approvalId} is recorded but Step Functions could not be told; retry to deliver it`);
  }
}

async function newestTaskToken(events: readonly StoredEvent[], state: ApprovalState, sealer: Sealer): Promise<string> {
  const holder = events.find((event) => event.version === state.tokenVersion);
  if (holder === undefined) {
    const last = events.at(-1);
    throw new TamperDetected(last?.stream ?? 'approval', state.version, 'no event of the approval holds its task token');
  }
  const { taskToken } = await openSealed(holder, sealer);
  if (typeof taskToken !== 'string') throw new TamperDetected(holder.stream, holder.version, 'the sealed part has no task token');
  return taskToken;
}
