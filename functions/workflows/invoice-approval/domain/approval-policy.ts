import * as z from 'zod';
import type { Invoice } from './invoice.js';
import { DECIMAL_AMOUNT, toMinorUnits } from './money.js';
// The vendor register is the vendor-bank-details workflow's: its answer type and its IBAN form.
import type { RegisteredBankDetails } from '../../vendor-bank-details/domain/bank-details-in-force.js';
import { normalizeIban } from '../../vendor-bank-details/domain/iban.js';

/**
 * When an invoice may be paid without a human, as data (shipped in
 * statemachines/invoice-approval/policy.json, passed to the step as APPROVAL_POLICY): the
 * amount per currency an invoice must be strictly below. Which vendors are known, and which
 * account each is paid to, is not policy but master data: the vendor register
 * (vendor-bank-details). A policy that still lists `knownVendors` is refused, so a list that
 * no longer decides anything cannot look as if it did.
 *
 * @example
 * ApprovalPolicy.parse({ autoApprove: { below: { EUR: '5000.00' } } });
 */
export const ApprovalPolicy = z.strictObject({
  autoApprove: z.strictObject({
    /** Per currency, the amount an invoice must be strictly below to be auto-approved. */
    below: z.record(
      z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code of 3 uppercase letters'),
      z.string().regex(DECIMAL_AMOUNT, 'a decimal with at most 2 fraction digits'),
    ),
  }),
});
export type ApprovalPolicy = z.infer<typeof ApprovalPolicy>;

/**
 * Every rule that can decide an invoice, with the reason recorded for it. The reasons name the
 * rule, never the invoice's values (vendor, amount, currency, IBAN): one text serves every
 * invoice, and the values are recorded once, in the approval's summary.
 */
export const APPROVAL_RULES = {
  'guard-asked-for-human': 'a guard asked for a person to check the document',
  'vendor-not-registered': 'the vendor is not in the vendor register',
  'bank-details-not-in-force': 'the vendor has no bank details in force in the vendor register',
  'register-entry-unusable': 'the bank details in force in the vendor register cannot be compared',
  'invoice-without-iban': 'the invoice states no IBAN to compare with the vendor register',
  'iban-differs-from-register': 'the invoice IBAN differs from the bank details in force in the vendor register',
  'no-threshold-for-currency': 'the policy has no auto-approval threshold for the invoice currency',
  'amount-at-or-above-threshold': 'the amount is at or above the auto-approval threshold of its currency',
  'registered-account-below-threshold': 'registered vendor, IBAN equal to the one in force in the vendor register, amount below the threshold of its currency',
} as const;
export type ApprovalRule = keyof typeof APPROVAL_RULES;

export type ApprovalDecision = { decision: 'auto-approve' | 'require-approval'; rule: ApprovalRule; reason: string };

/** What the policy is told besides the invoice: the register's answer for its vendor, and the guards' verdict. */
export interface ApprovalFacts {
  /** The vendor register on the day of the decision, for the invoice's vendor name. */
  register: RegisteredBankDetails;
  /** True when a guard of this execution asked for a human (injection in the document, ...). */
  needsHuman: boolean;
}

/**
 * Decides whether an invoice is auto-approved or needs a human. Auto-approval needs all of: no
 * guard asking for a human, a vendor with bank details in force in the vendor register, an
 * invoice IBAN equal to that account (spaces and case ignored), and an amount strictly below the
 * threshold of the invoice's currency. The first rule that fails decides; everything else goes
 * to a human: fail closed.
 *
 * @example
 * decideApproval(invoice, policy, { register: { status: 'in-force', iban: 'IE29AIBK93115212345678', effectiveDate: '2026-11-01', version: 1 }, needsHuman: false });
 * // { decision: 'auto-approve', rule: 'registered-account-below-threshold', reason: 'registered vendor, ...' }
 */
export function decideApproval(invoice: Invoice, policy: ApprovalPolicy, facts: ApprovalFacts): ApprovalDecision {
  const human = (rule: ApprovalRule): ApprovalDecision => ({ decision: 'require-approval', rule, reason: APPROVAL_RULES[rule] });
  if (facts.needsHuman) return human('guard-asked-for-human');
  const { register } = facts;
  if (register.status === 'unregistered') return human('vendor-not-registered');
  if (register.status === 'not-yet-in-force') return human('bank-details-not-in-force');
  if (register.status !== 'in-force') return human('register-entry-unusable');
  if (invoice.iban === undefined || invoice.iban.trim() === '') return human('invoice-without-iban');
  if (normalizeIban(invoice.iban) !== normalizeIban(register.iban)) return human('iban-differs-from-register');
  const threshold = Object.hasOwn(policy.autoApprove.below, invoice.currency) ? policy.autoApprove.below[invoice.currency] : undefined;
  if (threshold === undefined) return human('no-threshold-for-currency');
  if (toMinorUnits(invoice.amount) >= toMinorUnits(threshold)) return human('amount-at-or-above-threshold');
  return { decision: 'auto-approve', rule: 'registered-account-below-threshold', reason: APPROVAL_RULES['registered-account-below-threshold'] };
}
