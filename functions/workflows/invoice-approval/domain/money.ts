/**
 * Money as integer minor units (cents), never floats: 0.1 + 0.2 must not decide a payment.
 * Amounts travel as decimal strings ("4999.99") and are compared as integers (499999).
 */

/** A positive decimal with at most two fraction digits and at most 12 integer digits. */
export const DECIMAL_AMOUNT = /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/;

/**
 * Converts a decimal string to integer minor units.
 *
 * @example
 * toMinorUnits('4999.99'); // 499999
 * toMinorUnits('5'); // 500
 * toMinorUnits('0.5'); // 50
 */
export function toMinorUnits(amount: string): number {
  const match = DECIMAL_AMOUNT.exec(amount);
  if (!match) throw new RangeError('amount must be a decimal with at most 2 fraction digits');
  const whole = Number(match[1]);
  const fraction = (match[2] ?? '.').slice(1).padEnd(2, '0');
  // 12 integer digits * 100 stays far below Number.MAX_SAFE_INTEGER.
  return whole * 100 + Number(fraction);
}

/**
 * Formats minor units as a plain decimal with two fraction digits.
 *
 * @example
 * fromMinorUnits(1248000); // '12480.00'
 */
export function fromMinorUnits(minor: number): string {
  const whole = Math.floor(minor / 100);
  const cents = String(minor % 100).padStart(2, '0');
  return `${whole}.${cents}`;
}
