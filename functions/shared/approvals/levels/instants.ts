import type { RoutedLevel } from './events.js';

/**
 * Deadlines and reminders as ISO-8601 instants, computed from "now" and a level's hours. Kept
 * apart so routing, votes and timers compute them the same way.
 */

const HOUR_MS = 3_600_000;

/** The instant `hours` after `from`. */
export function hoursAfter(from: Date, hours: number): string {
  return new Date(from.getTime() + hours * HOUR_MS).toISOString();
}

/**
 * Deadline and reminder of a level (or its escalation) opening at `now`. The reminder is left
 * out when it would not fall after the opening (the checker refuses such a policy; this keeps an
 * unchecked one from reminding at once).
 */
export function levelTimes(now: Date, deadlineHours: number, reminderHoursBeforeDeadline: RoutedLevel['reminderHoursBeforeDeadline']): { deadlineAt: string; reminderAt?: string } {
  const deadlineAt = hoursAfter(now, deadlineHours);
  if (reminderHoursBeforeDeadline === undefined || reminderHoursBeforeDeadline >= deadlineHours) return { deadlineAt };
  return { deadlineAt, reminderAt: hoursAfter(now, deadlineHours - reminderHoursBeforeDeadline) };
}

/** Whether `now` is at or after `instant` (an unreadable instant counts as passed: fail closed). */
export function reached(now: Date, instant: string): boolean {
  const at = Date.parse(instant);
  return Number.isNaN(at) || now.getTime() >= at;
}
