import { parseWrittenDate } from '../calendar.js';
import { containsWord, normalizeForGrounding } from '../grounding-text.js';
import type { GroundingKind } from './declaration.js';

/**
 * Grounding: whether a value a model read occurs in the source text it read it from, by kind of
 * value, so a model cannot invent a vendor, an amount, a date or an account the document never
 * stated. Generalised from the invoice and bank-letter checks, so "occurs" means the same in
 * every workflow. Everything here is pure and fails closed: a value it cannot read is ungrounded.
 *
 * Grounding says a value occurs, not what it means there: a date the text gives for something
 * else grounds a due date too. That reading stays with the workflow's policy and its approvers.
 *
 * Known gaps, which fail closed rather than pass: decimal commas ("4.999,99") and space-grouped
 * amounts, negative amounts, month names other than English, month-first numeric dates
 * (01/15/2027), and IBANs printed with separators other than spaces.
 */

const ALNUM = /[\p{L}\p{N}]/u;

/** Characters read from each word's start when looking for a date: the longest form, "30th September, 2027", is 20. */
const LONGEST_DATE = 40;

/** Symbols accepted for a currency when written right next to an amount. */
export const CURRENCY_SYMBOLS: Readonly<Record<string, readonly string[]>> = { EUR: ['€'], USD: ['$'], GBP: ['£'] };

/** One standalone number of the source text, as minor units, with where it stands in the normalised text. */
export interface AmountOccurrence {
  minor: number;
  start: number;
  end: number;
}

/**
 * A source text prepared once for many lookups (normalised, its numbers read): a step grounds
 * several fields against the same document.
 *
 * @example
 * const source = new GroundingSource('From: ACME  Office\nTotal: €4,999.99\nDue: 31 Dec 2026');
 * source.hasText('Acme office'); // true
 * source.hasAmount('4999.99'); // true
 * source.hasCurrency('EUR', ['4999.99']); // true: the symbol stands next to the amount
 * source.hasDate('2026-12-31'); // true
 */
export class GroundingSource {
  /** Lower case, NFKC, whitespace collapsed (normalizeForGrounding). */
  readonly text: string;
  #amounts: AmountOccurrence[] | undefined;

  constructor(sourceText: string) {
    this.text = normalizeForGrounding(sourceText);
  }

  /** Every standalone number in the text (see amountsIn), read at first use. */
  get amounts(): readonly AmountOccurrence[] {
    this.#amounts ??= amountsIn(this.text);
    return this.#amounts;
  }

  /** Case- and whitespace-insensitive, on word boundaries: "INV-1" is not grounded by "INV-12". */
  hasText(value: unknown): boolean {
    if (typeof value !== 'string' && typeof value !== 'number') return false;
    return containsWord(this.text, normalizeForGrounding(String(value)));
  }

  /** The same number, with or without thousands separators ("4,999.99" or "4999.99"), compared in minor units. */
  hasAmount(value: unknown): boolean {
    const minor = toMinorUnits(value);
    return minor !== undefined && this.amounts.some((occurrence) => occurrence.minor === minor);
  }

  /**
   * The ISO code anywhere (as a word), or its symbol right next to (at most one space from) one of
   * `amounts`: the amounts the currency belongs to; any number of the text when none are given.
   */
  hasCurrency(code: unknown, amounts?: readonly unknown[]): boolean {
    if (typeof code !== 'string' || !/^[A-Za-z]{3}$/.test(code)) return false;
    if (containsWord(this.text, code.toLowerCase())) return true;
    const symbols = CURRENCY_SYMBOLS[code.toUpperCase()] ?? [];
    if (symbols.length === 0) return false;
    const wanted = amounts === undefined ? undefined : new Set(amounts.map(toMinorUnits).filter((m): m is number => m !== undefined));
    return this.amounts.some(({ minor, start, end }) => {
      if (wanted !== undefined && !wanted.has(minor)) return false;
      const before = this.text.slice(Math.max(0, start - 2), start).trimEnd();
      const after = this.text.slice(end, end + 2).trimStart();
      return symbols.some((symbol) => before.endsWith(symbol) || after.startsWith(symbol));
    });
  }

  /**
   * A written date that reads as the ISO date `value` (YYYY-MM-DD) starts some word: 2027-01-15,
   * 15/01/2027, 15.01.2027, 15 January 2027, January 15, 2027, 15th Jan 2027 (parseWrittenDate).
   */
  hasDate(value: unknown): boolean {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
    const text = this.text;
    for (let at = 0; at < text.length; at++) {
      if (!ALNUM.test(text.charAt(at)) || (at > 0 && ALNUM.test(text.charAt(at - 1)))) continue;
      if (parseWrittenDate(text.slice(at, at + LONGEST_DATE)) === value) return true;
    }
    return false;
  }

  /**
   * The IBAN's characters in order, case-insensitive, with at most one space between any two (so
   * the paper format in groups of four and the electronic one both match), not glued to a letter
   * or digit at either end, and not followed by a space and a digit: in the paper format that is
   * one more group of a longer account ("... 3456 78 9").
   */
  hasIban(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    const compact = value.toLowerCase().replace(/\s+/g, '');
    // Only what an IBAN can hold: anything else is not an IBAN, and is not put in a pattern.
    if (!/^[a-z0-9]{5,34}$/.test(compact)) return false;
    return new RegExp(`(?<![\\p{L}\\p{N}])${[...compact].join(' ?')}(?![\\p{L}\\p{N}]| \\p{N})`, 'u').test(this.text);
  }

  /** The value looked for as `kind`. */
  has(kind: GroundingKind, value: unknown, context: { amounts?: readonly unknown[] } = {}): boolean {
    switch (kind) {
      case 'text':
        return this.hasText(value);
      case 'amount':
        return this.hasAmount(value);
      case 'currency':
        return this.hasCurrency(value, context.amounts);
      case 'date':
        return this.hasDate(value);
      case 'iban':
        return this.hasIban(value);
    }
  }
}

/**
 * Every standalone number in a normalised text, as minor units. Numbers inside identifiers
 * ("INV-2026", "A123") and dates ("31.12.2026") are skipped, so an invoice number or a date
 * cannot ground an amount; more than two fraction digits or twelve integer digits are not amounts.
 */
export function amountsIn(text: string): AmountOccurrence[] {
  const found: AmountOccurrence[] = [];
  const pattern = /(?<![\p{L}\p{N}.,\-/_#])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\p{L}\p{N}]|[.,/]\d)/gu;
  for (const match of text.matchAll(pattern)) {
    const whole = match[1]!.replace(/,/g, '').replace(/^0+(?=\d)/, '');
    const fraction = (match[2] ?? '').replace(/0+$/, '');
    if (whole.length > 12 || fraction.length > 2) continue;
    found.push({ minor: Number(whole) * 100 + Number(fraction.padEnd(2, '0')), start: match.index, end: match.index + match[0].length });
  }
  return found;
}

/**
 * An amount as integer minor units (cents): a decimal string ("4999.99", "4,999.99", "5") or a
 * finite number with at most two fraction digits, 0 or more, at most twelve integer digits;
 * undefined for anything else. Integers, never floats: 0.1 + 0.2 must not decide a payment.
 *
 * @example
 * toMinorUnits('4,999.99'); // 499999
 * toMinorUnits(12.5); // 1250
 * toMinorUnits('1.005'); // undefined
 */
export function toMinorUnits(value: unknown): number | undefined {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return undefined;
    // A number's shortest round-trip form: 12.5 -> "12.5", 0.1 + 0.2 -> "0.30000000000000004" (refused).
    text = String(value);
    if (/e/i.test(text)) return undefined;
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return undefined;
  }
  const match = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return undefined;
  const whole = match[1]!.replace(/,/g, '').replace(/^0+(?=\d)/, '');
  if (whole.length > 12) return undefined;
  return Number(whole) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/**
 * True when the parts add up to the total exactly, in minor units. `parts` is an array of amounts,
 * or of objects with an `amount`; an empty or missing list, or any amount that cannot be read,
 * does not reconcile (a model could otherwise dodge the check by leaving the parts out).
 *
 * @example
 * reconciles('100.00', [{ amount: '60.00' }, { amount: '40' }]); // true
 * reconciles('100.00', ['60.00', '39.99']); // false
 */
export function reconciles(total: unknown, parts: unknown): boolean {
  const totalMinor = toMinorUnits(total);
  if (totalMinor === undefined || !Array.isArray(parts) || parts.length === 0) return false;
  let sum = 0;
  for (const part of parts) {
    const amount = part !== null && typeof part === 'object' && !Array.isArray(part) ? (part as Record<string, unknown>).amount : part;
    const minor = toMinorUnits(amount);
    if (minor === undefined) return false;
    sum += minor;
  }
  return sum === totalMinor;
}

/** What `checkGrounding` found: the paths of the values that do not occur (never the values). */
export interface GroundingResult {
  grounded: boolean;
  /** Declared field paths whose value does not occur in the source, in declaration order. */
  ungrounded: string[];
  /** False when a declared `reconcile` does not add up; absent when none was declared. */
  reconciled?: boolean;
}

/** Which output fields to ground, as the step declares them (StepGuards['grounded'] without source and verdict). */
export interface GroundingSpec {
  readonly fields: Readonly<Record<string, GroundingKind>>;
  readonly reconcile?: { readonly total: string; readonly parts: string };
}

/**
 * Grounds the declared fields of `output` in `sourceText`. A path is dotted (`vendor`,
 * `bank.iban`); through an array it names every element (`lines.description`: each line's), and
 * each must be grounded. A field that is absent or null is not checked (the output schema says
 * whether it may be); a present value of the wrong type is ungrounded. A currency is looked for
 * next to the declared amount fields' values.
 *
 * @example
 * checkGrounding({ vendor: 'Acme', amount: '4999.99', currency: 'EUR' }, 'Acme ... €4,999.99', {
 *   fields: { vendor: 'text', amount: 'amount', currency: 'currency' },
 * }); // { grounded: true, ungrounded: [] }
 */
export function checkGrounding(output: unknown, sourceText: string, spec: GroundingSpec): GroundingResult {
  const source = new GroundingSource(sourceText);
  const present = (path: string) => valuesAt(output, path).flatMap((value) => (Array.isArray(value) ? value : [value])).filter((value) => value !== undefined && value !== null);
  const amounts = Object.entries(spec.fields)
    .filter(([, kind]) => kind === 'amount')
    .flatMap(([path]) => present(path));
  const ungrounded: string[] = [];
  for (const [path, kind] of Object.entries(spec.fields)) {
    const values = present(path);
    if (!values.every((value) => source.has(kind, value, { amounts: amounts.length > 0 ? amounts : undefined }))) ungrounded.push(path);
  }
  if (spec.reconcile === undefined) return { grounded: ungrounded.length === 0, ungrounded };
  const totals = valuesAt(output, spec.reconcile.total);
  const parts = valuesAt(output, spec.reconcile.parts);
  // One total and one list: a path through an array would make "the" total ambiguous.
  const reconciled = totals.length === 1 && parts.length === 1 && reconciles(totals[0], parts[0]);
  return { grounded: ungrounded.length === 0 && reconciled, ungrounded, reconciled };
}

/**
 * The values at a dotted path; through an array, those of every element. Own properties only, so
 * `__proto__` or `constructor` in a declaration read nothing.
 */
export function valuesAt(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value];
  for (const key of path.split('.')) {
    const next: unknown[] = [];
    for (const item of current) {
      for (const element of Array.isArray(item) ? item : [item]) {
        if (element !== null && typeof element === 'object' && !Array.isArray(element) && Object.hasOwn(element, key)) {
          next.push((element as Record<string, unknown>)[key]);
        } else {
          next.push(undefined);
        }
      }
    }
    current = next;
  }
  return current;
}
