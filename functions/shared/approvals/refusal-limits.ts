/**
 * How many ApprovalAttemptRefused events one approval may collect: refused clicks come from
 * outside (a forwarded email, a script replaying a link, a forger naming a real approval), so
 * without a bound a flood would grow the approval's stream, and every event on it is read, hashed
 * and archived for years. Every refusal is still counted (the ApprovalAttemptsRefused metric, by
 * reason) and logged; only the record is limited.
 */

/**
 * One event per (reason, approver position) per window: an hour is short enough for an auditor to
 * see that someone kept trying (one event per hour of trying) and long enough that a script
 * clicking all day adds at most 24 events a day per reason and position.
 */
export const REFUSAL_WINDOW_SECONDS = 3600;

/**
 * At most this many refusal events per approval, whatever the reasons and windows: with 7 reasons
 * and a few positions the windows alone would still allow hundreds a day. 50 events (each well under
 * 1 KB) answer every question an auditor has; an approval with 50 refused attempts is under attack
 * or broken, and the metric (and its alarm) says how far beyond.
 */
export const MAX_REFUSALS_PER_APPROVAL = 50;

/**
 * Rounds of read-and-append before a refusal gives up under contention: of concurrent refusals one
 * lands per round and the others find it (same window) or append after it. Giving up records
 * nothing but still counts the refusal: a refused click never fails because others were refused.
 */
export const REFUSAL_APPEND_ATTEMPTS = 5;

/**
 * The start of the window `now` falls in, as an ISO-8601 instant: refusals in the same window with
 * the same reason and position are one event.
 *
 * @example
 * refusalWindow(new Date('2026-12-01T09:41:07.123Z')); // '2026-12-01T09:00:00.000Z'
 */
export function refusalWindow(now: Date): string {
  const size = REFUSAL_WINDOW_SECONDS * 1000;
  return new Date(Math.floor(now.getTime() / size) * size).toISOString();
}
