import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGrounding } from '../../../../functions/workflows/invoice-approval/domain/grounding.js';
import type { Invoice } from '../../../../functions/workflows/invoice-approval/domain/invoice.js';
import { fromMinorUnits } from '../../../../functions/workflows/invoice-approval/domain/money.js';

const base: Invoice = { vendor: 'Acme Office Supplies', invoiceNumber: 'INV-2026-0042', currency: 'EUR', amount: '4999.99', dueDate: '2026-12-31' };
const sourceOf = (parts: string[]) => parts.join('\n');
const source = sourceOf(['From: ACME  office   supplies', 'Invoice No: inv-2026-0042', 'Total due: €4,999.99', 'Due date: 31 Dec 2026']);

describe('checkGrounding', () => {
  it('grounds values that occur in the text in another case, spacing or format', () => {
    expect(checkGrounding(base, source)).toEqual({ grounded: true, ungrounded: [] });
  });

  // The source writes the currency only as "€" beside the total, so an invented amount also
  // leaves the currency without evidence.
  it.each([
    [['vendor'], { vendor: 'Acme Office Supply Co' }],
    [['vendor'], { vendor: 'Acme Office Supplie' }],
    [['invoiceNumber'], { invoiceNumber: 'INV-2026-004' }],
    [['currency', 'amount'], { amount: '4999.90' }],
    [['currency', 'amount'], { amount: '499.99' }],
    [['dueDate'], { dueDate: '2026-12-01' }],
    [['dueDate'], { dueDate: '2026-12-30' }],
    [['currency'], { currency: 'USD' }],
  ])('names %j when it was invented (%j)', (fields, change) => {
    expect(checkGrounding({ ...base, ...change }, source)).toEqual({ grounded: false, ungrounded: fields });
  });

  it.each([
    ['amount without separators', 'Total: 4999.99 EUR'],
    ['amount with symbol after', 'Total: 4.999,99'.replace('4.999,99', '4,999.99 €')],
    ['currency code anywhere', 'Currency: EUR\nTotal: 4999.99'],
  ])('accepts the %s', (_case, total) => {
    const text = sourceOf(['From: Acme Office Supplies', 'Invoice No: INV-2026-0042', total, 'Due: 2026-12-31']);
    expect(checkGrounding(base, text).grounded).toBe(true);
  });

  it.each(['2026-12-31', '31 Dec 2026', '31 December 2026', 'December 31, 2026', 'Dec 31 2026', '31st Dec 2026', '31/12/2026', '31.12.2026'])(
    'accepts the due date written as %s',
    (written) => {
      const text = sourceOf(['From: Acme Office Supplies', 'Invoice No: INV-2026-0042', 'Total: €4999.99', `Due: ${written}`]);
      expect(checkGrounding(base, text).ungrounded).toEqual([]);
    },
  );

  it('does not let an invoice number, a date or a symbol on another amount ground an amount or a currency', () => {
    const invoice: Invoice = { ...base, invoiceNumber: 'X-1', amount: '2026.00', currency: 'GBP' };
    const text = sourceOf(['From: Acme Office Supplies', 'Invoice No: X-1', 'Ref: INV-2026', 'Shipping: £5.00', 'Total: 2,026.5 EUR', 'Due: 31.12.2026']);
    expect(checkGrounding(invoice, text).ungrounded).toEqual(['currency', 'amount']);
  });
});

// Generators for the properties. Amounts are 10,000.00-99,999.99 and invoice numbers carry
// at most four digits, so a date or an invoice number can never spell the amount by accident.
const word = fc.stringMatching(/^[A-Z][a-z]{2,9}$/);
const vendor = fc.array(word, { minLength: 1, maxLength: 4 }).map((w) => w.join(' '));
const invoiceNumber = fc.tuple(fc.stringMatching(/^[A-Z]{2,4}$/), fc.integer({ min: 1, max: 9999 })).map(([p, n]) => `${p}-${n}`);
const currency = fc.constantFrom('EUR', 'USD', 'GBP');
const minor = fc.integer({ min: 1_000_000, max: 9_999_999 });
const date = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const invoiceArb = fc.record({ vendor, invoiceNumber, currency, amount: minor.map(fromMinorUnits), dueDate: date });

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SYMBOLS: Record<string, string> = { EUR: '€', USD: '$', GBP: '£' };

/** Writes an invoice the way a document might, in one of several styles chosen by `style`. */
function render(invoice: Invoice, style: number): string {
  const [y, m, d] = invoice.dueDate.split('-');
  const dates = [invoice.dueDate, `${Number(d)} ${MONTHS[Number(m) - 1]} ${y}`, `${d}/${m}/${y}`];
  const [whole, cents] = invoice.amount.split('.');
  const amounts = [invoice.amount, `${Number(whole).toLocaleString('en-US')}.${cents}`];
  const totals = [`${SYMBOLS[invoice.currency]}${amounts[style % 2]}`, `${invoice.currency} ${amounts[style % 2]}`];
  return sourceOf([
    `Vendor: ${style % 3 === 0 ? invoice.vendor.toUpperCase() : invoice.vendor}`,
    `Invoice #: ${invoice.invoiceNumber.toLowerCase()}`,
    `Total: ${totals[style % 2]}`,
    `Due: ${dates[style % 3]}`,
  ]);
}

describe('checkGrounding of the IBAN', () => {
  const withIban = { ...base, iban: 'IE48XMPL93115212345678' };
  it.each(['IBAN: IE48 XMPL 9311 5212 3456 78', 'IBAN: ie48xmpl93115212345678', 'Pay to IE48 XMPL 9311 5212 3456 78 (Example Bank)'])('grounds an IBAN the text writes as %j', (line) => {
    expect(checkGrounding(withIban, sourceOf([source, line]))).toEqual({ grounded: true, ungrounded: [] });
  });

  it.each([
    ['absent from the text', 'Pay to the account on file.'],
    ['another account', 'IBAN: IE87 XMPL 9311 5287 6543 21'],
    ['only part of a longer account', 'IBAN: IE48 XMPL 9311 5212 3456 78 9'],
  ])('does not ground an IBAN %s', (_case, line) => {
    expect(checkGrounding(withIban, sourceOf([source, line]))).toEqual({ grounded: false, ungrounded: ['iban'] });
  });

  it('asks nothing of an invoice without an IBAN (the policy sends it to a person instead)', () => {
    expect(checkGrounding(base, source).grounded).toBe(true);
  });
});

describe('checkGrounding properties', () => {
  it('values copied from the text are always grounded', () => {
    fc.assert(
      fc.property(invoiceArb, fc.nat(), (invoice, style) => {
        expect(checkGrounding(invoice, render(invoice, style))).toEqual({ grounded: true, ungrounded: [] });
      }),
      { numRuns: 500 },
    );
  });

  it('a value absent from the text is never grounded', () => {
    fc.assert(
      fc.property(invoiceArb, invoiceArb, fc.nat(), fc.constantFrom('vendor', 'invoiceNumber', 'amount', 'dueDate'), (invoice, other, style, field) => {
        const written = { ...invoice, [field]: other[field] };
        const text = render(written, style);
        // The extracted value must really be absent: differ from what was written, and not
        // be a word-aligned part of it (a vendor "Acme" is present in "Acme Office").
        fc.pre(invoice[field] !== other[field]);
        if (field === 'vendor') fc.pre(!new RegExp(`(^|[^a-z0-9])${invoice.vendor.toLowerCase()}([^a-z0-9]|$)`).test(text.toLowerCase()));
        if (field === 'amount') fc.pre(invoice.amount !== other.amount);
        // When the total is written with a symbol only, a missing amount also leaves the currency bare.
        const result = checkGrounding(invoice, text);
        expect(result.grounded).toBe(false);
        expect(result.ungrounded.filter((f) => f !== 'currency')).toEqual([field]);
      }),
      { numRuns: 500 },
    );
  });
});
