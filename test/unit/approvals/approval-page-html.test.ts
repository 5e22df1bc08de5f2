import { describe, expect, it } from 'vitest';
import {
  alreadyDecided,
  decisionForm,
  decisionNotDelivered,
  decisionRecorded,
  executionEnded,
  problemPage,
  type ApprovalView,
  type Page,
  type Problem,
} from '../../../functions/approval-page/pages.js';
import { escapeHtml } from '../../../functions/shared/approvals/escape-html.js';
import { xssPayloads } from '../../support/datasets.js';

/**
 * Every answer of the approval page has one structure a screen reader can walk: a language,
 * a viewport for phones, one <main>, one <h1>, and every form control labelled. The browser
 * check (axe-core, contrast included) is test/e2e/approval-page.browser.test.ts.
 */
const view: ApprovalView = {
  approvalId: 'exec-42-1',
  subject: { title: 'Purchase order PO-7 from Contoso', fields: [{ label: 'Total', value: '9100.00 EUR' }] },
  expiresAt: '2026-12-05T09:00:00.000Z',
  approverCount: 3,
  now: new Date('2026-12-03T09:00:00.000Z'),
};
const LEVEL = {
  asked: 'Level 2 of 2. You are one of 3 finance directors; 2 of 3 finance directors must approve, and one rejection closes it.',
  progress: ['Finance director 1 approved.', '1 more approval from the finance directors is needed.'],
};
const levelView: ApprovalView = { ...view, level: LEVEL };
const PROBLEMS: Problem[] = ['already-decided', 'approval-expired', 'wrong-approver', 'duplicate-approver', 'conflict', 'expired', 'forged', 'unknown', 'malformed', 'bad-form', 'too-large', 'unsupported-media-type', 'method-not-allowed', 'unavailable', 'error'];
const pages: [string, Page][] = [
  ['form', decisionForm(view)],
  ['form of a level', decisionForm(levelView)],
  ['approved', decisionRecorded('approve', 'sent', view)],
  ['approved at a level', decisionRecorded('approve', 'sent', levelView)],
  ['rejected', decisionRecorded('reject', 'task-gone', view)],
  ['not delivered', decisionNotDelivered('reject')],
  ['execution ended', executionEnded('ABORTED')],
  ['already decided', alreadyDecided('approved', '2026-12-01T10:00:00.000Z')],
  ...PROBLEMS.map((problem): [string, Page] => [problem, problemPage(problem, { reference: 'req-1' })]),
];
const count = (html: string, pattern: RegExp) => html.match(new RegExp(pattern.source, 'g'))?.length ?? 0;

describe('approval page HTML', () => {
  it.each(pages)('%s: lang, viewport, one main landmark, one h1 inside it, no script', (_name, page) => {
    expect(page.html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(page.html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(count(page.html, /<main>/)).toBe(1);
    expect(count(page.html, /<h1[ >]/)).toBe(1);
    const main = page.html.slice(page.html.indexOf('<main>'), page.html.indexOf('</main>'));
    expect(main).toMatch(/<h1[ >]/);
    expect(page.html).not.toMatch(/<script|\son\w+=/i);
  });

  it.each(pages)('%s: every control is labelled, every button named by its text', (_name, page) => {
    for (const [, id] of page.html.matchAll(/<(?:textarea|input|select)\b[^>]*\bid="([^"]+)"/g)) expect(page.html).toContain(`<label for="${id}">`);
    expect(count(page.html, /<(?:textarea|input|select)\b/)).toBe(count(page.html, /<(?:textarea|input|select)\b[^>]*\bid="/));
    for (const [, text] of page.html.matchAll(/<button\b[^>]*>(.*?)<\/button>/g)) expect(text!.trim()).not.toBe('');
  });

  it('asks with a labelled, optional comment, says who is asked and by when, and names the buttons', () => {
    const { html } = decisionForm(view);
    expect(html).toContain('<label for="comment">Comment (optional)</label>');
    expect(html).toMatch(/<textarea id="comment" name="comment" maxlength="2000" rows="4" aria-describedby="comment-hint">/);
    expect(html).toContain('id="comment-hint"');
    expect(html).toContain('You are one of 3 approvers; the first decision closes it.');
    expect(html).toContain('<dt><bdi>Decide by</bdi></dt><dd><bdi>in 2 days, on Saturday 5 December 2026 at 09:00 UTC</bdi></dd>');
    expect(html).toContain('<button class="approve" type="submit" name="decision" value="approve">Approve</button>');
    expect(html).toContain('<button class="reject" type="submit" name="decision" value="reject">Reject</button>');
  });

  it('says a deadline that has passed has passed, and one that was never recorded was not', () => {
    expect(decisionForm({ ...view, now: new Date('2026-12-05T12:00:00.000Z') }).html).toContain('passed 3 hours ago, on Saturday 5 December 2026 at 09:00 UTC');
    expect(decisionForm({ ...view, expiresAt: undefined }).html).toContain('(no deadline recorded)');
  });

  it("shows a policy level as a section named by its heading, under the title: who is asked, then the progress as a list", () => {
    for (const page of [decisionForm(levelView), decisionRecorded('reject', 'sent', levelView)]) {
      const section = /<section aria-labelledby="level-heading">(.*?)<\/section>/s.exec(page.html)?.[1];
      expect(section).toBe(
        '<h2 id="level-heading">Your level</h2>' +
          `<p>${LEVEL.asked}</p>` +
          '<ul><li>Finance director 1 approved.</li><li>1 more approval from the finance directors is needed.</li></ul>',
      );
      expect(page.html.indexOf('<section')).toBeGreaterThan(page.html.indexOf('</h1>'));
      expect(page.html.indexOf('<section')).toBeLessThan(page.html.indexOf('<dl>'));
    }
    // The level's words replace the approver count's.
    expect(decisionForm(levelView).html).not.toContain('You are one of 3 approvers');
    expect(decisionForm({ ...view, level: { asked: LEVEL.asked, progress: [] } }).html).not.toContain('<ul>');
    expect(decisionRecorded('approve', 'sent', view).html).not.toContain('<section');
  });

  it('escapes the level words, whatever they hold', () => {
    const structure = (html: string) => html.match(/<[^>]*>/g);
    const plain = decisionForm({ ...view, level: { asked: 'asked', progress: ['one', 'two'] } }).html;
    for (const value of xssPayloads()) {
      const html = decisionForm({ ...view, level: { asked: value, progress: [value, value] } }).html;
      expect(structure(html), value).toEqual(structure(plain));
      expect(html).toContain(`<p>${escapeHtml(value)}</p>`);
    }
  });

  it('styles a visible focus outline and no fixed width, with a one-column layout for phones', () => {
    const style = /<style>(.*?)<\/style>/s.exec(decisionForm(view).html)![1]!;
    expect(style).toMatch(/:focus-visible\{outline:3px solid #[0-9a-f]{6}/);
    expect(style).not.toMatch(/(?<![-\w])width:\d+px/);
    expect(style).toContain('@media (max-width:30rem)');
  });
});
