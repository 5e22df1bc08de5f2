/**
 * The checksums and numbering rules that tell a real identifier from a number that merely has its
 * shape. Written here rather than taken from a package: each is a few lines of public arithmetic,
 * and the guard is bundled into every step that uses it.
 */

/**
 * Luhn (ISO/IEC 7812-1), the check digit of payment card numbers.
 *
 * @example
 * luhnValid('4111111111111111'); // true
 */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * IBAN lengths by country (the SWIFT IBAN registry). A country not listed is not an IBAN country,
 * so its codes are not IBANs.
 */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24,
  DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27,
  GT: 28, HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20,
  LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24,
  PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25,
  SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
};

/**
 * An IBAN without spaces, any case: known country, that country's length, check digits by
 * ISO 7064 mod 97-10.
 *
 * @example
 * ibanValid('GB82WEST12345698765432'); // true
 */
export function ibanValid(compact: string): boolean {
  const iban = compact.toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  if (IBAN_LENGTHS[iban.slice(0, 2)] !== iban.length) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    // Letters count as two digits (A = 10 ... Z = 35); the remainder is carried so no number grows past 2^53.
    remainder = code >= 65 ? (remainder * 100 + (code - 55)) % 97 : (remainder * 10 + (code - 48)) % 97;
  }
  return remainder === 1;
}

/**
 * A US Social Security number's parts as the SSA issues them: area not 000, 666 or 900-999,
 * group not 00, serial not 0000, and not one of the numbers published in advertising.
 *
 * @example
 * ssnValid('123', '45', '6789'); // true
 * ssnValid('666', '45', '6789'); // false
 */
export function ssnValid(area: string, group: string, serial: string): boolean {
  if (area === '000' || area === '666' || area.startsWith('9')) return false;
  if (group === '00' || serial === '0000') return false;
  return !PUBLISHED_SSNS.has(`${area}${group}${serial}`);
}

/** Numbers printed on sample cards and in advertisements, never issued to a person. */
const PUBLISHED_SSNS = new Set(['078051120', '219099999', '457555462']);

/**
 * A UK National Insurance number (HMRC's rules): two prefix letters (not D, F, I, Q, U or V; the
 * second not O; not BG, GB, KN, NK, NT, TN or ZZ), six digits, suffix A to D.
 *
 * @example
 * ninoValid('AB123456C'); // true
 */
export function ninoValid(compact: string): boolean {
  const nino = compact.toUpperCase();
  if (!/^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$/.test(nino)) return false;
  return !['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(nino.slice(0, 2));
}

/** An IPv4 address in dotted decimal: four numbers 0-255, no leading zeros (those read as octal in some parsers). */
export function ipv4Valid(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((part) => /^(?:0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255);
}

/**
 * An IPv6 address (RFC 4291 text forms): eight groups of up to four hex digits, one `::` for a
 * run of zero groups, optionally ending in an IPv4 address.
 */
export function ipv6Valid(text: string): boolean {
  if (text.length > 45 || text.length < 2) return false;
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (half: string): string[] | undefined => (half === '' ? [] : half.split(':'));
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (head === undefined || tail === undefined) return false;
  const groups = [...head, ...tail];
  let count = groups.length;
  const last = groups.at(-1);
  if (last !== undefined && last.includes('.')) {
    if (!ipv4Valid(last)) return false;
    groups.pop();
    count += 1;
  }
  if (!groups.every((group) => /^[0-9A-Fa-f]{1,4}$/.test(group))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}
