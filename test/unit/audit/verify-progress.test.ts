import { describe, expect, it } from 'vitest';
import { count, Progress } from '../../../lib/audit/verify-progress.js';

describe('Progress', () => {
  it('stays silent on a short run', () => {
    const lines: string[] = [];
    const progress = new Progress((line) => lines.push(line), { clock: () => 1_000 });
    progress.update(() => 'read 1 of 2');
    progress.done(() => 'read 2 of 2');
    expect(lines).toEqual([]);
  });

  it('shows at most one line per interval, builds lines only when shown, and closes each phase once', () => {
    let now = 0;
    const lines: string[] = [];
    let built = 0;
    const progress = new Progress((line) => lines.push(line), { clock: () => now, intervalMs: 1000 });
    for (let i = 1; i <= 30; i++) {
      now += 150;
      progress.update(() => {
        built++;
        return `read ${i} of 30`;
      });
    }
    expect(lines).toEqual(['read 7 of 30', 'read 14 of 30', 'read 21 of 30', 'read 28 of 30']);
    expect(built).toBe(4);
    progress.done(() => 'read 30 of 30');
    progress.done(() => 'read 30 of 30');
    expect(lines.at(-1)).toBe('read 30 of 30');
    expect(lines).toHaveLength(5);
  });

  it('writes counts with thousands separators', () => {
    expect(count(1234567)).toBe('1,234,567');
  });
});
