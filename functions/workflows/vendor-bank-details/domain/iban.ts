import * as z from 'zod';

/**
 * IBANs (ISO 13616): the account a vendor asks to be paid to. A wrong account is the whole
 * fraud this workflow exists to stop, so an IBAN is checked as far as it can be without a
 * bank: the country's length and layout from the registry, and the ISO 7064 MOD 97-10 check
 * digits. The check digits catch every character replaced by another of its kind (a digit by
 * a digit, a letter by a letter) and every swap of two neighbouring digits; the layout catches
 * a letter where the country has only digits, or the reverse. A letter for a digit in a
 * position the registry leaves open to both (`c`) is caught only by the check digits, which
 * miss about one such change in 97 (the letter is two digits long in the MOD 97 number).
 *
 * Nothing here puts an IBAN into a message: reasons name what is wrong, never the value, so
 * they can go into errors, events and logs.
 */

/**
 * BBAN layout per country, from the SWIFT IBAN Registry (ISO 13616; releases of 2024, which
 * list 89 countries: every SEPA country and the others that issue IBANs). `n` digits, `a`
 * upper-case letters, `c` either; `4!n` is exactly four. The IBAN is the country code, two
 * check digits and this BBAN, so the lengths follow from the layouts.
 *
 * Only the registry's own prefixes are listed. Territories that the registry folds into
 * another country's entry use that country's prefix (Réunion and the other French overseas
 * territories: FR; Jersey, Guernsey, the Isle of Man: GB; Åland: FI), so their own ISO 3166
 * codes are unknown here on purpose. A country that joins the registry is one line here.
 */
const BBAN_LAYOUTS: Readonly<Record<string, string>> = {
  AD: '4!n4!n12!c', AE: '3!n16!n', AL: '8!n16!c', AT: '5!n11!n', AZ: '4!a20!c',
  BA: '3!n3!n8!n2!n', BE: '3!n7!n2!n', BG: '4!a4!n2!n8!c', BH: '4!a14!c', BI: '5!n5!n11!n2!n',
  BR: '8!n5!n10!n1!a1!c', BY: '4!c4!n16!c', CH: '5!n12!c', CR: '4!n14!n', CY: '3!n5!n16!c',
  CZ: '4!n6!n10!n', DE: '8!n10!n', DJ: '5!n5!n11!n2!n', DK: '4!n9!n1!n', DO: '4!c20!n',
  EE: '2!n14!n', EG: '4!n4!n17!n', ES: '4!n4!n1!n1!n10!n', FI: '3!n11!n', FK: '2!a12!n',
  FO: '4!n9!n1!n', FR: '5!n5!n11!c2!n', GB: '4!a6!n8!n', GE: '2!a16!n', GI: '4!a15!c',
  GL: '4!n9!n1!n', GR: '3!n4!n16!c', GT: '4!c20!c', HN: '4!a20!n', HR: '7!n10!n',
  HU: '3!n4!n1!n15!n1!n', IE: '4!a6!n8!n', IL: '3!n3!n13!n', IQ: '4!a3!n12!n', IS: '4!n2!n6!n10!n',
  IT: '1!a5!n5!n12!c', JO: '4!a4!n18!c', KW: '4!a22!c', KZ: '3!n13!c', LB: '4!n20!c',
  LC: '4!a24!c', LI: '5!n12!c', LT: '5!n11!n', LU: '3!n13!c', LV: '4!a13!c',
  LY: '3!n3!n15!n', MC: '5!n5!n11!c2!n', MD: '2!c18!c', ME: '3!n13!n2!n', MK: '3!n10!c2!n',
  MN: '4!n12!n', MR: '5!n5!n11!n2!n', MT: '4!a5!n18!c', MU: '4!a2!n2!n12!n3!n3!a', NI: '4!a20!n',
  NL: '4!a10!n', NO: '4!n6!n1!n', OM: '3!n16!c', PK: '4!a16!c', PL: '8!n16!n',
  PS: '4!a21!c', PT: '4!n4!n11!n2!n', QA: '4!a21!c', RO: '4!a16!c', RS: '3!n13!n2!n',
  RU: '9!n5!n15!c', SA: '2!n18!c', SC: '4!a2!n2!n16!n3!a', SD: '2!n12!n', SE: '3!n16!n1!n',
  SI: '5!n8!n2!n', SK: '4!n6!n10!n', SM: '1!a5!n5!n12!c', SO: '4!n3!n12!n', ST: '4!n4!n11!n2!n',
  SV: '4!a20!n', TL: '3!n14!n2!n', TN: '2!n3!n13!n2!n', TR: '5!n1!n16!c', UA: '6!n19!c',
  VA: '3!n15!n', VG: '4!a16!n', XK: '4!n10!n2!n', YE: '4!a4!n18!c',
};

interface IbanCountry {
  /** Characters of the whole IBAN, electronic format. */
  length: number;
  /** The BBAN's layout as a pattern: which positions are digits, letters, or either. */
  bban: RegExp;
}

const CLASS: Record<string, string> = { n: '[0-9]', a: '[A-Z]', c: '[A-Z0-9]' };

const COUNTRIES: ReadonlyMap<string, IbanCountry> = new Map(
  Object.entries(BBAN_LAYOUTS).map(([code, layout]) => {
    let length = 4;
    let pattern = '';
    for (const [, count, kind] of layout.matchAll(/(\d+)!([nac])/g)) {
      length += Number(count);
      pattern += `${CLASS[kind!]}{${count}}`;
    }
    return [code, { length, bban: new RegExp(`^${pattern}$`) }];
  }),
);

/** Country codes of the SWIFT IBAN Registry, sorted. */
export const IBAN_COUNTRY_CODES: readonly string[] = [...COUNTRIES.keys()].sort();

/**
 * Characters an IBAN of `countryCode` has in electronic format, or undefined when the
 * country does not issue IBANs (is not in the SWIFT IBAN Registry).
 *
 * @example
 * ibanLength('DE'); // 22
 * ibanLength('US'); // undefined
 */
export function ibanLength(countryCode: string): number | undefined {
  return COUNTRIES.get(countryCode)?.length;
}

/**
 * The electronic format of an IBAN as written: whitespace removed (the paper format prints
 * groups of four), ASCII letters upper-cased. Only a-z is upper-cased, on purpose:
 * `'ß'.toUpperCase()` is `'SS'` and `'ﬁ'.toUpperCase()` is `'FI'`, which would turn
 * characters no IBAN has into letters one could have. Everything else is kept, so
 * `checkIban` can refuse it.
 *
 * @example
 * normalizeIban('de89 3704 0044 0532 0130 00'); // 'DE89370400440532013000'
 */
export function normalizeIban(value: string): string {
  return value.replace(/\s+/g, '').replace(/[a-z]/g, (letter) => letter.toUpperCase());
}

/** What is wrong with an IBAN. */
export type IbanProblem = 'bad-characters' | 'unknown-country' | 'wrong-length' | 'checksum-mismatch';

export type IbanCheck =
  | {
      valid: true;
      /** Electronic format: upper case, no spaces. */
      iban: string;
      countryCode: string;
    }
  | {
      valid: false;
      problem: IbanProblem;
      /** What is wrong, for errors and logs. Never contains the IBAN. */
      reason: string;
      /** What was expected instead, for validation issues. Never contains the IBAN. */
      expected: string;
    };

function invalid(problem: IbanProblem, reason: string, expected: string): IbanCheck {
  return { valid: false, problem, reason, expected };
}

/**
 * Checks an IBAN as ISO 13616 defines it, after `normalizeIban`: letters and digits only, a
 * country in the SWIFT IBAN Registry, that country's length and BBAN layout, and check
 * digits that pass ISO 7064 MOD 97-10. The first problem found is named; the reason and the
 * expectation never quote the IBAN (only a country code from the registry, with its length).
 *
 * It cannot tell whether the account exists or whom it belongs to: that is the approver's
 * call-back to the vendor, not a checksum's.
 *
 * @example
 * checkIban('GB82 WEST 1234 5698 7654 32'); // { valid: true, iban: 'GB82WEST12345698765432', countryCode: 'GB' }
 * checkIban('GB83 WEST 1234 5698 7654 32'); // { valid: false, problem: 'checksum-mismatch', ... }
 */
export function checkIban(value: string): IbanCheck {
  const iban = normalizeIban(value);
  if (!/^[A-Z0-9]+$/.test(iban)) {
    return invalid('bad-characters', 'it has characters other than letters A-Z and digits', 'an IBAN of letters A-Z and digits only (spaces are ignored)');
  }
  const countryCode = iban.slice(0, 2);
  const country = COUNTRIES.get(countryCode);
  if (!country) {
    return invalid('unknown-country', 'it does not start with the code of a country in the SWIFT IBAN Registry', 'an IBAN starting with the code of a country that issues IBANs (SWIFT IBAN Registry)');
  }
  if (iban.length !== country.length) {
    return invalid('wrong-length', `an IBAN of ${countryCode} has ${country.length} characters, and this one does not`, `an IBAN of ${country.length} characters for ${countryCode} (spaces not counted)`);
  }
  if (!/^[0-9]{2}$/.test(iban.slice(2, 4)) || !country.bban.test(iban.slice(4))) {
    return invalid(
      'bad-characters',
      `it has a letter where the ${countryCode} account layout has a digit, or the reverse`,
      `an IBAN laid out as the SWIFT IBAN Registry gives for ${countryCode} (two check digits, then the account number)`,
    );
  }
  // MOD 97-10 check digits run from 02 to 98. 00, 01 and 99 are congruent to 97, 98 and 02,
  // so they pass the remainder test, but ISO 13616 never issues them.
  const checkDigits = Number(iban.slice(2, 4));
  if (checkDigits < 2 || checkDigits > 98 || ibanRemainder(iban) !== 1) {
    return invalid('checksum-mismatch', 'its check digits do not match the rest (ISO 7064 MOD 97-10)', 'an IBAN whose check digits match the account number (ISO 7064 MOD 97-10)');
  }
  return { valid: true, iban, countryCode };
}

/**
 * The ISO 7064 MOD 97-10 remainder of an IBAN in electronic format: the first four
 * characters moved to the end, each letter read as two digits (A = 10 ... Z = 35), the
 * whole taken as one number mod 97. A valid IBAN leaves 1.
 *
 * The number has up to 68 digits, far beyond a double's 15, so it is reduced piecewise: a
 * character at a time, the running remainder (below 97) times 10 or 100 plus the character's
 * value stays below 9,800. No BigInt: the same arithmetic works in any JavaScript.
 *
 * @throws RangeError when the value has anything but A-Z and 0-9, or fewer than 5 characters.
 * @example
 * ibanRemainder('GB82WEST12345698765432'); // 1
 */
export function ibanRemainder(iban: string): number {
  if (!/^[A-Z0-9]{5,}$/.test(iban)) throw new RangeError('an IBAN remainder needs at least 5 characters, all A-Z or 0-9');
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const code = rearranged.charCodeAt(i);
    remainder = code <= 57 ? (remainder * 10 + (code - 48)) % 97 : (remainder * 100 + (code - 55)) % 97;
  }
  return remainder;
}

/**
 * The two check digits that make `countryCode` + digits + `bban` a valid IBAN, for test data
 * and examples (98 minus the remainder with check digits 00).
 *
 * @throws RangeError when the country code or the BBAN has anything but A-Z and 0-9.
 * @example
 * ibanCheckDigits('GB', 'WEST12345698765432'); // '82'
 */
export function ibanCheckDigits(countryCode: string, bban: string): string {
  if (!/^[A-Z]{2}$/.test(countryCode)) throw new RangeError('a country code is two letters A-Z');
  return String(98 - ibanRemainder(`${countryCode}00${bban}`)).padStart(2, '0');
}

/**
 * The paper format: groups of four separated by spaces, as an approver reads an IBAN aloud
 * when calling the vendor back.
 *
 * @example
 * formatIban('DE89370400440532013000'); // 'DE89 3704 0044 0532 0130 00'
 */
export function formatIban(iban: string): string {
  return normalizeIban(iban).replace(/(.{4})(?=.)/g, '$1 ');
}

/**
 * An IBAN for logs and lists: the country code, the check digits and the last four
 * characters, with a fixed mask between them so the length is not given away either. A value
 * that is not shaped like an IBAN is masked whole: it could be anything, and half of a short
 * value is most of it.
 *
 * @example
 * maskIban('DE89 3704 0044 0532 0130 00'); // 'DE89 **** 3000'
 * maskIban('not an iban'); // '****'
 */
export function maskIban(iban: string): string {
  const value = normalizeIban(iban);
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(value)) return '****';
  return `${value.slice(0, 4)} **** ${value.slice(-4)}`;
}

/**
 * An IBAN as a schema: normalised to the electronic format (so `de89 3704 ...` parses to
 * `DE89370400440532013000`), then checked with `checkIban`. A failure is one issue whose
 * `params.expected` says what an IBAN should have been (describeIssues shows it), never the value.
 *
 * @example
 * Iban.parse('NL91 ABNA 0417 1643 00'); // 'NL91ABNA0417164300'
 * Iban.safeParse('NL92 ABNA 0417 1643 00').success; // false: check digits
 */
export const Iban = z
  .string()
  .overwrite(normalizeIban)
  .superRefine((value, ctx) => {
    const result = checkIban(value);
    if (!result.valid) ctx.addIssue({ code: 'custom', message: `expected ${result.expected}`, params: { expected: result.expected } });
  });

export type Iban = z.infer<typeof Iban>;
