import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApprovalPolicy, decideApproval } from '../../../../functions/workflows/invoice-approval/domain/approval-policy.js';
import type { Invoice } from '../../../../functions/workflows/invoice-approval/domain/invoice.js';

const shipped = ApprovalPolicy.parse(
  JSON.parse(readFileSync(new URL('../../../../statemachines/invoice-approval/policy.json', import.meta.url), 'utf8')),
);
const invoice = (vendor: string, currency: string, amount: string): Invoice => ({
  vendor,
  invoiceNumber: 'INV-1',
  currency,
  amount,
  dueDate: '2026-12-31',
});

describe('decideApproval with the shipped policy', () => {
  it.each([
    ['known vendor, well under', 'Acme Office Supplies', 'EUR', '120.00', 'auto-approve'],
    ['known vendor, 4,999.99', 'Acme Office Supplies', 'EUR', '4999.99', 'auto-approve'],
    ['known vendor, exactly 5,000.00', 'Acme Office Supplies', 'EUR', '5000.00', 'require-approval'],
    ['known vendor, exactly 5000 without decimals', 'Acme Office Supplies', 'EUR', '5000', 'require-approval'],
    ['known vendor, 5,000.01', 'Acme Office Supplies', 'EUR', '5000.01', 'require-approval'],
    ['known vendor, far over', 'Northwind Traders', 'USD', '12480.00', 'require-approval'],
    ['known vendor in other case and spacing', '  northwind   TRADERS ', 'GBP', '10.00', 'auto-approve'],
    ['unknown vendor, small', 'Initech Consulting', 'GBP', '640.00', 'require-approval'],
    ['vendor that only contains a known name', 'Acme Office Supplies Ltd (new bank details)', 'EUR', '10.00', 'require-approval'],
    ['currency without a threshold', 'Acme Office Supplies', 'CHF', '1.00', 'require-approval'],
  ])('%s -> %s', (_case, vendor, currency, amount, decision) => {
    expect(decideApproval(invoice(vendor, currency, amount), shipped).decision).toBe(decision);
  });

  it('gives reasons that name the rule, never the vendor or the amount', () => {
    const reasons = [
      decideApproval(invoice('Acme Office Supplies', 'EUR', '4999.99'), shipped),
      decideApproval(invoice('Initech Consulting', 'EUR', '4999.99'), shipped),
      decideApproval(invoice('Acme Office Supplies', 'EUR', '7777.77'), shipped),
    ].map((d) => d.reason);
    expect(reasons.join(' ')).not.toMatch(/Acme|Initech|4999\.99|7777/);
  });
});

describe('ApprovalPolicy schema', () => {
  it.each([
    [{}],
    [{ autoApprove: { below: { eur: '5000.00' }, knownVendors: [] } }],
    [{ autoApprove: { below: { EUR: 5000 }, knownVendors: [] } }],
    [{ autoApprove: { below: { EUR: '5,000' }, knownVendors: [] } }],
    [{ autoApprove: { below: { EUR: '5000.00' }, knownVendors: [''] } }],
  ])('rejects a malformed policy %j', (policy) => {
    expect(ApprovalPolicy.safeParse(policy).success).toBe(false);
  });
});
