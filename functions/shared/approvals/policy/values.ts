/**
 * The types a policy's facts may have, how a literal in a policy and a fact at run time are read
 * as one of them, and how two values of a type compare. Shared by the schema (literals), the
 * evaluator (facts) and the checker, so all three agree on what "a decimal" or "a date" is.
 *
 * Decimals are money: strings such as "4999.99", read as integer minor units (bigint), never as
 * floats, so "5000" equals "5000.00" and 0.1 + 0.2 never decides an approval.
 */

export const FACT_TYPES = ['decimal', 'number', 'string', 'boolean', 'classification', 'date'] as const;
export type FactType = (typeof FACT_TYPES)[number];

/** Data classification labels, least to most sensitive: the order `lt`/`gt` compare by. */
export const CLASSIFICATION_LEVELS = ['public', 'internal', 'confidential', 'restricted'] as const;
export type Classification = (typeof CLASSIFICATION_LEVELS)[number];

/** A decimal with at most 2 fraction digits and at most 15 integer digits, optionally negative (a credit note). */
export const DECIMAL = /^(-?)(0|[1-9]\d{0,14})(?:\.(\d{1,2}))?$/;

/** A calendar date, YYYY-MM-DD (compared by the calendar, which for this form is the text's order). */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** What each type is called in a message. */
export const EXPECTED: Readonly<Record<FactType, string>> = {
  decimal: 'a decimal string with at most 2 fraction digits, such as "4999.99"',
  number: 'a finite number',
  string: 'a string',
  boolean: 'true or false',
  classification: `one of ${CLASSIFICATION_LEVELS.join(', ')}`,
  date: 'a date written YYYY-MM-DD',
};

/** The operators that order values; `string` and `boolean` facts only have equality and lists. */
export function isOrdered(type: FactType): boolean {
  return type !== 'string' && type !== 'boolean';
}

/** A value read as its type: bigint minor units, number, string, boolean, classification rank, or day text. */
export type Comparable = bigint | number | string | boolean;

/**
 * Reads a value (a policy literal or a fact at run time) as the given type, or `undefined` when
 * it is not one: total over any input, never throws.
 *
 * @example
 * readAs('decimal', '5000');     // 500000n
 * readAs('decimal', '4999.999'); // undefined (more than 2 fraction digits)
 * readAs('decimal', 4999.99);    // undefined (a number is not a decimal string)
 * readAs('classification', 'confidential'); // 2
 */
export function readAs(type: FactType, value: unknown): Comparable | undefined {
  switch (type) {
    case 'decimal':
      return typeof value === 'string' ? decimalMinorUnits(value) : undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'classification': {
      const rank = typeof value === 'string' ? (CLASSIFICATION_LEVELS as readonly string[]).indexOf(value) : -1;
      return rank === -1 ? undefined : rank;
    }
    case 'date':
      return typeof value === 'string' && isCalendarDate(value) ? value : undefined;
  }
}

/** -1, 0 or 1; both values must have been read with {@link readAs} for the same type. */
export function compare(a: Comparable, b: Comparable): -1 | 0 | 1 {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

function decimalMinorUnits(text: string): bigint | undefined {
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const [, sign, whole = '0', fraction = ''] = match;
  const minor = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
  return sign === '-' ? -minor : minor;
}

function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
