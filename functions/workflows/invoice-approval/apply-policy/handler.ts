import * as z from 'zod';
import { approvalIdFor, approvalStream, ConcurrencyConflict, ConfigurationInvalid, defineStep, type EventStore, executionState, executionStream, needsHuman, openStream, readVerified, requireEnv, type StoredEvent } from '#wardflow/step';
import { APPROVAL_RULES, ApprovalPolicy, type ApprovalRule, decideApproval } from '../domain/approval-policy.js';
import { Invoice } from '../domain/invoice.js';
// The vendor register is kept by the vendor-bank-details workflow; read by its rules, never copied.
import { bankDetailsInForce } from '../../vendor-bank-details/domain/bank-details-in-force.js';

const STEP = 'apply-policy';

const PolicyOutput = z.object({
  decision: z.enum(['auto-approve', 'require-approval']),
  /** Which rule decided (APPROVAL_RULES); absent only on an auto-approval recorded before rules had ids. */
  rule: z.enum(Object.keys(APPROVAL_RULES) as [ApprovalRule, ...ApprovalRule[]]).optional(),
  reason: z.string(),
  approvalId: z.string(),
});

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
 * Applies the approval policy (data, not code) to the invoice and to what the vendor register
 * says about its vendor today: auto-approval needs the vendor's bank details in force in the
 * register (`vendor#<vendorIdOf(vendor)>`, the sealed IBAN opened here) to equal the invoice's
 * IBAN, and an amount under the threshold. The vendor name, the IBAN and the amount come from a
 * document anyone can write; only the register, which a vendor-master approver keeps, decides
 * whom the money goes to. A guard of this execution that asked for a person (GuardTriggered with
 * verdict `human` on its stream, e.g. an injection in the invoice) sends it to one too.
 *
 * An auto-approval is itself a decision on record: ApprovalAutoDecided (with the rule that
 * decided) opens and closes the approval's stream.
 *
 * The recorded decision wins over a fresh one: when Step Functions retries this step after
 * its ApprovalAutoDecided was written, the answer is what was recorded, even if
 * APPROVAL_POLICY changed in between (the payment step trusts the record, not the policy).
 *
 * The recorded decision is matched by execution id only, and Step Functions lets a STANDARD
 * execution name be reused 90 days after the first run: a new run under an old name would
 * find the old run's ApprovalAutoDecided and be waved through. record-start already refuses
 * to continue such a stream; as defence in depth this step also refuses (ConcurrencyConflict
 * on the execution stream) to decide, or to reuse a decision, once the execution's stream
 * has ended with ExecutionSucceeded/ExecutionFailed.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({ invoice: Invoice }),
    output: PolicyOutput,
  },
  async (input, ctx) => {
    const policy = approvalPolicy();
    const execution = await runningExecution(ctx.deps.store, ctx.executionId);
    const today = ctx.deps.now().toISOString().slice(0, 10);
    const register = await bankDetailsInForce(ctx.deps.store, ctx.deps.sealer, input.invoice.vendor, today);
    // A guard that asked for a person (injection in the invoice, ...) is on this execution's stream.
    const outcome = decideApproval(input.invoice, policy, { register, needsHuman: needsHuman(execution) });
    ctx.logger.info('approval policy applied', { decision: outcome.decision, rule: outcome.rule, register: register.status });
    const approvalId = approvalIdFor(ctx.executionId);
    const stream = approvalStream(approvalId);
    const isOwn = (first: StoredEvent): boolean => first.type === 'ApprovalAutoDecided' && first.data.executionId === ctx.executionId;
    if (outcome.decision === 'auto-approve') {
      const event = {
        type: 'ApprovalAutoDecided' as const,
        actor: `step:${STEP}`,
        data: { approvalId, executionId: ctx.executionId, decision: 'approve', rule: outcome.rule, reason: outcome.reason },
      };
      return recorded(await openStream(ctx.deps.store, stream, event, isOwn), approvalId);
    }
    // A policy that now asks for a human does not undo an auto-approval an earlier attempt recorded.
    const [first] = await ctx.deps.store.read(stream);
    if (first !== undefined && isOwn(first)) {
      ctx.logger.info('auto-approval already on record for this execution; answering with it', { approvalId });
      return recorded(first, approvalId);
    }
    return { ...outcome, approvalId };
  },
);

/**
 * The execution's stream (chain verified), for the guards' verdicts on it. Fails with
 * ConcurrencyConflict when the stream already ended: it belongs to an earlier run of the same name.
 */
async function runningExecution(store: EventStore, executionId: string): Promise<StoredEvent[]> {
  const stream = executionStream(executionId);
  const events = await readVerified(store, stream);
  const { status } = executionState(events);
  if (status === 'succeeded' || status === 'failed') throw new ConcurrencyConflict(stream, events.at(-1)?.version ?? 0);
  return events;
}

/** The step's answer from a recorded ApprovalAutoDecided. */
function recorded(event: StoredEvent, approvalId: string): z.input<typeof PolicyOutput> {
  const { reason, rule } = event.data;
  return {
    decision: 'auto-approve',
    ...(typeof rule === 'string' && Object.hasOwn(APPROVAL_RULES, rule) ? { rule: rule as ApprovalRule } : {}),
    reason: typeof reason === 'string' ? reason : 'auto-approved (reason not recorded)',
    approvalId,
  };
}
