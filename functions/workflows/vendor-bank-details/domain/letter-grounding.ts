// By relative path on purpose: the calendar is not in the platform's public surface yet and will move.
import type { BankDetailsRequest } from './bank-details-request.js';
import { containsWord, GuardTriggered, normalizeForGrounding, parseWrittenDate } from '#wardflow/step';

export type BankDetailsField = keyof BankDetailsRequest;

export interface LetterGroundingResult {
  grounded: boolean;
  /** Names of the fields whose value does not occur in the letter (never the values). */
  ungrounded: BankDetailsField[];
}

const ALNUM = /[\p{L}\p{N}]/u;

/** Characters read from each word's start when looking for a date: the longest form, "30th September, 2027", is 20. */
const LONGEST_DATE = 40;

/**
 * Checks that every extracted value occurs in the letter, so a model cannot invent a vendor,
 * an account or a date the letter never stated, nor "correct" a mistyped IBAN into a valid
 * one: the approver must decide on what the vendor actually wrote.
 *
 * - vendor: case-insensitive, whitespace collapsed, on word boundaries
 * - iban: case-insensitive, spaces ignored, so the paper format (groups of four) and the
 *   electronic one both match; the characters around it must not be letters or digits, so
 *   a longer account that contains it does not count
 * - effectiveDate: any date the calendar's parser reads at the start of a word, in any of
 *   its forms: 2027-01-15, 15/01/2027, 15.01.2027, 15 January 2027, January 15, 2027, 15th Jan 2027
 *
 * Grounding says a value occurs, not what it means there: a date the letter gives for
 * something else grounds the effective date too. That reading is the approver's.
 *
 * Known gaps, which fail closed (GuardTriggered) rather than pass: month names other than
 * English ("15. Januar 2027"), month-first numeric dates (01/15/2027), and IBANs printed
 * with separators other than spaces (DE60-9876-...).
 *
 * @example
 * checkLetterGrounding(
 *   { vendor: 'Vandelay Industries GmbH', iban: 'DE60987654321012345678', effectiveDate: '2027-01-15' },
 *   'From: Vandelay Industries GmbH\nNew IBAN: DE60 9876 5432 1012 3456 78\nEffective date: 15 January 2027',
 * ); // { grounded: true, ungrounded: [] }
 */
export function checkLetterGrounding(request: BankDetailsRequest, letterText: string): LetterGroundingResult {
  const text = normalizeForGrounding(letterText);
  const ungrounded: BankDetailsField[] = [];
  if (!containsWord(text, normalizeForGrounding(request.vendor))) ungrounded.push('vendor');
  if (!containsIban(text, request.iban)) ungrounded.push('iban');
  if (!containsDate(text, request.effectiveDate)) ungrounded.push('effectiveDate');
  return { grounded: ungrounded.length === 0, ungrounded };
}

/**
 * `checkLetterGrounding`, as the check step's guard: throws GuardTriggered (guard `grounding`)
 * naming the fields whose values the letter does not contain, never the values, with the
 * field names in `details.fields` for the GuardTriggered event.
 *
 * @example
 * assertLetterGrounded(request, letterText); // returns, or throws GuardTriggered
 */
export function assertLetterGrounded(request: BankDetailsRequest, letterText: string): void {
  const { ungrounded } = checkLetterGrounding(request, letterText);
  if (ungrounded.length === 0) return;
  throw new GuardTriggered(
    'grounding',
    `the extracted ${ungrounded.join(', ')} ${ungrounded.length === 1 ? 'does' : 'do'} not occur in the vendor's letter, so nothing was changed; check the letter and submit it again`,
    { fields: ungrounded },
  );
}



/**
 * True when the IBAN's characters occur in order with at most one space between any two
 * (the normalised text has single spaces), not glued to a letter or digit at either end, and
 * not followed by a space and a digit: in the paper format that is one more group of the
 * account number ("... 3456 78 9"), while a word after the IBAN ("... 78 Example Bank") is not.
 * `text` is the source as `normalizeForGrounding` returns it. The invoice workflow grounds an
 * invoice's IBAN with it too, so both documents are read by one rule.
 *
 * @example
 * containsIban(normalizeForGrounding('IBAN: DE60 9876 5432 1012 3456 78'), 'DE60987654321012345678'); // true
 */
export function containsIban(text: string, iban: string): boolean {
  const compact = iban.toLowerCase().replace(/\s+/g, '');
  if (compact === '') return false;
  const escaped = [...compact].map((character) => character.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped.join(' ?')}(?![\\p{L}\\p{N}]| \\p{N})`, 'u').test(text);
}

/** True when a written date that reads as `isoDate` starts at the start of some word. */
function containsDate(text: string, isoDate: string): boolean {
  for (let at = 0; at < text.length; at++) {
    if (!ALNUM.test(text.charAt(at)) || (at > 0 && ALNUM.test(text.charAt(at - 1)))) continue;
    if (parseWrittenDate(text.slice(at, at + LONGEST_DATE)) === isoDate) return true;
  }
  return false;
}
