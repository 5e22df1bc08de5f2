import { z } from 'zod';
import { ConcurrencyConflict, ConfigurationInvalid } from '../shared/errors.js';
import { approvalStream } from '../shared/events/event.js';
import { requireEnv } from '../shared/config.js';
import { approvalIdFor } from '../shared/invoice/approval-id.js';
import { ApprovalPolicy, decideApproval } from '../shared/invoice/approval-policy.js';
import { Invoice } from '../shared/invoice/invoice.js';
import { defineStep } from '../shared/middleware/step.js';

const STEP = 'apply-policy';

let cached: { raw: string; policy: ApprovalPolicy } | undefined;

/** APPROVAL_POLICY (JSON), validated once per container and again only if it changes. */
function approvalPolicy(): ApprovalPolicy {
  const raw = requireEnv('APPROVAL_POLICY');
  if (cached?.raw === raw) return cached.policy;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ConfigurationInvalid('APPROVAL_POLICY is not JSON; set it to the contents of statemachines/invoice-approval/policy.json');
  }
  const parsed = ApprovalPolicy.safeParse(value);
  if (!parsed.success) {
    const paths = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))].join(', ');
    throw new ConfigurationInvalid(`APPROVAL_POLICY does not match the ApprovalPolicy schema at ${paths}`);
  }
  cached = { raw, policy: parsed.data };
  return parsed.data;
}

/**
 * Applies the approval policy (data, not code). An auto-approval is itself a decision on
 * record: ApprovalAutoDecided opens and closes the approval's stream.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({ invoice: Invoice }),
    output: z.object({
      decision: z.enum(['auto-approve', 'require-approval']),
      reason: z.string(),
      approvalId: z.string(),
    }),
  },
  async (input, ctx) => {
    const outcome = decideApproval(input.invoice, approvalPolicy());
    const approvalId = approvalIdFor(ctx.executionId);
    if (outcome.decision === 'auto-approve') {
      const stream = approvalStream(approvalId);
      const event = {
        type: 'ApprovalAutoDecided' as const,
        actor: `step:${STEP}`,
        data: { approvalId, executionId: ctx.executionId, decision: 'approve', reason: outcome.reason },
      };
      try {
        await ctx.deps.store.append(stream, 0, [event]);
      } catch (error) {
        // A retried invocation finds its own earlier auto-approval: that is success, not a conflict.
        const [first] = error instanceof ConcurrencyConflict ? await ctx.deps.store.read(stream) : [];
        if (first?.type !== 'ApprovalAutoDecided' || first.data.executionId !== ctx.executionId) throw error;
      }
    }
    return { ...outcome, approvalId };
  },
);
