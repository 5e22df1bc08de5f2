import { describe, expect, it } from 'vitest';
import { problemPage, type Problem } from '../../../functions/approval-page/pages.js';
import { refusalWindow, REFUSAL_WINDOW_SECONDS } from '../../../functions/shared/approvals/refusal-limits.js';

/** The answer to each refusal: its status, and a page that says what happened and what to do, and nothing about why the check failed. */
describe('refusal pages', () => {
  const cases: [Problem, number, string][] = [
    ['forged', 403, 'Open the link exactly as it is in your email.'],
    ['expired', 410, 'This approval link has expired'],
    ['wrong-approver', 403, 'Use the link in your own approval email.'],
    ['already-decided', 409, 'This approval was already decided'],
    ['duplicate-approver', 409, 'Your decision on this request is already on record and cannot be changed'],
    ['approval-expired', 410, 'The time to decide this request has passed'],
  ];
  it.each(cases)('%s answers %i and says what to do', (problem, status, text) => {
    const page = problemPage(problem);
    expect(page.statusCode).toBe(status);
    expect(page.outcome).toBe(problem);
    expect(page.html).toContain(text);
    expect(page.html).toContain('nothing was changed');
    // Nothing an attacker could tune a forgery with: no word on signatures, keys, MACs or positions.
    const shown = page.html.slice(page.html.indexOf('<main>'));
    expect(shown).not.toMatch(/signature|\bmac\b|hmac|kms|key|position|index/i);
    expect(page.html).not.toMatch(/<script/i);
  });
});

describe('refusalWindow', () => {
  it('is the start of the window an instant falls in', () => {
    expect(REFUSAL_WINDOW_SECONDS).toBe(3600);
    expect(refusalWindow(new Date('2026-12-01T09:41:07.123Z'))).toBe('2026-12-01T09:00:00.000Z');
    expect(refusalWindow(new Date('2026-12-01T09:00:00.000Z'))).toBe('2026-12-01T09:00:00.000Z');
    expect(refusalWindow(new Date('2026-12-01T08:59:59.999Z'))).toBe('2026-12-01T08:00:00.000Z');
  });
});
