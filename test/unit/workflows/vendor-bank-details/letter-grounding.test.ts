import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GuardTriggered } from '../../../../functions/shared/errors.js';
import type { BankDetailsRequest } from '../../../../functions/workflows/vendor-bank-details/domain/bank-details-request.js';
import { formatIban, ibanCheckDigits } from '../../../../functions/workflows/vendor-bank-details/domain/iban.js';
import { assertLetterGrounded, checkLetterGrounding } from '../../../../functions/workflows/vendor-bank-details/domain/letter-grounding.js';

const request: BankDetailsRequest = { vendor: 'Vandelay Industries GmbH', iban: 'DE60987654321012345678', effectiveDate: '2027-01-15' };
const letter = (lines: string[]) => lines.join('\n');
const base = letter(['Company: Vandelay Industries GmbH', 'New IBAN: DE60 9876 5432 1012 3456 78', 'Effective date: 15 January 2027']);

describe('checkLetterGrounding', () => {
  it('grounds values copied from the letter', () => {
    expect(checkLetterGrounding(request, base)).toEqual({ grounded: true, ungrounded: [] });
  });

  it.each([
    '2027-01-15',
    '15/01/2027',
    '15.01.2027',
    '15/1/2027',
    '15 January 2027',
    '15 Jan 2027',
    '15th January 2027',
    '15 January, 2027',
    'January 15, 2027',
    'Jan. 15, 2027',
    'january 15 2027',
  ])('grounds the effective date written as %s', (written) => {
    const text = letter(['Company: Vandelay Industries GmbH', 'IBAN: DE60987654321012345678', `The new account applies from ${written} onwards.`]);
    expect(checkLetterGrounding(request, text).ungrounded).toEqual([]);
  });

  it.each([
    ['paper format', 'DE60 9876 5432 1012 3456 78'],
    ['electronic format', 'DE60987654321012345678'],
    ['lower case', 'de60 9876 5432 1012 3456 78'],
    ['odd grouping and a line break', 'DE 6098 765432\n1012345678'],
    ['non-breaking spaces', 'DE60\u00A09876\u00A05432\u00A01012\u00A03456\u00A078'],
    ['full-width digits', 'ＤＥ６０ ９８７６ ５４３２ １０１２ ３４５６ ７８'],
    ['punctuation around it', '(DE60 9876 5432 1012 3456 78).'],
    ['a bank name after it', 'DE60 9876 5432 1012 3456 78 Example Bank AG'],
  ])('grounds the IBAN printed in %s', (_case, printed) => {
    const text = letter(['Company: Vandelay Industries GmbH', `New IBAN: ${printed}`, 'Effective date: 2027-01-15']);
    expect(checkLetterGrounding(request, text).ungrounded).toEqual([]);
  });

  it.each([
    [['vendor'], { vendor: 'Vandelay Industries' + ' AG' }],
    [['vendor'], { vendor: 'Vandelay Industrie' }],
    [['iban'], { iban: 'DE61987654321012345678' }],
    [['iban'], { iban: 'DE6098765432101234567' }],
    [['effectiveDate'], { effectiveDate: '2027-01-16' }],
    [['effectiveDate'], { effectiveDate: '2027-15-01' }],
    [['vendor', 'iban', 'effectiveDate'], { vendor: 'Kramerica Industries GmbH', iban: 'NL05ZBNK0417190386', effectiveDate: '2026-12-03' }],
  ])('names %j when the model invented it (%j)', (fields, change) => {
    expect(checkLetterGrounding({ ...request, ...change }, base)).toEqual({ grounded: false, ungrounded: fields });
  });

  it('does not ground an IBAN by a longer account that contains it, nor glued to other characters', () => {
    for (const printed of ['DE60 9876 5432 1012 3456 789', 'XDE60 9876 5432 1012 3456 78', 'DE60 9876 5432 1012 3456 78A', 'DE60  9876 5432 1012 3456 7 8 9']) {
      const text = letter(['Company: Vandelay Industries GmbH', `IBAN: ${printed}`, 'Effective date: 2027-01-15']);
      expect(checkLetterGrounding(request, text).ungrounded, printed).toEqual(['iban']);
    }
  });

  it('does not ground a date by part of a number or a month-first date', () => {
    for (const written of ['115/01/2027', '15/01/20270', '01/15/2027', '2027-01-150', '2027-01-15T09']) {
      const text = letter(['Company: Vandelay Industries GmbH', 'IBAN: DE60987654321012345678', `From: ${written}`]);
      expect(checkLetterGrounding(request, text).ungrounded, written).toEqual(['effectiveDate']);
    }
  });

  it('grounds the vendor case-insensitively with spacing collapsed, but on word boundaries', () => {
    const text = (vendor: string) => letter([`From: ${vendor}`, 'IBAN: DE60987654321012345678', 'As of: 2027-01-15']);
    expect(checkLetterGrounding(request, text('VANDELAY   industries\nGmbH')).ungrounded).toEqual([]);
    expect(checkLetterGrounding(request, text('Vandelay Industries GmbHX')).ungrounded).toEqual(['vendor']);
  });
});

describe('assertLetterGrounded', () => {
  it('returns when everything is in the letter', () => {
    expect(() => assertLetterGrounded(request, base)).not.toThrow();
  });

  it('throws GuardTriggered (grounding) naming the fields, never their values', () => {
    const invented = { vendor: 'Kramerica Industries GmbH', iban: 'NL05ZBNK0417190386', effectiveDate: request.effectiveDate };
    let thrown: unknown;
    try {
      assertLetterGrounded(invented, base);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GuardTriggered);
    const error = thrown as GuardTriggered;
    expect(error.name).toBe('GuardTriggered');
    expect(error.guard).toBe('grounding');
    expect(error.details).toEqual({ guard: 'grounding', fields: ['vendor', 'iban'] });
    expect(error.message).toContain('vendor, iban');
    const everything = JSON.stringify({ message: error.message, details: error.details });
    for (const value of ['Kramerica', 'NL05', 'ZBNK', '0417190386', '2027']) expect(everything).not.toContain(value);
  });

  it('says "does" for one field', () => {
    expect(() => assertLetterGrounded({ ...request, effectiveDate: '2027-01-16' }, base)).toThrow(/the extracted effectiveDate does not occur/);
  });
});

// Values copied into a letter in any of its styles are grounded; a value the letter does not
// carry is not. Account numbers are 10 digits and dates 2027-2099, so one cannot spell another.
const word = fc.stringMatching(/^[A-Z][a-z]{2,9}$/);
const vendorArb = fc.array(word, { minLength: 1, maxLength: 4 }).map((words) => `${words.join(' ')} GmbH`);
const ibanArb = fc.tuple(fc.stringMatching(/^[0-9]{8}$/), fc.stringMatching(/^[0-9]{10}$/)).map(([bank, account]) => {
  const bban = `${bank}${account}`;
  return `DE${ibanCheckDigits('DE', bban)}${bban}`;
});
const dateArb = fc
  .date({ min: new Date('2027-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const requestArb = fc.record({ vendor: vendorArb, iban: ibanArb, effectiveDate: dateArb });
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function render(r: BankDetailsRequest, style: number): string {
  const [y, m, d] = r.effectiveDate.split('-');
  const month = MONTHS[Number(m) - 1]!;
  const dates = [r.effectiveDate, `${d}/${m}/${y}`, `${Number(d)} ${month} ${y}`, `${month} ${Number(d)}, ${y}`, `${Number(d)} ${month.slice(0, 3)} ${y}`];
  const ibans = [r.iban, formatIban(r.iban), formatIban(r.iban).toLowerCase()];
  return letter([
    'Dear customer,',
    `Company: ${style % 2 === 0 ? r.vendor : r.vendor.toUpperCase()}`,
    `Please pay into ${ibans[style % 3]} from ${dates[style % 5]}.`,
    'Kind regards',
  ]);
}

describe('checkLetterGrounding properties', () => {
  it('values copied into the letter are always grounded', () => {
    fc.assert(
      fc.property(requestArb, fc.nat(), (r, style) => {
        expect(checkLetterGrounding(r, render(r, style))).toEqual({ grounded: true, ungrounded: [] });
      }),
      { numRuns: 500 },
    );
  });

  it('a value the letter does not carry is named, and only that one', () => {
    fc.assert(
      fc.property(requestArb, requestArb, fc.nat(), fc.constantFrom('vendor', 'iban', 'effectiveDate') as fc.Arbitrary<keyof BankDetailsRequest>, (r, other, style, field) => {
        fc.pre(r[field] !== other[field]);
        const written = { ...r, [field]: other[field] };
        const text = render(written, style);
        // A vendor that is a word-aligned part of the written one ("Acme GmbH" in "Big Acme GmbH") is present.
        if (field === 'vendor') fc.pre(!new RegExp(`(^|[^a-z0-9])${r.vendor.toLowerCase()}([^a-z0-9]|$)`).test(text.toLowerCase()));
        expect(checkLetterGrounding(r, text)).toEqual({ grounded: false, ungrounded: [field] });
      }),
      { numRuns: 500 },
    );
  });
});
