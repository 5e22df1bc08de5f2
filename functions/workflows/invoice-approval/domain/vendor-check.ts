import type { Invoice } from './invoice.js';
// The vendor register is the vendor-bank-details workflow's: its answer type and its IBAN form.
import type { RegisteredBankDetails } from '../../vendor-bank-details/domain/bank-details-in-force.js';
import { normalizeIban } from '../../vendor-bank-details/domain/iban.js';

/**
 * Every answer the vendor check can give, with the reason shown to approvers ("Vendor check") and
 * kept in the execution's state. The reasons name the check, never the invoice's values (vendor,
 * amount, IBAN): one text serves every invoice, and the values are recorded once, in the
 * approval's subject. The ids of the failing checks are those the apply-policy step used when it
 * still decided, so records and dashboards keep one vocabulary.
 */
export const VENDOR_CHECKS = {
  'guard-asked-for-human': 'a guard asked for a person to check the document',
  'vendor-not-registered': 'the vendor is not in the vendor register',
  'bank-details-not-in-force': 'the vendor has no bank details in force in the vendor register',
  'register-entry-unusable': 'the bank details in force in the vendor register cannot be compared',
  'invoice-without-iban': 'the invoice states no IBAN to compare with the vendor register',
  'iban-differs-from-register': 'the invoice IBAN differs from the bank details in force in the vendor register',
  'registered-account': 'registered vendor, invoice IBAN equal to the bank details in force in the vendor register',
} as const;
export type VendorCheckId = keyof typeof VENDOR_CHECKS;

/** What the approval policy is told about the vendor (its `knownVendor` fact), and why. */
export type VendorCheck = { knownVendor: boolean; check: VendorCheckId; reason: string };

/** What the check is told besides the invoice: the register's answer for its vendor, and the guards' verdict. */
export interface VendorCheckFacts {
  /** The vendor register on the day of the check, for the invoice's vendor name. */
  register: RegisteredBankDetails;
  /** True when a guard of this execution asked for a human (injection in the document, ...). */
  needsHuman: boolean;
}

/**
 * Whether the invoice's vendor is known, in the only sense that may let money go without a person:
 * no guard asked for a person, the vendor has bank details in force in the vendor register, and
 * the invoice's IBAN equals them (spaces and case ignored). The first check that fails decides,
 * and then `knownVendor` is false: fail closed. The amount is not looked at here: the gate's
 * approval policy (statemachines/invoice-approval/approval-policy.json) weighs it with this answer.
 *
 * @example
 * checkVendor(invoice, { register: { status: 'in-force', iban: 'IE29AIBK93115212345678', effectiveDate: '2026-11-01', version: 1 }, needsHuman: false });
 * // { knownVendor: true, check: 'registered-account', reason: 'registered vendor, ...' }
 */
export function checkVendor(invoice: Invoice, facts: VendorCheckFacts): VendorCheck {
  const unknown = (check: VendorCheckId): VendorCheck => ({ knownVendor: false, check, reason: VENDOR_CHECKS[check] });
  if (facts.needsHuman) return unknown('guard-asked-for-human');
  const { register } = facts;
  if (register.status === 'unregistered') return unknown('vendor-not-registered');
  if (register.status === 'not-yet-in-force') return unknown('bank-details-not-in-force');
  if (register.status !== 'in-force') return unknown('register-entry-unusable');
  if (invoice.iban === undefined || invoice.iban.trim() === '') return unknown('invoice-without-iban');
  if (normalizeIban(invoice.iban) !== normalizeIban(register.iban)) return unknown('iban-differs-from-register');
  return { knownVendor: true, check: 'registered-account', reason: VENDOR_CHECKS['registered-account'] };
}
