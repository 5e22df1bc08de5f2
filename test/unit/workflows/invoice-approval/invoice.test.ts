import { describe, expect, it } from 'vitest';
import { Invoice, toMinorUnits } from '../../../../functions/workflows/invoice-approval/domain/invoice.js';
import { fromMinorUnits } from '../../../../functions/workflows/invoice-approval/domain/money.js';
import { parseWrittenDate } from '../../../../functions/shared/calendar.js';
import { naughtyStrings } from '../../../support/datasets.js';
import { describeIssues } from '../../../../functions/shared/middleware/describe-issues.js';

const valid = { vendor: 'Acme Office Supplies', invoiceNumber: 'INV-2026/0042.a_#1', currency: 'EUR', amount: '4999.99', dueDate: '2026-12-31' };

describe('Invoice', () => {
  it('says what a refused amount or due date should have been, in the words of ValidationFailed', () => {
    const zero = Invoice.safeParse({ ...valid, amount: '0.00' });
    const notADate = Invoice.safeParse({ ...valid, dueDate: '2026-02-30' });
    expect(describeIssues(zero.error!.issues)).toEqual([{ path: 'amount', expected: 'an amount greater than 0' }]);
    expect(describeIssues(notADate.error!.issues)).toEqual([{ path: 'dueDate', expected: 'a real calendar date written YYYY-MM-DD' }]);
  });

  it('accepts a well-formed invoice and trims the vendor', () => {
    expect(Invoice.parse({ ...valid, vendor: '  Acme Office Supplies ' })).toEqual(valid);
  });

  it.each([
    ['vendor', ''],
    ['vendor', '   '],
    ['vendor', 'x'.repeat(201)],
    ['invoiceNumber', ''],
    ['invoiceNumber', 'INV 42'],
    ['invoiceNumber', 'INV<script>'],
    ['invoiceNumber', 'A'.repeat(65)],
    ['currency', 'eur'],
    ['currency', 'EURO'],
    ['currency', '€'],
    ['amount', '0'],
    ['amount', '0.00'],
    ['amount', '-5.00'],
    ['amount', '4,999.99'],
    ['amount', '4999.999'],
    ['amount', '1e5'],
    ['amount', '04999.99'],
    ['amount', 4999.99],
    ['dueDate', '2026-02-29'],
    ['dueDate', '2026-13-01'],
    ['dueDate', '31/12/2026'],
    ['dueDate', '2026-12-31T00:00:00Z'],
  ])('rejects %s = %j, naming the field', (field, value) => {
    const result = Invoice.safeParse({ ...valid, [field]: value });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => issue.path[0])).toContain(field);
  });

  it('accepts a leap day and a single fraction digit', () => {
    expect(Invoice.safeParse({ ...valid, dueDate: '2028-02-29', amount: '0.5' }).success).toBe(true);
  });

  it('survives every naughty string in every field without throwing', () => {
    const naughty = naughtyStrings();
    for (const value of naughty) {
      for (const field of Object.keys(valid)) {
        const result = Invoice.safeParse({ ...valid, [field]: value });
        if (result.success) expect(result.data[field as keyof typeof valid]).toBe(field === 'vendor' ? value.trim() : value);
      }
    }
  });
});

describe('money in minor units', () => {
  it.each([
    ['4999.99', 499999],
    ['5000', 500000],
    ['5000.0', 500000],
    ['0.5', 50],
    ['0.01', 1],
    ['999999999999.99', 99999999999999],
  ])('toMinorUnits(%s) = %d', (amount, minor) => {
    expect(toMinorUnits(amount)).toBe(minor);
  });
  it('round-trips through fromMinorUnits', () => {
    expect(fromMinorUnits(toMinorUnits('12480'))).toBe('12480.00');
  });
  it('refuses a float-looking or separated amount', () => {
    expect(() => toMinorUnits('1,000.00')).toThrow(RangeError);
  });
});

describe('parseWrittenDate', () => {
  it.each([
    ['2026-12-31', '2026-12-31'],
    ['31 Dec 2026', '2026-12-31'],
    ['31st December, 2026', '2026-12-31'],
    ['December 31, 2026', '2026-12-31'],
    ['Sept 1 2026', '2026-09-01'],
    ['31/12/2026', '2026-12-31'],
    ['1.2.2026', '2026-02-01'],
    ['31/02/2026', undefined],
    ['12/31/2026', undefined],
    ['Smarch 3, 2026', undefined],
    ['soon', undefined],
  ])('%s -> %s', (text, iso) => {
    expect(parseWrittenDate(text)).toBe(iso);
  });
});
