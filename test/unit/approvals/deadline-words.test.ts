import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deadlineInWords } from '../../../functions/shared/approvals/deadline-words.js';

/** The deadline an approver reads: relative and absolute, in UTC, whatever the pair of dates. */
const NOW = new Date('2026-12-03T09:00:00.000Z');
const after = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('deadlineInWords', () => {
  it('says how long is left and the moment itself', () => {
    expect(deadlineInWords('2026-12-05T09:00:00.000Z', NOW)).toBe('in 2 days, on Saturday 5 December 2026 at 09:00 UTC');
    expect(deadlineInWords(after(30 * MINUTE), NOW)).toBe('in 30 minutes, on Thursday 3 December 2026 at 09:30 UTC');
    expect(deadlineInWords(after(MINUTE), NOW)).toBe('in 1 minute, on Thursday 3 December 2026 at 09:01 UTC');
    expect(deadlineInWords(after(10_000), NOW)).toBe('in less than a minute, on Thursday 3 December 2026 at 09:00 UTC');
    expect(deadlineInWords(after(24 * HOUR), NOW)).toBe('in 24 hours, on Friday 4 December 2026 at 09:00 UTC');
    expect(deadlineInWords(new Date(NOW.getTime() + 7 * DAY), NOW)).toBe('in 7 days, on Thursday 10 December 2026 at 09:00 UTC');
  });

  it('rounds to the unit an approver expects: an approval of 48 hours, read a moment later, is still "in 2 days"', () => {
    expect(deadlineInWords(after(2 * DAY - 5 * MINUTE), NOW)).toMatch(/^in 2 days, /);
    expect(deadlineInWords(after(89 * MINUTE), NOW)).toMatch(/^in 89 minutes, /);
    expect(deadlineInWords(after(90 * MINUTE), NOW)).toMatch(/^in 2 hours, /);
  });

  it('says a deadline that has passed has passed, and when', () => {
    expect(deadlineInWords('2026-12-03T06:00:00.000Z', NOW)).toBe('passed 3 hours ago, on Thursday 3 December 2026 at 06:00 UTC');
    expect(deadlineInWords(NOW.toISOString(), NOW)).toBe('passed less than a minute ago, on Thursday 3 December 2026 at 09:00 UTC');
    expect(deadlineInWords('2026-11-28T09:00:00.000Z', NOW)).toBe('passed 5 days ago, on Saturday 28 November 2026 at 09:00 UTC');
  });

  it('says so when there is no date to tell', () => {
    expect(deadlineInWords('not a date', NOW)).toBe('no deadline recorded');
    expect(deadlineInWords('2026-12-05T09:00:00.000Z', new Date(Number.NaN))).toBe('on Saturday 5 December 2026 at 09:00 UTC');
  });

  it('never throws for any pair of dates, valid or not, and tells the future and the past apart', () => {
    fc.assert(
      fc.property(fc.date(), fc.date(), (deadline, now) => {
        const words = deadlineInWords(deadline, now);
        expect(typeof words).toBe('string');
        expect(words).not.toMatch(/undefined|NaN/);
        if (Number.isNaN(deadline.getTime())) expect(words).toBe('no deadline recorded');
        else if (Number.isNaN(now.getTime())) expect(words).toMatch(/^on .* at \d\d:\d\d UTC$/);
        else expect(words).toMatch(deadline.getTime() > now.getTime() ? /^in .* at \d\d:\d\d UTC$/ : /^passed .* ago, on .* at \d\d:\d\d UTC$/);
      }),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(fc.string(), fc.date(), (text, now) => typeof deadlineInWords(text, now) === 'string'));
  });
});
