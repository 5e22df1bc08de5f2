import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MONTH_NAMES } from '../../../functions/shared/calendar.js';
import { amountsIn, checkGrounding, GroundingSource, reconciles, toMinorUnits, valuesAt } from '../../../functions/shared/guards/grounding.js';
import type { GroundingKind } from '../../../functions/shared/guards/declaration.js';

const KINDS: GroundingKind[] = ['text', 'amount', 'currency', 'date', 'iban'];

describe('GroundingSource, by kind', () => {
  const source = new GroundingSource('From: ACME  office\n supplies GmbH\nInvoice No: inv-2026-0042\nTotal due: €4,999.99\nShipping: £5.00\nDue date: 31st Dec 2026\nPay to: DE60 9876 5432 1012 3456 78');

  it('text: case- and space-insensitive, on word boundaries', () => {
    expect(source.hasText('Acme Office Supplies')).toBe(true);
    expect(source.hasText('INV-2026-0042')).toBe(true);
    expect(source.hasText('INV-2026-004')).toBe(false);
    expect(source.hasText('Acme Office Supplie')).toBe(false);
    expect(source.hasText('')).toBe(false);
  });

  it('amount: with or without thousands separators, never from an identifier or a date', () => {
    expect(source.hasAmount('4999.99')).toBe(true);
    expect(source.hasAmount('4,999.99')).toBe(true);
    expect(source.hasAmount(4999.99)).toBe(true);
    expect(source.hasAmount('5')).toBe(true);
    expect(new GroundingSource('Invoice No: INV-2026-0042, due 31.12.2026').hasAmount('2026')).toBe(false);
    expect(source.hasAmount('42')).toBe(false);
    expect(source.hasAmount('4999.9')).toBe(false);
    expect(new GroundingSource('Paid on 31.12.2026').hasAmount('31.12')).toBe(false);
  });

  it('currency: the code as a word, or the symbol next to the declared amount only', () => {
    expect(source.hasCurrency('EUR', ['4999.99'])).toBe(true);
    expect(source.hasCurrency('GBP', ['4999.99'])).toBe(false);
    expect(source.hasCurrency('GBP', ['5.00'])).toBe(true);
    expect(source.hasCurrency('GBP')).toBe(true);
    expect(source.hasCurrency('USD')).toBe(false);
    expect(new GroundingSource('Total 10.00 (currency: usd)').hasCurrency('USD', ['1'])).toBe(true);
    expect(source.hasCurrency('E€R')).toBe(false);
  });

  it.each(['2026-12-31', '31 Dec 2026', '31 December 2026', 'December 31, 2026', 'Dec 31 2026', '31st Dec 2026', '31/12/2026', '31.12.2026', 'Dec. 31, 2026'])(
    'date: accepts %s',
    (written) => {
      expect(new GroundingSource(`Due: ${written}.`).hasDate('2026-12-31')).toBe(true);
      expect(new GroundingSource(`Due: ${written}.`).hasDate('2026-12-30')).toBe(false);
    },
  );

  it('iban: paper or electronic format, not part of a longer account', () => {
    expect(source.hasIban('DE60987654321012345678')).toBe(true);
    expect(source.hasIban('de60 9876 5432 1012 3456 78')).toBe(true);
    expect(source.hasIban('DE6098765432101234567')).toBe(false);
    expect(new GroundingSource('IBAN DE60 9876 5432 1012 3456 78 9').hasIban('DE60987654321012345678')).toBe(false);
    expect(source.hasIban('DE60.*')).toBe(false);
  });
});

describe('checkGrounding', () => {
  const text = 'Acme Office Supplies\nTotal: €4,999.99\nDue: 31 Dec 2026\nLines: Paper 4,000.00; Toner 999.99';
  const fields = { vendor: 'text', amount: 'amount', currency: 'currency', dueDate: 'date', 'lines.description': 'text' } as const;

  it('grounds every declared field, each element of an array path, and skips absent ones', () => {
    const output = { vendor: 'acme office supplies', amount: '4999.99', currency: 'EUR', dueDate: '2026-12-31', lines: [{ description: 'Paper' }, { description: 'Toner' }] };
    expect(checkGrounding(output, text, { fields })).toEqual({ grounded: true, ungrounded: [] });
    expect(checkGrounding({ ...output, lines: undefined }, text, { fields })).toEqual({ grounded: true, ungrounded: [] });
  });

  it('names the ungrounded paths in declaration order, never the values', () => {
    const output = { vendor: 'Northwind Traders', amount: '5999.99', currency: 'EUR', dueDate: '2026-12-30', lines: [{ description: 'Paper' }, { description: 'Gold' }] };
    expect(checkGrounding(output, text, { fields })).toEqual({ grounded: false, ungrounded: ['vendor', 'amount', 'currency', 'dueDate', 'lines.description'] });
  });

  it('a present value of the wrong type is ungrounded, and no source grounds nothing', () => {
    expect(checkGrounding({ vendor: { name: 'Acme' } }, text, { fields: { vendor: 'text' } }).ungrounded).toEqual(['vendor']);
    expect(checkGrounding({ vendor: 'Acme' }, '', { fields: { vendor: 'text' } }).ungrounded).toEqual(['vendor']);
  });

  it('reconcile: parts must add up to the total exactly, in minor units', () => {
    const spec = { fields: {}, reconcile: { total: 'amount', parts: 'lines' } };
    expect(checkGrounding({ amount: '4999.99', lines: [{ amount: '4,000.00' }, { amount: 999.99 }] }, text, spec)).toEqual({ grounded: true, ungrounded: [], reconciled: true });
    expect(checkGrounding({ amount: '4999.99', lines: [{ amount: '4000.00' }] }, text, spec)).toEqual({ grounded: false, ungrounded: [], reconciled: false });
    expect(checkGrounding({ amount: '4999.99', lines: [] }, text, spec).reconciled).toBe(false);
    expect(checkGrounding({ amount: '4999.99' }, text, spec).reconciled).toBe(false);
  });

  it('reads own properties only', () => {
    expect(valuesAt({}, '__proto__')).toEqual([undefined]);
    expect(valuesAt({ a: [{ b: 1 }, { b: 2 }, 3] }, 'a.b')).toEqual([1, 2, undefined]);
  });
});

describe('toMinorUnits and reconciles', () => {
  it.each<[unknown, number | undefined]>([
    ['4999.99', 499999], ['4,999.99', 499999], ['5', 500], ['0.5', 50], [12.5, 1250], ['007.10', 710],
    [0.1 + 0.2, undefined], ['1.005', undefined], ['-5', undefined], ['1e3', undefined], [-1, undefined], [Number.NaN, undefined], ['1234567890123', undefined], [null, undefined], ['4.999,99', undefined],
  ])('%j -> %j', (value, minor) => {
    expect(toMinorUnits(value)).toBe(minor);
  });

  it('adds plain amounts and objects with amount, and refuses any part it cannot read', () => {
    expect(reconciles('100', ['60.00', { amount: 40 }])).toBe(true);
    expect(reconciles('100', ['60.00', { amount: 'forty' }])).toBe(false);
    expect(reconciles('0.30', ['0.10', '0.20'])).toBe(true);
    expect(reconciles('0.30', [0.1, 0.2])).toBe(true);
  });
});

// ---- properties ------------------------------------------------------------------------

const word = fc.stringMatching(/^[A-Za-z][a-z]{1,9}$/);
const filler = fc.array(word, { maxLength: 6 }).map((w) => w.join(' '));
const anyOutput = fc.dictionary(fc.constantFrom('vendor', 'amount', 'currency', 'dueDate', 'iban', 'lines'), fc.anything({ maxDepth: 3 }));

describe('grounding properties', () => {
  it('never throws, whatever the text, the output and the kinds', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'grapheme-composite' }), anyOutput, fc.constantFrom(...KINDS), (text, output, kind) => {
        const result = checkGrounding(output, text, { fields: { vendor: kind, amount: kind, currency: kind, dueDate: kind, iban: kind }, reconcile: { total: 'amount', parts: 'lines' } });
        expect(typeof result.grounded).toBe('boolean');
        expect(amountsIn(text).every((a) => a.end > a.start)).toBe(true);
      }),
    );
  });

  it('text: a run of whole words cut out of the source is always found, in any case and spacing', () => {
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 12 }), fc.nat(), fc.nat(), (words, a, b) => {
        const from = a % words.length;
        const to = from + 1 + (b % (words.length - from));
        const value = words.slice(from, to).join('   ').toUpperCase();
        expect(new GroundingSource(words.join(' \n ')).hasText(value)).toBe(true);
      }),
    );
  });

  it('amount: any amount written with or without separators, next to a symbol, is found and grounds its currency', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99_999_999_99 }), fc.boolean(), fc.constantFrom(['EUR', '€'], ['USD', '$'], ['GBP', '£']), filler, filler, (minor, separators, [code, symbol], before, after) => {
        const whole = Math.floor(minor / 100);
        const decimal = `${whole}.${String(minor % 100).padStart(2, '0')}`;
        const written = separators ? `${whole.toLocaleString('en-US')}.${String(minor % 100).padStart(2, '0')}` : decimal;
        const source = new GroundingSource(`${before} Total ${symbol}${written} ${after}`);
        expect(source.hasAmount(decimal)).toBe(true);
        expect(source.hasCurrency(code, [decimal])).toBe(true);
      }),
    );
  });

  it('date: any real date, written in any accepted form, is found', () => {
    const date = fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-12-31T00:00:00Z'), noInvalidDate: true });
    fc.assert(
      fc.property(date, fc.nat(4), filler, (d, form, before) => {
        const iso = d.toISOString().slice(0, 10);
        const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
        const month = MONTH_NAMES[m - 1]!;
        const written = [iso, `${day} ${month} ${y}`, `${month} ${day}, ${y}`, `${day}/${m}/${y}`, `${String(day).padStart(2, '0')}.${String(m).padStart(2, '0')}.${y}`][form]!;
        expect(new GroundingSource(`${before} due ${written}, thanks`).hasDate(iso)).toBe(true);
      }),
    );
  });

  it('iban: one cut out of the source, printed in groups of four or not, is found', () => {
    const iban = fc.tuple(fc.stringMatching(/^[A-Z]{2}$/), fc.stringMatching(/^[0-9]{2}$/), fc.stringMatching(/^[A-Z0-9]{11,30}$/)).map((p) => p.join(''));
    fc.assert(
      fc.property(iban, fc.boolean(), filler, (value, paper, before) => {
        const printed = paper ? value.replace(/(.{4})/g, '$1 ').trim() : value;
        expect(new GroundingSource(`${before} IBAN: ${printed}\nThank you`).hasIban(value)).toBe(true);
      }),
    );
  });

  it('reconcile: parts split off any total always add up, and a cent off never does', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000_00 }), { minLength: 1, maxLength: 20 }), (parts) => {
        const asText = (minor: number) => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
        const total = parts.reduce((sum, p) => sum + p, 0);
        expect(reconciles(asText(total), parts.map((p) => ({ amount: asText(p) })))).toBe(true);
        expect(reconciles(asText(total + 1), parts.map(asText))).toBe(false);
      }),
    );
  });
});
