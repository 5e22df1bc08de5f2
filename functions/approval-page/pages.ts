import type { ApprovalSubject } from '../shared/approvals/approval-subject.js';
import { askedInWords } from '../shared/approvals/asked-words.js';
import { deadlineInWords } from '../shared/approvals/deadline-words.js';
import { flatText, formatUtc } from '../shared/approvals/display-text.js';
import { escapeHtml } from '../shared/approvals/escape-html.js';

/**
 * The approval page's HTML, pure: what each answer says, escaped. No script anywhere (the
 * CSP forbids it and the page must work without), styles inline, forms post back to the
 * page's own address (no `action`), which is the signed link.
 */

/** An answer of the page: its status, what the logs call it, and the HTML. */
export interface Page {
  statusCode: number;
  /** A short name for logs and tests ('form', 'approved', 'forged', ...). Never shown. */
  outcome: string;
  html: string;
  /** Extra response headers (e.g. Allow on 405). */
  headers?: Record<string, string>;
}

/** What the approver decides on, as the approval stream recorded it. */
export interface ApprovalView {
  approvalId: string;
  /** What is being approved, as the workflow declared it; undefined when the request recorded none. */
  subject: ApprovalSubject | undefined;
  /** ISO-8601 expiry of the approval. */
  expiresAt: string | undefined;
  /** How many approvers the request names: the page says who is asked by this count, never by address. */
  approverCount: number;
  /** When the page is shown: the deadline is told relative to it ("in 2 days, on ..."). */
  now: Date;
  /**
   * A policy level's words (level-words.ts): who is asked at the approver's level, and who has
   * decided there and what is still needed, one line each. Replaces the approver count's words.
   */
  level?: { asked: string; progress: string[] };
}

/**
 * Accessible by construction: body text #1b1f24 and notes #57606a on white (15.6:1 and 6.2:1),
 * white on the green #1a7f37 and the red #cf222e buttons (5.1:1 and 5.4:1), all above WCAG AA's
 * 4.5:1; a focus outline that shows on every control; no fixed widths, and one column below
 * 30rem so a 360 px phone shows every value without scrolling sideways; touch targets 44 px high.
 */
const STYLE = [
  'body{font-family:system-ui,sans-serif;line-height:1.5;margin:0;padding:1rem;background:#f6f7f9;color:#1b1f24}',
  'main{max-width:36rem;margin:1rem auto;padding:1.5rem;background:#fff;border:1px solid #d0d7de;border-radius:8px}',
  'h1{font-size:1.4rem;margin-top:0;overflow-wrap:anywhere}h2{font-size:1.1rem;margin:1rem 0 .25rem}',
  'section{overflow-wrap:anywhere}ul{padding-left:1.25rem;margin:.25rem 0}',
  'dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}',
  'label{display:block;font-weight:600;margin-top:1rem}',
  'textarea{width:100%;box-sizing:border-box;font:inherit;color:inherit;border:1px solid #57606a;border-radius:6px;padding:.5rem}',
  'button{font:inherit;min-height:44px;padding:.5rem 1.25rem;margin:.75rem .5rem 0 0;border-radius:6px;border:1px solid #1b1f24;background:#fff;color:#1b1f24;cursor:pointer}',
  'button.approve{background:#1a7f37;color:#fff;border-color:#1a7f37}button.reject{background:#cf222e;color:#fff;border-color:#cf222e}',
  ':focus-visible{outline:3px solid #0a3069;outline-offset:2px}textarea:focus{outline:3px solid #0a3069;outline-offset:2px}',
  '.note{color:#57606a;font-size:.9rem}#comment-hint{margin:.25rem 0 .5rem}',
  '@media (max-width:30rem){body{padding:0}main{margin:0;border-width:0 0 1px;border-radius:0;padding:1rem}dl{grid-template-columns:1fr;gap:0}dd{margin-bottom:.5rem}button{width:100%;margin-right:0}}',
].join('');

/**
 * The page a GET on a valid link shows: what is being approved (the subject's title as the
 * page's title and heading, who is asked, or for a policy level the "Your level" section, its
 * fields as a definition list with the deadline in the approver's terms), a labelled comment
 * box and two buttons.
 *
 * @example
 * decisionForm({ approvalId: 'exec-42-1', subject, expiresAt: '2026-12-02T08:59:00.000Z', approverCount: 2, now: new Date() }).statusCode; // 200
 */
export function decisionForm(view: ApprovalView): Page {
  const title = titleOf(view);
  const body = [
    // <bdi> keeps right-to-left or override characters in the title from reordering the page around it.
    `<h1><bdi>${escapeHtml(title)}</bdi></h1>`,
    '<p>Review this request, then approve or reject it. Approving lets the workflow continue; rejecting ends it.</p>',
    // Without a policy: one level of all the request's approvers, and the first decision closes it.
    view.level === undefined ? `<p>${escapeHtml(askedInWords({ quorum: 1, approverCount: view.approverCount }))}</p>` : levelSection(view.level),
    facts(view),
    '<form method="post">',
    '<label for="comment">Comment (optional)</label>',
    // The comment is recorded sealed, beside the approver's address (decide.ts): the hint says so.
    '<p class="note" id="comment-hint">At most 2000 characters. It is kept encrypted with your decision, for the audit.</p>',
    '<textarea id="comment" name="comment" maxlength="2000" rows="4" aria-describedby="comment-hint"></textarea>',
    '<button class="approve" type="submit" name="decision" value="approve">Approve</button>',
    '<button class="reject" type="submit" name="decision" value="reject">Reject</button>',
    '</form>',
    '<p class="note">Opening this page changed nothing. Only the buttons record a decision, and a recorded decision cannot be changed.</p>',
  ];
  return { statusCode: 200, outcome: 'form', html: document(title, body) };
}

/**
 * The answer to a decision that was recorded now; for a policy level, with where the level
 * stands after it (the "Your level" section).
 *
 * @example
 * decisionRecorded('approve', 'sent', view).html; // '... Approved ... The workflow continues with the approved request. ...'
 */
export function decisionRecorded(decision: 'approve' | 'reject', delivery: 'sent' | 'task-gone', view: ApprovalView): Page {
  const done = decision === 'approve' ? 'Approved' : 'Rejected';
  const next =
    delivery === 'sent'
      ? decision === 'approve'
        ? 'The workflow continues with the approved request.'
        : 'The workflow ends here: the request goes no further.'
      : 'The workflow is not waiting on this request any more (it was restarted or stopped); it picks your decision up from the record if it asks again. Nothing more to do.';
  return {
    statusCode: 200,
    outcome: decision === 'approve' ? 'approved' : 'rejected',
    html: document(done, [
      `<h1>${done}</h1>`,
      `<p>Your decision on <bdi>${escapeHtml(titleOf(view))}</bdi> is recorded. ${escapeHtml(next)}</p>`,
      ...(view.level !== undefined ? [levelSection(view.level)] : []),
      facts(view),
      '<p class="note">You can close this page.</p>',
    ]),
  };
}

/**
 * The answer to a policy level's vote that is on record while its level or the gate still waits
 * for others: nothing is resumed yet, and the level section says what is still needed.
 *
 * @example
 * voteRecorded('approve', view).html; // '... Your approval is recorded. The request now waits for the other approvers ...'
 */
export function voteRecorded(decision: 'approve' | 'reject', view: ApprovalView): Page {
  const done = decision === 'approve' ? 'Your approval is recorded' : 'Your rejection is recorded';
  return {
    statusCode: 200,
    outcome: decision === 'approve' ? 'voted-approve' : 'voted-reject',
    html: document(done, [
      `<h1>${done}</h1>`,
      `<p>Your decision on <bdi>${escapeHtml(titleOf(view))}</bdi> is recorded. The request now waits for the other approvers; nothing more to do for you.</p>`,
      ...(view.level !== undefined ? [levelSection(view.level)] : []),
      facts(view),
      '<p class="note">You can close this page.</p>',
    ]),
  };
}

/**
 * A decision on record whose delivery failed: say so, and offer the same decision again
 * (it is only delivered, never recorded twice).
 *
 * @example
 * decisionNotDelivered('approve').statusCode; // 503
 */
export function decisionNotDelivered(decision: 'approve' | 'reject'): Page {
  const label = decision === 'approve' ? 'Approve' : 'Reject';
  return {
    statusCode: 503,
    outcome: 'not-delivered',
    html: document('Decision recorded, not yet delivered', [
      '<h1>Decision recorded, not yet delivered</h1>',
      '<p>Your decision is on record, but the workflow could not be told just now. Try again in a minute with the button below; your decision will not be recorded twice.</p>',
      '<form method="post">',
      `<button type="submit" name="decision" value="${decision}">${label} again</button>`,
      '</form>',
    ]),
  };
}

/**
 * The 410 page for an approval whose execution is no longer running: nothing can act on a
 * decision, so none is taken. `executionStatus` is Step Functions' word for how it ended
 * (FAILED, ABORTED, ...; NOT_FOUND when Step Functions no longer knows it).
 *
 * @example
 * executionEnded('ABORTED').html; // '... This request can no longer be decided: the execution ended ABORTED ...'
 */
export function executionEnded(executionStatus: string): Page {
  const title = 'No longer open';
  const how = executionStatus === 'NOT_FOUND' ? 'the execution no longer exists' : `the execution ended ${executionStatus}`;
  return {
    statusCode: 410,
    outcome: 'execution-ended',
    html: document(title, [
      `<h1>${title}</h1>`,
      `<p>This request can no longer be decided: ${escapeHtml(how)}. Nothing was decided, and nothing will happen to this request from here.</p>`,
      '<p class="note">If it still needs a decision, it has to be submitted again; a new request comes with a new email.</p>',
    ]),
  };
}

/** Why a link or a request cannot be served: each with its status and what to do next. */
export type Problem =
  | 'already-decided'
  | 'approval-expired'
  | 'wrong-approver'
  | 'duplicate-approver'
  | 'conflict'
  | 'expired'
  | 'forged'
  | 'unknown'
  | 'malformed'
  | 'bad-form'
  | 'too-large'
  | 'unsupported-media-type'
  | 'method-not-allowed'
  | 'unavailable'
  | 'error';

const PROBLEMS: Record<Problem, { statusCode: number; title: string; text: string }> = {
  'already-decided': {
    statusCode: 409,
    title: 'Already decided',
    text: 'This approval was already decided; nothing was changed. There is nothing more to do.',
  },
  'approval-expired': {
    statusCode: 410,
    title: 'Request expired',
    text: 'The time to decide this request has passed, so nothing was changed; the request was closed without approval. If it still needs a decision, it has to be submitted again.',
  },
  'wrong-approver': {
    statusCode: 403,
    title: 'Not an approver of this request',
    text: 'This link does not belong to an approver of this request; nothing was changed. Use the link in your own approval email.',
  },
  'duplicate-approver': {
    statusCode: 409,
    title: 'You already decided',
    text: 'Your decision on this request is already on record and cannot be changed; nothing was changed. The request now waits for the other approvers.',
  },
  conflict: {
    statusCode: 409,
    title: 'Decided at the same moment',
    text: 'Another decision on this approval was recorded at the same moment; yours was not. Open the link again to see where it stands.',
  },
  expired: {
    statusCode: 410,
    title: 'Link expired',
    text: 'This approval link has expired, so nothing was changed. If you received a newer approval email for this request, use its link; otherwise the request was closed unapproved.',
  },
  forged: {
    statusCode: 403,
    title: 'Link not valid',
    text: 'This link was not issued by wardflow or was changed; nothing was changed. Open the link exactly as it is in your email.',
  },
  unknown: {
    statusCode: 404,
    title: 'Approval not found',
    text: 'No approval matches this link; nothing was changed. Open the most recent approval email you received.',
  },
  malformed: {
    statusCode: 400,
    title: 'Link not readable',
    text: 'This address is not a complete approval link; nothing was changed. Copy the whole link from your email, or click it there.',
  },
  'bad-form': {
    statusCode: 400,
    title: 'Decision not understood',
    text: 'The decision could not be read (approve or reject, and a comment of at most 2000 characters); nothing was changed. Open the link again and use the buttons.',
  },
  'too-large': {
    statusCode: 413,
    title: 'Too much text',
    text: 'The request was larger than a decision can be; nothing was changed. Open the link again and keep the comment under 2000 characters.',
  },
  'unsupported-media-type': {
    statusCode: 415,
    title: 'Decision not understood',
    text: 'Decisions are sent by the buttons on the approval page; nothing was changed. Open the link again and use the buttons.',
  },
  'method-not-allowed': {
    statusCode: 405,
    title: 'Not supported',
    text: 'An approval link can only be opened (GET) or answered with the page buttons (POST); nothing was changed.',
  },
  unavailable: {
    statusCode: 503,
    title: 'Temporarily unavailable',
    text: 'The approval service cannot check this link right now; nothing was changed. Try again in a few minutes.',
  },
  error: {
    statusCode: 500,
    title: 'Something went wrong',
    text: 'The approval could not be processed; nothing was changed that you need to repeat. Try again in a few minutes; if it keeps failing, tell your wardflow operators.',
  },
};

/**
 * The page for a problem, with its status. `reference` (a request id) lets an operator find
 * the logs; it is the only variable part, never an internal detail.
 *
 * @example
 * problemPage('forged').statusCode; // 403
 * problemPage('error', { reference: 'req-1' }).html; // '... Reference: req-1 ...'
 */
export function problemPage(problem: Problem, options: { reference?: string; headers?: Record<string, string> } = {}): Page {
  const { statusCode, title, text } = PROBLEMS[problem];
  const body = [`<h1>${escapeHtml(title)}</h1>`, `<p>${escapeHtml(text)}</p>`];
  if (options.reference !== undefined) body.push(`<p class="note">Reference: <code>${escapeHtml(options.reference)}</code></p>`);
  return { statusCode, outcome: problem, html: document(title, body), ...(options.headers ? { headers: options.headers } : {}) };
}

/**
 * The 409 page for an approval that is already closed, saying how, and when when known.
 *
 * @example
 * alreadyDecided('approved', '2026-12-01T10:00:00.000Z').html; // '... already approved (2026-12-01 10:00 UTC); nothing was changed ...'
 */
export function alreadyDecided(status: 'approved' | 'rejected', decidedAt: string | undefined): Page {
  const when = decidedAt === undefined ? '' : ` (${formatUtc(decidedAt)})`;
  const title = 'Already decided';
  return {
    statusCode: 409,
    outcome: 'already-decided',
    html: document(title, [`<h1>${title}</h1>`, `<p>This approval was already ${status}${escapeHtml(when)}; nothing was changed. There is nothing more to do.</p>`]),
  };
}

/** The subject's title, one line; a generic one when the request recorded none (or only blanks). */
function titleOf(view: ApprovalView): string {
  const title = view.subject ? flatText(view.subject.title) : '';
  return title === '' ? 'Approval request' : title;
}

/**
 * The approver's level as a section a screen reader can jump to, named by its heading: who is
 * asked, then who has decided and what is still needed as a list (none when there is nothing to list).
 */
function levelSection(level: { asked: string; progress: string[] }): string {
  const progress = Array.isArray(level.progress) ? level.progress.filter((line) => typeof line === 'string' && line !== '') : [];
  return [
    '<section aria-labelledby="level-heading">',
    '<h2 id="level-heading">Your level</h2>',
    `<p>${escapeHtml(typeof level.asked === 'string' ? level.asked : '')}</p>`,
    ...(progress.length > 0 ? [`<ul>${progress.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`] : []),
    '</section>',
  ].join('');
}

/** What is being approved, as a definition list: the subject's fields, then the approval and its deadline in the approver's terms. */
function facts(view: ApprovalView): string {
  const { subject } = view;
  const rows: [string, string][] = [
    ...(subject ? subject.fields.map((field): [string, string] => [field.label, field.value]) : [['Request', '(not recorded)'] as [string, string]]),
    ['Approval', view.approvalId],
    ['Decide by', view.expiresAt === undefined ? '(no deadline recorded)' : deadlineInWords(view.expiresAt, view.now)],
  ];
  // <bdi> keeps right-to-left or override characters in a value from reordering the page around it.
  return `<dl>${rows.map(([label, value]) => `<dt><bdi>${escapeHtml(label)}</bdi></dt><dd><bdi>${escapeHtml(value)}</bdi></dd>`).join('')}</dl>`;
}

function document(title: string, body: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<meta name="robots" content="noindex, nofollow">',
    `<title>${escapeHtml(title)} - wardflow</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body><main>',
    ...body,
    '</main></body>',
    '</html>',
  ].join('\n');
}
