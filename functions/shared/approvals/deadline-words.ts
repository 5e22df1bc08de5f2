/**
 * An approval's deadline as the approver reads it: how long is left and the moment itself,
 * "in 2 days, on Saturday 5 December 2026 at 09:00 UTC", or "passed 3 hours ago, on ...".
 * Pure (the clock is passed in) and total: any pair of dates, even invalid ones, gives words.
 * Written by hand rather than with Intl: Intl's output differs between ICU builds, and the
 * email and the page must say exactly the same thing wherever they are rendered.
 */

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The deadline relative to `now` and absolute, in UTC to the minute.
 *
 * @example
 * deadlineInWords('2026-12-05T09:00:00.000Z', new Date('2026-12-03T09:00:00.000Z')); // 'in 2 days, on Saturday 5 December 2026 at 09:00 UTC'
 * deadlineInWords('2026-12-03T06:00:00.000Z', new Date('2026-12-03T09:00:00.000Z')); // 'passed 3 hours ago, on Thursday 3 December 2026 at 06:00 UTC'
 */
export function deadlineInWords(deadline: string | Date, now: Date): string {
  const at = typeof deadline === 'string' ? Date.parse(deadline) : deadline.getTime();
  if (!Number.isFinite(at)) return 'no deadline recorded';
  const absolute = absoluteUtc(at);
  const from = now.getTime();
  if (!Number.isFinite(from)) return `on ${absolute}`;
  const left = at - from;
  return left > 0 ? `in ${span(left)}, on ${absolute}` : `passed ${span(-left)} ago, on ${absolute}`;
}

/** "Saturday 5 December 2026 at 09:00 UTC". */
function absoluteUtc(ms: number): string {
  const date = new Date(ms);
  const time = `${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`;
  return `${WEEKDAYS[date.getUTCDay()]} ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} at ${time} UTC`;
}

/**
 * A duration in the largest unit that still reads precisely, rounded: an approval opened for
 * 48 hours says "2 days" a few seconds later, not "1 day".
 */
function span(ms: number): string {
  const minutes = Math.round(ms / MINUTE);
  if (minutes < 1) return 'less than a minute';
  if (minutes < 90) return plural(minutes, 'minute');
  const hours = Math.round(ms / HOUR);
  if (hours < 36) return plural(hours, 'hour');
  return plural(Math.round(ms / DAY), 'day');
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
