import * as z from 'zod';
import { approvalIdFor, ConcurrencyConflict, defineStep, type EventStore, executionState, executionStream, needsHuman, readVerified, type StoredEvent } from '#wardflow/step';
import { checkVendor, VENDOR_CHECKS, type VendorCheckId } from '../domain/vendor-check.js';
import { Invoice } from '../domain/invoice.js';
// The vendor register is kept by the vendor-bank-details workflow; read by its rules, never copied.
import { bankDetailsInForce } from '../../vendor-bank-details/domain/bank-details-in-force.js';

const STEP = 'apply-policy';

const VendorCheckOutput = z.object({
  /** The approval policy's `knownVendor` fact: true only for the invoice of a registered account. */
  knownVendor: z.boolean(),
  /** Which check answered (VENDOR_CHECKS). */
  check: z.enum(Object.keys(VENDOR_CHECKS) as [VendorCheckId, ...VendorCheckId[]]),
  /** The check's words, shown to approvers as "Vendor check"; never a value of the invoice. */
  reason: z.string(),
  approvalId: z.string(),
});

/**
 * The vendor check that feeds the approval gate's policy its `knownVendor` fact: is the invoice's
 * vendor in the vendor register (`vendor#<vendorIdOf(vendor)>`, the sealed IBAN opened here) with
 * bank details in force equal to the invoice's IBAN? The vendor name and the IBAN come from a
 * document anyone can write; only the register, which vendor-master approvers keep, says whom
 * the money may go to. A guard of this execution that asked for a person (GuardTriggered with
 * verdict `human` on its stream, e.g. an injection in the invoice) makes the vendor unknown too.
 *
 * The step decides nothing and records nothing: the gate's approval policy
 * (statemachines/invoice-approval/approval-policy.json) weighs this answer with the amount and the
 * currency, and the gate records its decision (ApprovalAutoDecided naming the policy's rule, or
 * the route it asks). Its answer lands in the state (`$.policy`), which Step Functions keeps for
 * the execution; a retry simply checks again.
 *
 * Defence in depth against a reused execution name (Step Functions allows one 90 days after the
 * first run): the step refuses (ConcurrencyConflict on the execution stream) to check for an
 * execution whose stream already ended with ExecutionSucceeded/ExecutionFailed, as record-start does.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({ invoice: Invoice }),
    output: VendorCheckOutput,
  },
  async (input, ctx) => {
    const execution = await runningExecution(ctx.deps.store, ctx.executionId);
    const today = ctx.deps.now().toISOString().slice(0, 10);
    const register = await bankDetailsInForce(ctx.deps.store, ctx.deps.sealer, input.invoice.vendor, today);
    const checked = checkVendor(input.invoice, { register, needsHuman: needsHuman(execution) });
    ctx.logger.info('vendor checked against the register', { knownVendor: checked.knownVendor, check: checked.check, register: register.status });
    return { ...checked, approvalId: approvalIdFor(ctx.executionId) };
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
