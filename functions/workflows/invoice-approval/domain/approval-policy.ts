import * as z from 'zod';
import type { Invoice } from './invoice.js';
import { DECIMAL_AMOUNT, toMinorUnits } from './money.js';

/**
 * When an invoice may be paid without a human, as data (shipped in
 * statemachines/invoice-approval/policy.json, passed to the step as APPROVAL_POLICY).
 * Everything not explicitly allowed here goes to a human: fail closed.
 *
 * @example
 * ApprovalPolicy.parse({ autoApprove: { below: { EUR: '5000.00' }, knownVendors: ['Acme Office Supplies'] } });
 */
export const ApprovalPolicy = z.object({
  autoApprove: z.object({
    /** Per currency, the amount an invoice must be strictly below to be auto-approved. */
    below: z.record(
      z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code of 3 uppercase letters'),
      z.string().regex(DECIMAL_AMOUNT, 'a decimal with at most 2 fraction digits'),
    ),
    /** Vendor names, matched case-insensitively with surrounding and repeated spaces ignored. */
    knownVendors: z.array(z.string().trim().min(1).max(200)).max(10_000),
  }),
});
export type ApprovalPolicy = z.infer<typeof ApprovalPolicy>;

export type ApprovalDecision =
  | { decision: 'auto-approve'; reason: string }
  | { decision: 'require-approval'; reason: string };

/**
 * Decides whether an invoice is auto-approved or needs a human. Auto-approval needs both a
 * known vendor and an amount strictly below the threshold of the invoice's currency; a
 * currency without a threshold always needs a human. Reasons name the rule, not the
 * invoice's values: one reason text serves every invoice, and the values are recorded once,
 * in the approval's summary.
 *
 * @example
 * decideApproval({ ...invoice, vendor: 'Acme Office Supplies', currency: 'EUR', amount: '4999.99' }, policy);
 * // { decision: 'auto-approve', reason: 'known vendor and amount below the EUR threshold of 5000.00' }
 */
export function decideApproval(invoice: Invoice, policy: ApprovalPolicy): ApprovalDecision {
  const threshold = policy.autoApprove.below[invoice.currency];
  const known = policy.autoApprove.knownVendors.some((vendor) => sameVendor(vendor, invoice.vendor));
  if (!known) {
    return { decision: 'require-approval', reason: 'vendor is not on the known-vendor list' };
  }
  if (threshold === undefined) {
    return { decision: 'require-approval', reason: `no auto-approval threshold for currency ${invoice.currency}` };
  }
  if (toMinorUnits(invoice.amount) >= toMinorUnits(threshold)) {
    return {
      decision: 'require-approval',
      reason: `amount is at or above the ${invoice.currency} auto-approval threshold of ${threshold}`,
    };
  }
  return { decision: 'auto-approve', reason: `known vendor and amount below the ${invoice.currency} threshold of ${threshold}` };
}

function sameVendor(a: string, b: string): boolean {
  const canonical = (name: string) => name.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
  return canonical(a) === canonical(b);
}
