import { z } from 'zod';
import { requireEnv } from '../shared/config.js';
import { ApprovalClosed, ConfigurationInvalid, ValidationFailed } from '../shared/errors.js';
import { approvalStream } from '../shared/events/event.js';
import { approvalState } from '../shared/events/fold.js';
import { Invoice } from '../shared/invoice/invoice.js';
import { defineStep } from '../shared/middleware/step.js';

const STEP = 'request-approval';

const ApprovalEnvironment = z.object({
  APPROVER_EMAIL: z.email().max(254),
  /** Must match the gate's TimeoutSeconds in the state machine. */
  APPROVAL_TIMEOUT_SECONDS: z.coerce.number().int().min(60).max(31_536_000),
});

function approvalSettings(): { approver: string; timeoutSeconds: number } {
  const parsed = ApprovalEnvironment.safeParse({
    APPROVER_EMAIL: requireEnv('APPROVER_EMAIL'),
    APPROVAL_TIMEOUT_SECONDS: requireEnv('APPROVAL_TIMEOUT_SECONDS'),
  });
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))].join(', ');
    throw new ConfigurationInvalid(`${names} malformed (an email address; whole seconds between 60 and 31536000)`);
  }
  return { approver: parsed.data.APPROVER_EMAIL, timeoutSeconds: parsed.data.APPROVAL_TIMEOUT_SECONDS };
}

/**
 * The approval gate (a `waitForTaskToken` task): opens approval#<approvalId> with
 * ApprovalRequested, the task token sealed, never in clear. Step Functions ignores this
 * Lambda's return value and waits for record-decision to send the token back.
 * Emailing the approvers a signed link is a later issue: for now the request is on record
 * and record-decision is invoked directly. A retried task finds the approval open and records
 * its new token (ApprovalTokenReplaced) instead of failing on the existing request.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({ approvalId: z.string().min(1).max(100).regex(/^[A-Za-z0-9_:-]+$/), invoice: Invoice }),
    output: z.object({ approvalId: z.string() }),
  },
  async (input, ctx) => {
    if (ctx.taskToken === undefined) {
      throw new ValidationFailed(`${STEP} input`, [
        { path: 'taskToken', expected: 'a task token: run this step as a waitForTaskToken task' },
      ]);
    }
    const stream = approvalStream(input.approvalId);
    const approval = approvalState(await ctx.deps.store.read(stream));
    if (approval.status !== 'none') {
      // Step Functions retried the gate task (or a runtime resumed it) and issued a new token:
      // the approval stays the same one, only the token to send back changes.
      if (approval.executionId !== ctx.executionId) {
        throw new ValidationFailed(`${STEP} input`, [{ path: 'input.approvalId', expected: 'an approval id of this execution' }]);
      }
      if (approval.status !== 'pending') throw new ApprovalClosed(input.approvalId, approval.status);
      await ctx.deps.store.append(stream, approval.version, [
        {
          type: 'ApprovalTokenReplaced',
          actor: `step:${STEP}`,
          data: { approvalId: input.approvalId, executionId: ctx.executionId },
          sensitive: { taskToken: ctx.taskToken },
        },
      ]);
      return { approvalId: input.approvalId };
    }
    const { approver, timeoutSeconds } = approvalSettings();
    const expiresAt = new Date(ctx.deps.now().getTime() + timeoutSeconds * 1000).toISOString();
    const { vendor, invoiceNumber, currency, amount } = input.invoice;
    await ctx.deps.store.append(stream, 0, [
      {
        type: 'ApprovalRequested',
        actor: `step:${STEP}`,
        data: {
          approvalId: input.approvalId,
          executionId: ctx.executionId,
          approvers: [approver],
          expiresAt,
          summary: { vendor, invoiceNumber, currency, amount },
        },
        sensitive: { taskToken: ctx.taskToken },
      },
    ]);
    // The execution's own stream says it is waiting (its fold reads this), without the token.
    ctx.record({ type: 'ApprovalRequested', actor: `step:${STEP}`, data: { approvalId: input.approvalId, expiresAt } });
    return { approvalId: input.approvalId };
  },
);
