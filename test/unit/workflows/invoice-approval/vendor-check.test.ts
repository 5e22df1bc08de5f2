import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../../../functions/shared/approvals/policy/evaluate.js';
import { checkVendor, VENDOR_CHECKS, type VendorCheckFacts } from '../../../../functions/workflows/invoice-approval/domain/vendor-check.js';
import type { Invoice } from '../../../../functions/workflows/invoice-approval/domain/invoice.js';
import type { RegisteredBankDetails } from '../../../../functions/workflows/vendor-bank-details/domain/bank-details-in-force.js';
import { formatIban, ibanCheckDigits } from '../../../../functions/workflows/vendor-bank-details/domain/iban.js';
import { gateFacts, shippedInvoicePolicy } from '../../../support/invoice-policy.js';

const policy = shippedInvoicePolicy();

/** The account examples/invoice-small.json prints and examples/bank-change-acme.json registers. */
const ACME_IBAN = 'IE48XMPL93115212345678';
/** Another valid account: the one a forged invoice asks to be paid to. */
const OTHER_IBAN = 'IE87XMPL93115287654321';

/** `null`: the invoice states no IBAN. */
const invoice = (currency: string, amount: string, iban: string | null = ACME_IBAN): Invoice => ({
  vendor: 'Acme Office Supplies',
  invoiceNumber: 'INV-1',
  currency,
  amount,
  dueDate: '2026-12-31',
  ...(iban === null ? {} : { iban }),
});
const inForce = (iban = ACME_IBAN): RegisteredBankDetails => ({ status: 'in-force', iban, effectiveDate: '2026-11-01', version: 1 });
const facts = (register: RegisteredBankDetails, needsHuman = false): VendorCheckFacts => ({ register, needsHuman });

/** What the gate's policy decides for an invoice and the vendor check's answer, read from the state as the gate reads it. */
const gateDecision = (given: Invoice, known: VendorCheckFacts) => evaluatePolicy(policy, gateFacts({ invoice: given, policy: { ...checkVendor(given, known), approvalId: 'invoice-approval:x-1' } }));

describe('checkVendor against the vendor register', () => {
  it.each([
    ['registered account', true, 'registered-account', invoice('EUR', '120.00'), facts(inForce())],
    ['registered account written in the paper format and lower case', true, 'registered-account', invoice('EUR', '10.00', formatIban(ACME_IBAN).toLowerCase()), facts(inForce())],
    // The amount and the currency are the policy's to weigh, not the check's.
    ['registered account, a large amount in a currency the policy does not auto-approve', true, 'registered-account', invoice('CHF', '75000.00'), facts(inForce())],
    ['vendor not in the register', false, 'vendor-not-registered', invoice('EUR', '10.00'), facts({ status: 'unregistered' })],
    ['bank details only from a future date', false, 'bank-details-not-in-force', invoice('EUR', '10.00'), facts({ status: 'not-yet-in-force' })],
    ['register entry that does not open into an IBAN', false, 'register-entry-unusable', invoice('EUR', '10.00'), facts({ status: 'unusable', version: 3 })],
    ['invoice without an IBAN', false, 'invoice-without-iban', invoice('EUR', '10.00', null), facts(inForce())],
    ['invoice with another IBAN (a changed account)', false, 'iban-differs-from-register', invoice('EUR', '10.00', OTHER_IBAN), facts(inForce())],
    ['a guard asked for a human, even for the registered account', false, 'guard-asked-for-human', invoice('EUR', '10.00'), facts(inForce(), true)],
  ])('%s -> knownVendor %s (%s)', (_case, knownVendor, check, given, known) => {
    expect(checkVendor(given, known)).toEqual({ knownVendor, check, reason: VENDOR_CHECKS[check as keyof typeof VENDOR_CHECKS] });
  });

  it('gives reasons that name the check, never the vendor, the amount, the currency or the IBAN', () => {
    const answers = [
      checkVendor(invoice('EUR', '4999.99'), facts(inForce())),
      checkVendor(invoice('EUR', '4999.99', OTHER_IBAN), facts(inForce())),
      checkVendor(invoice('CHF', '7777.77', null), facts(inForce())),
      checkVendor(invoice('EUR', '1.00'), facts({ status: 'unregistered' })),
    ];
    expect(answers.map((answer) => answer.reason).join(' ')).not.toMatch(/Acme|4999\.99|7777|CHF|EUR|IE48|IE87/);
  });
});

describe("the gate's approval policy on the vendor check's answer", () => {
  it.each([
    ['registered account, 4,999.99 EUR', 'known-vendor-under-5000', invoice('EUR', '4999.99'), facts(inForce())],
    ['registered account, exactly 5,000.00', '5000-to-50000', invoice('EUR', '5000.00'), facts(inForce())],
    ['registered account, 5000 without decimals', '5000-to-50000', invoice('GBP', '5000'), facts(inForce())],
    ['registered account, 50,000.00', '5000-to-50000', invoice('USD', '50000.00'), facts(inForce())],
    ['registered account, 50,000.01', 'above-50000', invoice('USD', '50000.01'), facts(inForce())],
    ['registered account, currency the policy does not auto-approve', 'otherwise-finance', invoice('CHF', '1.00'), facts(inForce())],
    ['changed account, 10.00', 'otherwise-finance', invoice('EUR', '10.00', OTHER_IBAN), facts(inForce())],
    ['unregistered vendor, 12,480.00', '5000-to-50000', invoice('USD', '12480.00'), facts({ status: 'unregistered' })],
    ['guard asked for a person, 980.00', 'otherwise-finance', invoice('USD', '980.00'), facts(inForce(), true)],
  ])('%s -> %s', (_case, rule, given, known) => {
    expect(gateDecision(given, known)).toMatchObject({ rule });
  });

  it('auto-approves nothing but an exact, in-force, registered IBAN under the threshold; everything else is routed to people', () => {
    const bban = fc.stringMatching(/^[A-Z]{4}[0-9]{14}$/);
    const validIban = bban.map((b) => `IE${ibanCheckDigits('IE', b)}${b}`);
    const register: fc.Arbitrary<RegisteredBankDetails> = fc.oneof(
      fc.constant<RegisteredBankDetails>({ status: 'unregistered' }),
      fc.constant<RegisteredBankDetails>({ status: 'not-yet-in-force' }),
      fc.integer({ min: 1, max: 50 }).map<RegisteredBankDetails>((version) => ({ status: 'unusable', version })),
      fc.oneof(validIban, fc.constant(ACME_IBAN)).map<RegisteredBankDetails>((iban) => ({ status: 'in-force', iban, effectiveDate: '2026-01-01', version: 2 })),
      // Weighted, so that the few answers that may auto-approve come up often enough to be tested.
      { arbitrary: fc.constant<RegisteredBankDetails>(inForce()), weight: 4 },
    );
    const written = (iban: string) => fc.constantFrom(iban, formatIban(iban), iban.toLowerCase(), ` ${formatIban(iban)} `);
    const invoiceIban = fc.option(fc.oneof(validIban, { arbitrary: fc.constant(ACME_IBAN), weight: 3 }).chain(written), { nil: null, freq: 5 });
    // Amounts as the Invoice schema lets them through: whole units or up to 2 fraction digits, up to 10 million.
    const amount = fc.oneof(
      fc.integer({ min: 1, max: 1_000_000_000 }).map((minor) => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`),
      fc.integer({ min: 1, max: 10_000_000 }).map(String),
      fc.constantFrom('4999.99', '5000', '5000.00', '5000.01', '50000', '50000.00', '50000.01', '0.01'),
    );
    const currency = fc.constantFrom('EUR', 'USD', 'GBP', 'CHF', 'JPY');
    const minorUnits = (value: string) => Math.round(Number(value) * 100);
    const seen = { auto: 0, finance: 0, above: 0 };
    fc.assert(
      fc.property(register, invoiceIban, amount, currency, fc.boolean(), (known, iban, total, code, needsHuman) => {
        const outcome = gateDecision(invoice(code, total, iban), { register: known, needsHuman });
        const compact = (value: string) => value.replace(/\s+/g, '').toUpperCase();
        const allowed =
          !needsHuman && known.status === 'in-force' && iban !== null && compact(iban) === known.iban && ['EUR', 'USD', 'GBP'].includes(code) && minorUnits(total) < 500_000;
        expect(outcome.kind === 'auto', JSON.stringify(outcome)).toBe(allowed);
        if (allowed) {
          expect(outcome).toEqual({ kind: 'auto', decision: 'approve', rule: 'known-vendor-under-5000' });
          seen.auto += 1;
          return;
        }
        // Never rejected, never unmatched: a person decides everything the policy does not approve.
        expect(outcome.kind).toBe('route');
        if (outcome.kind !== 'route') return;
        const groups = outcome.levels.map((level) => level.group);
        if (minorUnits(total) > 5_000_000) {
          expect(groups).toEqual(['managers', 'finance-directors']);
          seen.above += 1;
        } else {
          expect(groups).toEqual(['finance']);
          seen.finance += 1;
        }
      }),
      { numRuns: 3_000 },
    );
    // The property saw every side: auto-approvals, single finance approvals and the two-level route.
    expect(seen.auto).toBeGreaterThan(20);
    expect(seen.finance).toBeGreaterThan(20);
    expect(seen.above).toBeGreaterThan(20);
  });
});
