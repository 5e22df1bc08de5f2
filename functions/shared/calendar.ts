/** Dates as ISO calendar days (YYYY-MM-DD), checked against the real calendar. */

export const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export const MONTH_NAMES = [
  'january', 'february', 'march', 'april', 'may', 'june',
  'july', 'august', 'september', 'october', 'november', 'december',
] as const;

/**
 * True when year/month/day name a day that exists (2026-02-29 does not).
 *
 * @example
 * isCalendarDay(2028, 2, 29); // true
 * isCalendarDay(2026, 2, 29); // false
 */
export function isCalendarDay(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear undoes that.
  date.setUTCFullYear(year);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * True for a YYYY-MM-DD string naming a real day.
 *
 * @example
 * isIsoCalendarDate('2026-12-31'); // true
 * isIsoCalendarDate('2026-13-01'); // false
 */
export function isIsoCalendarDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  return isCalendarDay(Number(match[1]), Number(match[2]), Number(match[3]));
}

/**
 * Builds YYYY-MM-DD from parts, or undefined when the day does not exist.
 *
 * @example
 * toIsoDate(2026, 12, 31); // '2026-12-31'
 */
export function toIsoDate(year: number, month: number, day: number): string | undefined {
  if (!isCalendarDay(year, month, day) || year > 9999) return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * Month number (1..12) from an English month name or its 3-letter (or "sept") abbreviation.
 *
 * @example
 * monthFromName('Dec'); // 12
 */
export function monthFromName(name: string): number | undefined {
  const lower = name.toLowerCase().replace(/\.$/, '');
  if (lower === 'sept') return 9;
  const index = MONTH_NAMES.findIndex((full) => full === lower || (lower.length === 3 && full.startsWith(lower)));
  return index === -1 ? undefined : index + 1;
}

const ORDINAL = '(?:st|nd|rd|th)?';
const MONTH_WORD = '([A-Za-z]{3,9})\\.?';
const WRITTEN_DATE_FORMS: { pattern: RegExp; parts: (m: RegExpExecArray) => [string, string, string] }[] = [
  // 2026-12-31
  { pattern: /^(\d{4})-(\d{1,2})-(\d{1,2})\b/, parts: (m) => [m[1]!, m[2]!, m[3]!] },
  // 31 Dec 2026, 31st December 2026
  { pattern: new RegExp(`^(\\d{1,2})${ORDINAL}\\s+${MONTH_WORD},?\\s+(\\d{4})\\b`), parts: (m) => [m[3]!, m[2]!, m[1]!] },
  // December 31, 2026
  { pattern: new RegExp(`^${MONTH_WORD}\\s+(\\d{1,2})${ORDINAL},?\\s+(\\d{4})\\b`), parts: (m) => [m[3]!, m[1]!, m[2]!] },
  // 31/12/2026 and 31.12.2026: day first, as written outside the US.
  { pattern: /^(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b/, parts: (m) => [m[3]!, m[2]!, m[1]!] },
];

/**
 * Reads a date written at the start of `text` as ISO YYYY-MM-DD. Accepts ISO, "31 Dec 2026",
 * "December 31, 2026" and day-first "31/12/2026" or "31.12.2026"; month-first numeric dates
 * are ambiguous and not accepted.
 *
 * @example
 * parseWrittenDate('December 31, 2026'); // '2026-12-31'
 * parseWrittenDate('31/12/2026'); // '2026-12-31'
 */
export function parseWrittenDate(text: string): string | undefined {
  const trimmed = text.trim();
  for (const form of WRITTEN_DATE_FORMS) {
    const match = form.pattern.exec(trimmed);
    if (!match) continue;
    const [year, month, day] = form.parts(match);
    const monthNumber = /^\d+$/.test(month) ? Number(month) : monthFromName(month);
    if (monthNumber === undefined) continue;
    const iso = toIsoDate(Number(year), monthNumber, Number(day));
    if (iso) return iso;
  }
  return undefined;
}
