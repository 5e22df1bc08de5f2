import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { APPROVAL_RULES, ApprovalPolicy, decideApproval, type ApprovalFacts } from '../../../../functions/workflows/invoice-approval/domain/approval-policy.js';
import type { Invoice } from '../../../../functions/workflows/invoice-approval/domain/invoice.js';
import type { RegisteredBankDetails } from '../../../../functions/workflows/vendor-bank-details/domain/bank-details-in-force.js';
import { formatIban, ibanCheckDigits } from '../../../../functions/workflows/vendor-bank-details/domain/iban.js';

const shipped = ApprovalPolicy.parse(
  JSON.parse(readFileSync(new URL('../../../../statemachines/invoice-approval/policy.json', import.meta.url), 'utf8')),
);

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
const facts = (register: RegisteredBankDetails, needsHuman = false): ApprovalFacts => ({ register, needsHuman });

describe('decideApproval with the shipped policy and the vendor register', () => {
  it.each([
    ['registered account, well under', invoice('EUR', '120.00'), facts(inForce()), 'auto-approve', 'registered-account-below-threshold'],
    ['registered account, 4,999.99', invoice('EUR', '4999.99'), facts(inForce()), 'auto-approve', 'registered-account-below-threshold'],
    ['registered account written in the paper format and lower case', invoice('EUR', '10.00', formatIban(ACME_IBAN).toLowerCase()), facts(inForce()), 'auto-approve', 'registered-account-below-threshold'],
    ['registered account, exactly 5,000.00', invoice('EUR', '5000.00'), facts(inForce()), 'require-approval', 'amount-at-or-above-threshold'],
    ['registered account, 5000 without decimals', invoice('EUR', '5000'), facts(inForce()), 'require-approval', 'amount-at-or-above-threshold'],
    ['registered account, 5,000.01', invoice('EUR', '5000.01'), facts(inForce()), 'require-approval', 'amount-at-or-above-threshold'],
    ['registered account, currency without a threshold', invoice('CHF', '1.00'), facts(inForce()), 'require-approval', 'no-threshold-for-currency'],
    ['vendor not in the register', invoice('EUR', '10.00'), facts({ status: 'unregistered' }), 'require-approval', 'vendor-not-registered'],
    ['bank details only from a future date', invoice('EUR', '10.00'), facts({ status: 'not-yet-in-force' }), 'require-approval', 'bank-details-not-in-force'],
    ['register entry that does not open into an IBAN', invoice('EUR', '10.00'), facts({ status: 'unusable', version: 3 }), 'require-approval', 'register-entry-unusable'],
    ['invoice without an IBAN', invoice('EUR', '10.00', null), facts(inForce()), 'require-approval', 'invoice-without-iban'],
    ['invoice with another IBAN (a changed account)', invoice('EUR', '10.00', OTHER_IBAN), facts(inForce()), 'require-approval', 'iban-differs-from-register'],
    ['a guard asked for a human', invoice('EUR', '10.00'), facts(inForce(), true), 'require-approval', 'guard-asked-for-human'],
  ])('%s -> %s (%s)', (_case, given, known, decision, rule) => {
    expect(decideApproval(given, shipped, known)).toEqual({ decision, rule, reason: APPROVAL_RULES[rule as keyof typeof APPROVAL_RULES] });
  });

  it('gives reasons that name the rule, never the vendor, the amount, the currency or the IBAN', () => {
    const decisions = [
      decideApproval(invoice('EUR', '4999.99'), shipped, facts(inForce())),
      decideApproval(invoice('EUR', '4999.99', OTHER_IBAN), shipped, facts(inForce())),
      decideApproval(invoice('EUR', '7777.77'), shipped, facts(inForce())),
      decideApproval(invoice('CHF', '1.00'), shipped, facts(inForce())),
      decideApproval(invoice('EUR', '1.00'), shipped, facts({ status: 'unregistered' })),
    ];
    expect(decisions.map((d) => d.reason).join(' ')).not.toMatch(/Acme|4999\.99|7777|CHF|EUR|IE48|IE87|5000/);
  });

  it('never auto-approves unless a registered, in-force account equals the invoice IBAN, no guard objects and the amount is under the threshold', () => {
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
    const amount = fc.integer({ min: 1, max: 1_000_000 }).map((minor) => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`);
    const currency = fc.constantFrom('EUR', 'USD', 'GBP', 'CHF', 'JPY');
    let approved = 0;
    fc.assert(
      fc.property(register, invoiceIban, amount, currency, fc.boolean(), (known, iban, total, code, needsHuman) => {
        const decided = decideApproval(invoice(code, total, iban), shipped, { register: known, needsHuman });
        const compact = (value: string) => value.replace(/\s+/g, '').toUpperCase();
        const allowed =
          !needsHuman &&
          known.status === 'in-force' &&
          iban !== null &&
          compact(iban) === known.iban &&
          ['EUR', 'USD', 'GBP'].includes(code) &&
          Math.round(Number(total) * 100) < 500_000;
        expect(decided.decision === 'auto-approve').toBe(allowed);
        if (allowed) approved += 1;
      }),
      { numRuns: 2_000 },
    );
    // The property saw both sides: some invoices were auto-approved, most were not.
    expect(approved).toBeGreaterThan(20);
  });
});

describe('ApprovalPolicy schema', () => {
  it.each([
    [{}],
    [{ autoApprove: { below: { eur: '5000.00' } } }],
    [{ autoApprove: { below: { EUR: 5000 } } }],
    [{ autoApprove: { below: { EUR: '5,000' } } }],
    // A list of names no longer decides anything: refused, so it cannot look as if it did.
    [{ autoApprove: { below: { EUR: '5000.00' }, knownVendors: ['Acme Office Supplies'] } }],
  ])('rejects a malformed policy %j', (policy) => {
    expect(ApprovalPolicy.safeParse(policy).success).toBe(false);
  });

  it('accepts the shipped policy: thresholds only', () => {
    expect(Object.keys(shipped.autoApprove)).toEqual(['below']);
  });
});
