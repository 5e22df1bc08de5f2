import type { Sealer } from '../crypto/sealer.js';
import { approvalStream, type StoredEvent } from '../events/event.js';
import { approvalState } from '../events/fold.js';
import { readVerified } from '../events/read-verified.js';
import type { EventStore } from '../events/store.js';
import { ConcurrencyConflict } from '../errors.js';
import { emitMetrics } from '../metrics/emit.js';
import { DIMENSION, METRIC } from '../metrics/metric-names.js';
import { recordAttemptRefused } from './attempt-refused.js';
import { approversOnRecord } from './approvers-on-record.js';
import { decide, DECISION_SOURCE, type DecideCommand } from './decide.js';
import { deliverDecision, type Delivery } from './deliver-decision.js';
import { foreignApproval } from './guard.js';

/** What recording a decision needs: the store to read and append, the sealer to open the approvers and the token, the clock for the expiry. */
export interface DecisionDependencies {
  store: EventStore;
  sealer: Sealer;
  now: () => Date;
}

/** What happened: the decision on record, whether this call appended it, and whether the gate task took it. */
export interface RecordedDecision {
  status: 'approved' | 'rejected';
  /** False when the same approver's same decision was already on record (a repeat): nothing was appended, it was only delivered again. */
  appended: boolean;
  /** `task-gone`: the decision is on record but no task waits on its token any more (see deliverDecision). */
  delivery: Delivery;
}

/**
 * An approver's decision, start to end: read the approval stream and prove its chain, open
 * the approvers sealed in its request (only once the approval proved to be the named
 * execution's: another execution's approvers stay sealed), ask `decide`, append at the
 * version read, then deliver it to the gate with the newest sealed task token. When another
 * writer appended in between (a concurrent decision, or the gate replacing its task token after
 * a retry or restart), it reads again and decides again, up to three times: a decision that
 * landed first then closes the approval (ApprovalClosed), a new token is simply used. record-decision (an operator
 * naming the approver by address) and the approval page (the link naming them by position)
 * both come through here, so a decision means the same whichever way it arrives.
 *
 * Throws what `decide` refuses with (ValidationFailed, ApprovalClosed, ApprovalExpired), a
 * refused attempt on this approval first recorded as ApprovalAttemptRefused (attempt-refused.ts),
 * TamperDetected for an altered stream, ConcurrencyConflict, and StepFailed (naming `step`)
 * when Step Functions refuses the token or cannot be reached; the decision is then on record
 * and calling again with the same decision delivers it without appending.
 *
 * `verified`: the stream as the caller already read it through readVerified (the approval
 * page reads it to check the link), so it is not read and hashed twice. Appending at that
 * version still refuses a decision that landed in between: it is read and decided again.
 *
 * @example
 * const recorded = await recordApproverDecision(
 *   { approvalId: 'exec-42-1', executionId: 'exec-42', approver: { address: 'approver@example.com' }, decision: 'approve' },
 *   getDependencies(),
 *   'record-decision',
 * );
 * if (recorded.delivery === 'task-gone') { ... on record; the execution no longer waits on this token ... }
 */
export async function recordApproverDecision(
  command: DecideCommand,
  deps: DecisionDependencies,
  step: string,
  verified?: readonly StoredEvent[],
): Promise<RecordedDecision> {
  const { store, sealer, now } = deps;
  const stream = approvalStream(command.approvalId);
  let events = verified ?? (await readVerified(store, stream));
  for (let attempt = 1; ; attempt++) {
    const state = approvalState(events);
    const foreign = foreignApproval(state, command.executionId, DECISION_SOURCE);
    if (foreign) throw foreign;
    const decided = decide(command, state, await approversOnRecord(events, sealer), now());
    if (!decided.ok) {
      // On record before the caller hears it, whichever way the attempt came (page or record-decision), rate limited.
      if (decided.refusal) await recordAttemptRefused(store, events, { approvalId: command.approvalId, executionId: command.executionId, ...decided.refusal }, step, now());
      throw decided.error;
    }
    try {
      if (decided.events.length > 0) await store.append(stream, state.version, decided.events);
    } catch (error) {
      // Another writer moved the stream since it was read: a decision (then deciding again finds
      // the approval closed, or this same decision on record), or, as often, the gate recording a
      // new task token after a retry or a restart. Decide again on what is there now.
      if (!(error instanceof ConcurrencyConflict) || attempt >= DECISION_ATTEMPTS) throw error;
      events = await readVerified(store, stream);
      continue;
    }
    if (decided.events.length > 0) decisionMetrics(events, decided.deliver.decision, now());
    const delivery = await deliverDecision(decided.deliver, events, state, sealer, step);
    return {
      status: decided.deliver.decision === 'approve' ? 'approved' : 'rejected',
      appended: decided.events.length > 0,
      delivery,
    };
  }
}

/** Of concurrent writers to one approval stream, this many rounds of deciding again before ConcurrencyConflict is rethrown. */
const DECISION_ATTEMPTS = 3;

/**
 * ApprovalsDecided (by workflow and decision) and ApprovalWaitSeconds (by workflow) for a decision
 * just appended: here, so the approval page and record-decision count alike. The workflow is the
 * one the request recorded in clear; a stream without it (written before requests named their
 * workflow) is not counted.
 */
export function decisionMetrics(events: readonly StoredEvent[], decision: 'approve' | 'reject', decidedAt: Date): void {
  const requested = events.find((event) => event.type === 'ApprovalRequested');
  const workflow = requested?.data.workflow;
  if (requested === undefined || typeof workflow !== 'string') return;
  const waited = Math.max(0, (decidedAt.getTime() - Date.parse(requested.time)) / 1000);
  emitMetrics({ [DIMENSION.workflow]: workflow, [DIMENSION.decision]: decision }, [{ name: METRIC.approvalsDecided, unit: 'Count', value: 1 }]);
  if (Number.isFinite(waited)) emitMetrics({ [DIMENSION.workflow]: workflow }, [{ name: METRIC.approvalWaitSeconds, unit: 'Seconds', value: waited }]);
}
