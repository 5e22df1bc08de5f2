import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkIban,
  formatIban,
  Iban,
  IBAN_COUNTRY_CODES,
  ibanCheckDigits,
  ibanLength,
  ibanRemainder,
  maskIban,
  normalizeIban,
} from '../../../../functions/workflows/vendor-bank-details/domain/iban.js';
import { describeIssues } from '../../../../functions/shared/middleware/describe-issues.js';

/**
 * The oracle: ISO 7064 MOD 97-10 the way the standard states it, as one big integer (BigInt),
 * independent of the piecewise arithmetic under test.
 */
function oracleRemainder(iban: string): number {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  const digits = [...rearranged].map((c) => (/[0-9]/.test(c) ? c : String(c.charCodeAt(0) - 55))).join('');
  return Number(BigInt(digits) % 97n);
}
const oracleCheckDigits = (country: string, bban: string) => String(98 - oracleRemainder(`${country}00${bban}`)).padStart(2, '0');

/** Example IBANs published in the SWIFT IBAN Registry (and in ISO 13616's own examples). */
const REGISTRY_EXAMPLES = [
  'AD1200012030200359100100', 'AE070331234567890123456', 'AL47212110090000000235698741', 'AT611904300234573201',
  'AZ21NABZ00000000137010001944', 'BA391290079401028494', 'BE68539007547034', 'BG80BNBG96611020345678',
  'BH67BMAG00001299123456', 'BR1800360305000010009795493C1', 'BY13NBRB3600900000002Z00AB00', 'CH9300762011623852957',
  'CR05015202001026284066', 'CY17002001280000001200527600', 'CZ6508000000192000145399', 'DE89370400440532013000',
  'DK5000400440116243', 'DO28BAGR00000001212453611324', 'EE382200221020145685', 'EG380019000500000000263180002',
  'ES9121000418450200051332', 'FI2112345600000785', 'FO6264600001631634', 'FR1420041010050500013M02606',
  'GB29NWBK60161331926819', 'GB82WEST12345698765432', 'GE29NB0000000101904917', 'GI75NWBK000000007099453',
  'GL8964710001000206', 'GR1601101250000000012300695', 'GT82TRAJ01020000001210029690', 'HR1210010051863000160',
  'HU42117730161111101800000000', 'IE29AIBK93115212345678', 'IL620108000000099999999', 'IQ98NBIQ850123456789012',
  'IS140159260076545510730339', 'IT60X0542811101000000123456', 'JO94CBJO0010000000000131000302', 'KW81CBKU0000000000001234560101',
  'KZ86125KZT5004100100', 'LB62099900000001001901229114', 'LC55HEMM000100010012001200023015', 'LI21088100002324013AA',
  'LT121000011101001000', 'LU280019400644750000', 'LV80BANK0000435195001', 'MC5811222000010123456789030',
  'MD24AG000225100013104168', 'ME25505000012345678951', 'MK07250120000058984', 'MR1300020001010000123456753',
  'MT84MALT011000012345MTLCAST001S', 'MU17BOMM0101101030300200000MUR', 'NL91ABNA0417164300', 'NO9386011117947',
  'PK36SCBL0000001123456702', 'PL61109010140000071219812874', 'PS92PALS000000000400123456702', 'PT50000201231234567890154',
  'QA58DOHB00001234567890ABCDEFG', 'RO49AAAA1B31007593840000', 'RS35260005601001611379', 'SA0380000000608010167519',
  'SC18SSCB11010000000000001497USD', 'SE4550000000058398257466', 'SI56263300012039086', 'SK3112000000198742637541',
  'SM86U0322509800000000270100', 'ST68000100010051845310112', 'SV62CENR00000000000000700025', 'TL380080012345678910157',
  'TN5910006035183598478831', 'TR330006100519786457841326', 'UA213223130000026007233566001', 'VA59001123000012345678',
  'VG96VPVG0000012345678901', 'XK051212012345678906',
];

/**
 * IBAN lengths per country as the registry states them, typed in separately from the layouts
 * in iban.ts (which derive their lengths), so a slip in either shows here.
 */
const REGISTRY_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28,
  CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23,
  GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28,
  LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28,
  NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24,
  SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/** The 27 EU members and the other SEPA countries with their own IBAN prefix. */
const SEPA = [
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT', 'NL', 'PL', 'PT', 'RO',
  'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO', 'CH', 'GB', 'MC', 'SM', 'VA', 'AD', 'GI',
];

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const isDigit = (c: string) => c >= '0' && c <= '9';
const replaceAt = (value: string, at: number, c: string) => value.slice(0, at) + c + value.slice(at + 1);

describe('the country table', () => {
  it('has every registry country with the registry length, and every SEPA country', () => {
    expect(IBAN_COUNTRY_CODES).toEqual(Object.keys(REGISTRY_LENGTHS).sort());
    for (const [country, length] of Object.entries(REGISTRY_LENGTHS)) expect(ibanLength(country), country).toBe(length);
    for (const country of SEPA) expect(ibanLength(country), country).toBeDefined();
    expect(ibanLength('US')).toBeUndefined();
  });
});

describe('checkIban', () => {
  it.each(REGISTRY_EXAMPLES)('accepts the registry example %s', (iban) => {
    expect(oracleRemainder(iban)).toBe(1); // the example itself, by the oracle
    expect(checkIban(iban)).toEqual({ valid: true, iban, countryCode: iban.slice(0, 2) });
  });

  it.each([
    ['GB82 WEST 1234 5698 7654 32', 'GB82WEST12345698765432'],
    ['de89 3704 0044 0532 0130 00', 'DE89370400440532013000'],
    ['nl91abna0417164300', 'NL91ABNA0417164300'],
    ['FR14 2004 1010 0505 0001 3M02 606', 'FR1420041010050500013M02606'],
    ['  Fr14 2004\t1010 0505 0001 3m02 606\n', 'FR1420041010050500013M02606'],
  ])('accepts %j (paper format, lower case, stray whitespace)', (written, iban) => {
    expect(checkIban(written)).toEqual({ valid: true, iban, countryCode: iban.slice(0, 2) });
  });

  it.each([
    ['DE89 3704 0044 0532 0130 0', 'wrong-length'],
    ['DE89 3704 0044 0532 0130 000', 'wrong-length'],
    ['NL91 ABNA 0417 1643 0', 'wrong-length'],
    ['DE', 'wrong-length'],
    ['US64 SVBK US6S 3300 9673 86', 'unknown-country'],
    ['XX89 3704 0044 0532 0130 00', 'unknown-country'],
    ['1289 3704 0044 0532 0130 00', 'unknown-country'],
    ['DE89-3704-0044-0532-0130-00', 'bad-characters'],
    ['DE89 3704 0044 0532 0130 0ß', 'bad-characters'],
    ['ＤＥ89 3704 0044 0532 0130 00', 'bad-characters'],
    ['', 'bad-characters'],
    ['DE89 3704 0044 0532 0130 0A', 'bad-characters'],
    ['NL91 ABN4 0417 1643 00', 'bad-characters'],
    ['DEAB 3704 0044 0532 0130 00', 'bad-characters'],
    ['DE88 3704 0044 0532 0130 00', 'checksum-mismatch'],
    ['GB82 WEST 1234 5698 7654 23', 'checksum-mismatch'],
  ])('refuses %j: %s', (written, problem) => {
    const result = checkIban(written);
    expect(result.valid).toBe(false);
    if (!result.valid) expect(result.problem).toBe(problem);
  });

  it.each([
    ['97', '00'],
    ['98', '01'],
    ['02', '99'],
  ])('refuses check digits %s written as %s: the remainder is the same, but ISO 13616 issues only 02..98', (issued, alias) => {
    // The first Norwegian account number whose check digits come out as `issued`.
    let bban = '';
    for (let n = 0; bban === ''; n++) {
      const candidate = String(n).padStart(11, '0');
      if (oracleCheckDigits('NO', candidate) === issued) bban = candidate;
    }
    expect(checkIban(`NO${issued}${bban}`).valid).toBe(true);
    expect(ibanRemainder(`NO${alias}${bban}`)).toBe(1);
    expect(checkIban(`NO${alias}${bban}`)).toMatchObject({ valid: false, problem: 'checksum-mismatch' });
  });

  it('never puts the IBAN, or four characters of it in a row, into its reason or expectation', () => {
    const bad = ['DE88370400440532013000', 'DE8937040044053201300', 'ZZ89370400440532013000', 'DE89370400440532013A00', 'DE89 3704 0044 0532 0130 0#'];
    for (const written of bad) {
      const result = checkIban(written);
      expect(result.valid).toBe(false);
      if (result.valid) continue;
      const iban = normalizeIban(written);
      for (let at = 0; at + 4 <= iban.length; at++) {
        expect(result.reason).not.toContain(iban.slice(at, at + 4));
        expect(result.expected).not.toContain(iban.slice(at, at + 4));
      }
    }
  });
});

describe('single-character changes', () => {
  /** Every IBAN one character away from `iban`, with what was changed. */
  function neighbours(iban: string) {
    const out: { changed: string; at: number; from: string; to: string }[] = [];
    for (let at = 0; at < iban.length; at++) {
      for (const to of ALPHANUMERIC) if (to !== iban[at]) out.push({ changed: replaceAt(iban, at, to), at, from: iban[at]!, to });
    }
    return out;
  }

  // These layouts fix every position as a digit or a letter, so every change is caught: a
  // change of kind by the layout, a change within a kind by MOD 97-10.
  it.each(['GB82WEST12345698765432', 'DE89370400440532013000', 'NL91ABNA0417164300', 'BE68539007547034', 'GB29NWBK60161331926819'])(
    'rejects every single-character change to %s',
    (iban) => {
      for (const { changed } of neighbours(iban)) expect(checkIban(changed).valid, changed).toBe(false);
    },
  );

  // FR's account number is alphanumeric ("11!c"), and there a letter for a digit is two digits
  // for one in the MOD 97 number, which the check digits catch only 96 times in 97. These four
  // changes produce other IBANs that ISO 13616 itself calls valid (the oracle agrees): a limit
  // of the standard, not of the check. Everything else is rejected.
  it('rejects every single-character change to FR14 2004 1010 0505 0001 3M02 606 but the four ISO 13616 itself accepts', () => {
    const iban = 'FR1420041010050500013M02606';
    const accepted = neighbours(iban).filter(({ changed }) => checkIban(changed).valid);
    expect(accepted.map(({ at, from, to }) => `${at}:${from}->${to}`)).toEqual(['15:5->Q', '17:0->P', '22:0->Z', '24:6->S']);
    for (const { changed, at, from, to } of accepted) {
      expect(oracleRemainder(changed)).toBe(1);
      expect(at).toBeGreaterThanOrEqual(14); // inside the alphanumeric account number (positions 14..24)
      expect(at).toBeLessThanOrEqual(24);
      expect(isDigit(from)).not.toBe(isDigit(to));
    }
  });

  /** A random valid IBAN of a random registry country, built from its layout with the oracle's check digits. */
  const anyValidIban = fc
    .constantFrom(...IBAN_COUNTRY_CODES)
    .chain((country) => {
      const length = ibanLength(country)! - 4;
      return fc
        .array(fc.constantFrom(...ALPHANUMERIC), { minLength: length, maxLength: length })
        .map((chars) => ({ country, chars }));
    })
    .map(({ country, chars }) => {
      // Fit the random characters to the country's layout by trying them as the registry
      // example's kinds: a digit where the example has a digit, a letter where it has a letter.
      const example = REGISTRY_EXAMPLES.find((e) => e.startsWith(country));
      const bban = chars
        .map((c, i) => {
          const kind = example?.[i + 4];
          if (kind === undefined) return isDigit(c) ? c : String(c.charCodeAt(0) % 10);
          if (isDigit(kind)) return isDigit(c) ? c : String(c.charCodeAt(0) % 10);
          return isDigit(c) ? ALPHANUMERIC[10 + Number(c)]! : c;
        })
        .join('');
      return `${country}${oracleCheckDigits(country, bban)}${bban}`;
    })
    .filter((iban) => checkIban(iban).valid);

  it('rejects every change of a character to another of its kind, in any valid IBAN', () => {
    fc.assert(
      fc.property(anyValidIban, fc.nat(), fc.nat(), (iban, atSeed, toSeed) => {
        const at = atSeed % iban.length;
        const pool = isDigit(iban[at]!) ? '0123456789' : 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
        const candidates = [...pool].filter((c) => c !== iban[at]);
        const changed = replaceAt(iban, at, candidates[toSeed % candidates.length]!);
        expect(checkIban(changed).valid).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });

  it('builds valid IBANs for every country from the registry examples\' layouts (the property above is not vacuous)', () => {
    const countries = new Set(fc.sample(anyValidIban, 3_000).map((iban) => iban.slice(0, 2)));
    expect(countries.size).toBeGreaterThan(70);
  });
});

describe('ibanRemainder and ibanCheckDigits', () => {
  it('match the BigInt oracle on random letters and digits', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...ALPHANUMERIC), minLength: 5, maxLength: 40 }), (value) => {
        expect(ibanRemainder(value)).toBe(oracleRemainder(value));
      }),
      { numRuns: 5_000 },
    );
  });

  it('computes the check digits the oracle does', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z]{2}$/), fc.string({ unit: fc.constantFrom(...ALPHANUMERIC), minLength: 1, maxLength: 30 }), (country, bban) => {
        expect(ibanCheckDigits(country, bban)).toBe(oracleCheckDigits(country, bban));
      }),
      { numRuns: 2_000 },
    );
    expect(ibanCheckDigits('GB', 'WEST12345698765432')).toBe('82');
    expect(ibanCheckDigits('DE', '370400440532013000')).toBe('89');
  });

  it('refuses anything but A-Z and 0-9, without quoting it', () => {
    expect(() => ibanRemainder('de89370400440532013000')).toThrow(RangeError);
    expect(() => ibanRemainder('DE89')).toThrow(RangeError);
    expect(() => ibanCheckDigits('de', '370400440532013000')).toThrow(RangeError);
    try {
      ibanRemainder('secret-value');
    } catch (error) {
      expect((error as Error).message).not.toContain('secret');
    }
  });
});

describe('maskIban and formatIban', () => {
  it('shows the country, the check digits and the last four, with a fixed mask', () => {
    expect(maskIban('DE89 3704 0044 0532 0130 00')).toBe('DE89 **** 3000');
    expect(maskIban('lc55hemm000100010012001200023015')).toBe('LC55 **** 3015');
    expect(maskIban('NO9386011117947')).toBe('NO93 **** 7947');
  });

  it('masks whole anything that is not shaped like an IBAN', () => {
    for (const value of ['', 'DE89', 'DE89 3704 0044', 'not an iban at all, really', 'DE89-3704-0044-0532-0130-00', '12893704004405320130001']) {
      expect(maskIban(value)).toBe('****');
    }
  });

  it('prints the paper format in groups of four', () => {
    expect(formatIban('DE89370400440532013000')).toBe('DE89 3704 0044 0532 0130 00');
    expect(formatIban('be68 5390 0754 7034')).toBe('BE68 5390 0754 7034');
    expect(formatIban('FR1420041010050500013M02606')).toBe('FR14 2004 1010 0505 0001 3M02 606');
  });
});

describe('Iban schema', () => {
  it('normalises to the electronic format', () => {
    expect(Iban.parse('nl91 abna 0417 1643 00')).toBe('NL91ABNA0417164300');
  });

  it.each([
    ['DE88 3704 0044 0532 0130 00', 'an IBAN whose check digits match the account number (ISO 7064 MOD 97-10)'],
    ['DE89 3704 0044 0532 0130', 'an IBAN of 22 characters for DE (spaces not counted)'],
    ['US64 SVBK US6S 3300 9673 86', 'an IBAN starting with the code of a country that issues IBANs (SWIFT IBAN Registry)'],
    ['DE89_3704_0044_0532_0130_00', 'an IBAN of letters A-Z and digits only (spaces are ignored)'],
  ])('refuses %j, saying it expected %j and never quoting the value', (written, expected) => {
    const result = Iban.safeParse(written);
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.error.issues).toHaveLength(1);
    expect(describeIssues(result.error.issues, ['iban'])).toEqual([{ path: 'iban', expected }]);
    const text = JSON.stringify(result.error.issues);
    expect(text).not.toContain(normalizeIban(written).slice(4, 12));
    expect(text).not.toContain(written.slice(5, 14));
  });

  it('refuses what is not a string', () => {
    expect(Iban.safeParse(12345).success).toBe(false);
    expect(Iban.safeParse(undefined).success).toBe(false);
  });
});
