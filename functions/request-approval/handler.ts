import * as z from 'zod';
import { ApprovalIdSchema } from '../shared/approvals/approval-id.js';
import { ApprovalSubject, approvalSubjectOf } from '../shared/approvals/approval-subject.js';
import { approversOnRecord } from '../shared/approvals/approvers-on-record.js';
import { deliverDecision } from '../shared/approvals/deliver-decision.js';
import { emailApprovers, type ApprovalToAnnounce } from '../shared/approvals/email-approvers.js';
import { closedApproval, foreignApproval, humanDecision } from '../shared/approvals/guard.js';
import { linkSignerFor } from '../shared/approvals/link-signer.js';
import { ValidationFailed } from '../shared/errors.js';
import { approvalStream, executionStream } from '../shared/events/event.js';
import { approvalState } from '../shared/events/fold.js';
import { defineStep, type StepContext } from '../shared/middleware/step.js';
import { readVerified } from '../shared/events/read-verified.js';
import { openPolicyApproval } from '../shared/approvals/policy-gate/open-policy-approval.js';
import { approvalSettings, notificationSettings, policyGateSettings, type NotificationSettings } from './settings.js';

const STEP = 'request-approval';
const SOURCE = `${STEP} input`;

/**
 * How much earlier than the gate's TimeoutSeconds the approval expires. Step Functions starts
 * the task's timer before this Lambda runs (cold start, retries of the invoke, the reads
 * below), so `now + timeout` would lie slightly after the moment the gate stops listening:
 * a decision in between would be recorded as approved yet never resume the execution.
 * Expiring a minute early makes decide() refuse those instead. For short timeouts the
 * margin is at most a tenth of the timeout (APPROVAL_TIMEOUT_SECONDS may be as low as 60),
 * so an approval is never born expired.
 */
const EXPIRY_MARGIN_SECONDS = 60;

/** Seconds from now until the approval expires: the gate's timeout less the safety margin. */
function secondsUntilExpiry(timeoutSeconds: number): number {
  return timeoutSeconds - Math.min(EXPIRY_MARGIN_SECONDS, Math.floor(timeoutSeconds / 10));
}

/**
 * The approval gate (a `waitForTaskToken` task) of any workflow: its input is
 * `{ approvalId, subject }`, the subject (a title and labelled fields, see approval-subject.ts)
 * built by the workflow's state machine from its state. Opens approval#<approvalId> with
 * ApprovalRequested, whose clear part records the subject, the workflow (WORKFLOW_NAME) and how
 * many approvers there are (`approverCount`), and whose sealed part holds the task token and the
 * approvers' addresses (APPROVERS), never in clear; only then emails each approver a signed link
 * of their own (naming their position in the list) to the approval page (functions/approval-page), recording
 * ApprovalNotified (how many, never who) on the execution stream. Step Functions ignores
 * this Lambda's return value and waits for the page (or record-decision) to send the token
 * back. An email that cannot be sent fails the task with NotificationFailed, which the gate
 * retries.
 *
 * A retried task (new token, restarted timeout) finds the approval already open and records
 * ApprovalTokenReplaced with the new token and expiry, then emails the approvers on record again
 * (opened from the request, not APPROVERS: the links name positions in that list): their
 * new links carry the new expiry (older links keep their own). If an approver decided meanwhile
 * (possibly answering the old, dead token), the retried task is answered at once with that
 * decision, so an approval made during a retry still resumes the execution.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({
      approvalId: ApprovalIdSchema,
      subject: ApprovalSubject,
      /** A policy gate's policy (checked again by checkPolicy) and the facts it reads; absent on a single-list gate. */
      policy: z.unknown().optional(),
      facts: z.record(z.string().max(64), z.unknown()).optional(),
    }),
    output: z.object({ approvalId: z.string() }),
  },
  async (input, ctx) => {
    const taskToken = ctx.taskToken;
    if (taskToken === undefined) {
      throw new ValidationFailed(SOURCE, [{ path: 'taskToken', expected: 'a task token: run this step as a waitForTaskToken task' }]);
    }
    if (input.policy !== undefined) return policyGate({ ...input, policy: input.policy }, taskToken, ctx);
    const { store, sealer, now } = ctx.deps;
    const stream = approvalStream(input.approvalId);
    const events = await readVerified(store, stream);
    const approval = approvalState(events);
    const { approvers, timeoutSeconds, workflow } = approvalSettings();
    const notification = notificationSettings();
    // Step Functions starts the task timeout again on every attempt, so every attempt sets the
    // expiry, a margin before the gate's real timeout (see EXPIRY_MARGIN_SECONDS).
    const expiresAt = new Date(now().getTime() + secondsUntilExpiry(timeoutSeconds) * 1000).toISOString();

    if (approval.status === 'none') {
      const requested = await store.append(stream, 0, [
        {
          type: 'ApprovalRequested',
          actor: `step:${STEP}`,
          data: {
            approvalId: input.approvalId,
            executionId: ctx.executionId,
            workflow,
            approverCount: approvers.length,
            expiresAt,
            subject: input.subject,
          },
          sensitive: { taskToken, approvers },
        },
      ]);
      recordWaiting(ctx, input.approvalId, expiresAt);
      // The approval, token sealed, is on record: only now may a link to it go out.
      await announce(ctx, { approvalId: input.approvalId, approvers, subject: approvalSubjectOf(requested), expiresAt }, notification);
      return { approvalId: input.approvalId };
    }

    // Step Functions retried the gate task (or a runtime resumed it) and issued a new token:
    // the approval stays the same one, only the token to answer changes.
    const foreign = foreignApproval(approval, ctx.executionId, SOURCE);
    if (foreign) throw foreign;
    const decided = humanDecision(approval);
    const closed = decided ? undefined : closedApproval(approval, input.approvalId);
    if (closed) throw closed;
    const replaced = await store.append(stream, approval.version, [
      {
        type: 'ApprovalTokenReplaced',
        actor: `step:${STEP}`,
        data: { approvalId: input.approvalId, executionId: ctx.executionId, expiresAt },
        sensitive: { taskToken },
      },
    ]);
    // Already decided: the execution resumes as soon as the decision is delivered below, so a
    // "waiting" ApprovalRequested now would race it and leave the stream showing a wait that is over.
    if (!decided && !(await alreadyWaiting(ctx, input.approvalId))) recordWaiting(ctx, input.approvalId, expiresAt);
    if (decided) {
      const after = [...events, ...replaced];
      // 'task-gone' here means the execution itself ended meanwhile: nobody left to tell.
      await deliverDecision({ approvalId: input.approvalId, ...decided }, after, approvalState(after), sealer, STEP);
    } else {
      // Still open: the approvers on record get links with the new expiry (the ones they hold expire with the old one).
      // The subject on record too: the one this request was opened with, whatever this attempt's input says.
      const onRecord = await approversOnRecord(events, sealer);
      await announce(ctx, { approvalId: input.approvalId, approvers: onRecord, subject: approvalSubjectOf(events), expiresAt }, notification);
    }
    return { approvalId: input.approvalId };
  },
);

/**
 * A gate with an approval policy (functions/shared/approvals/policy-gate/open-policy-approval.ts):
 * decided by the policy at once, or routed to its first level, whose group is emailed. The
 * execution's stream says it waits (and, for the first level, how many were emailed) as for a
 * single-list gate.
 */
async function policyGate(
  input: { approvalId: string; subject: ApprovalSubject; policy: unknown; facts?: Record<string, unknown> | undefined },
  taskToken: string,
  ctx: StepContext,
): Promise<{ approvalId: string }> {
  const { timeoutSeconds, workflow, groups } = policyGateSettings();
  const notification = notificationSettings();
  const expiresAt = new Date(ctx.deps.now().getTime() + secondsUntilExpiry(timeoutSeconds) * 1000).toISOString();
  const outcome = await openPolicyApproval(
    { approvalId: input.approvalId, executionId: ctx.executionId, taskToken, subject: input.subject, policy: input.policy, facts: input.facts ?? {}, workflow, groups, expiresAt },
    notification,
    { ...ctx.deps, step: STEP },
  );
  ctx.logger.info('approval policy applied', { approvalId: input.approvalId, outcome: outcome.kind, ...('rule' in outcome ? { rule: outcome.rule } : {}) });
  const waits = outcome.kind === 'routed' || (outcome.kind === 'resumed' && outcome.delivery === undefined);
  if (waits && !(await alreadyWaiting(ctx, input.approvalId))) recordWaiting(ctx, input.approvalId, expiresAt);
  if (outcome.kind !== 'auto' && outcome.recipients > 0) {
    ctx.record({ type: 'ApprovalNotified', actor: `step:${STEP}`, data: { approvalId: input.approvalId, channel: 'email', recipients: outcome.recipients } });
  }
  return { approvalId: input.approvalId };
}

/** The execution's own stream says it waits (its fold reads this), without the token. */
function recordWaiting(ctx: StepContext, approvalId: string, expiresAt: string): void {
  ctx.record({ type: 'ApprovalRequested', actor: `step:${STEP}`, data: { approvalId, expiresAt } });
}

/** Emails the approvers their links and queues ApprovalNotified for the execution's stream: how many, never who. */
async function announce(ctx: StepContext, approval: ApprovalToAnnounce, settings: NotificationSettings): Promise<void> {
  const recipients = await emailApprovers(approval, settings, linkSignerFor(settings.linkKeyId), ctx.deps.now());
  ctx.logger.info('approvers notified', { approvalId: approval.approvalId, recipients });
  ctx.record({ type: 'ApprovalNotified', actor: `step:${STEP}`, data: { approvalId: approval.approvalId, channel: 'email', recipients } });
}

/** Whether an earlier attempt already told the execution's stream (its audit may have failed after the approval landed). */
async function alreadyWaiting(ctx: StepContext, approvalId: string): Promise<boolean> {
  const events = await readVerified(ctx.deps.store, executionStream(ctx.executionId));
  return events.some((event) => event.type === 'ApprovalRequested' && event.data.approvalId === approvalId);
}
