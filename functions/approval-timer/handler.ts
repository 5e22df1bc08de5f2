import * as z from 'zod';
import { ApprovalIdSchema } from '../shared/approvals/approval-id.js';
import { fireApprovalTimer } from '../shared/approvals/policy-gate/fire-timer.js';
import { defineStep } from '../shared/middleware/step.js';
import { notificationSettings } from '../request-approval/settings.js';

const STEP = 'approval-timer';

/**
 * The timer of a policy gate's approval: EventBridge Scheduler invokes it (the local runtime's
 * scheduler locally) with `{ executionId, input: { approvalId } }` at the approval's next reminder
 * or deadline, or at once when a vote opened the next level. It reminds, escalates or expires as
 * the approval stream says is due (functions/shared/approvals/policy-gate/fire-timer.ts), emails
 * the level asked now if nobody has, and schedules the next timer. Firing twice, late or after the
 * gate ended does nothing twice: the stream says what was done. Not a workflow step: its audit
 * events go to the approval's execution stream, where they never mark the execution as running
 * again (functions/shared/events/fold.ts); an expiry is recorded there as ApprovalExpired.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({ approvalId: ApprovalIdSchema }),
    output: z.object({ approvalId: z.string(), work: z.array(z.string()) }),
  },
  async (input, ctx) => {
    const notification = notificationSettings();
    const work = await fireApprovalTimer({ approvalId: input.approvalId, executionId: ctx.executionId }, notification, { ...ctx.deps, step: STEP });
    ctx.logger.info('approval timer fired', { approvalId: input.approvalId, work });
    if (work.includes('expired')) ctx.record({ type: 'ApprovalExpired', actor: `step:${STEP}`, data: { approvalId: input.approvalId } });
    return { approvalId: input.approvalId, work };
  },
);
