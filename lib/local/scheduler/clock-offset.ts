import { MAX_LOCAL_CLOCK_OFFSET_MS } from '../../../functions/shared/local-clock.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * `--clock-offset`'s value in milliseconds: a whole number of minutes, hours or days (`90m`,
 * `25h`, `3d`), from 0 to 400 days. Throws a message fit for the terminal otherwise.
 *
 * @example
 * parseClockOffset('25h'); // 90000000
 */
export function parseClockOffset(text: string): number {
  const match = /^(\d{1,6})([mhd])$/.exec(text.trim());
  const offset = match === null ? Number.NaN : Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (!Number.isSafeInteger(offset) || offset > MAX_LOCAL_CLOCK_OFFSET_MS) {
    throw new Error(`--clock-offset must be a whole number of minutes, hours or days (90m, 25h, 3d), at most 400d (got "${text}")`);
  }
  return offset;
}

/**
 * An offset as the ready line shows it, in the largest unit that divides it: `+25h`, `+3d`, `+90m`.
 *
 * @example
 * formatClockOffset(90_000_000); // '+25h'
 */
export function formatClockOffset(offsetMs: number): string {
  for (const unit of ['d', 'h', 'm'] as const) {
    if (offsetMs % UNIT_MS[unit] === 0) return `+${offsetMs / UNIT_MS[unit]}${unit}`;
  }
  return `+${offsetMs}ms`;
}
