import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { NotificationFailed, safeErrorName } from '../errors.js';
import type { ApprovalSubject } from './approval-subject.js';
import { askedInWords, type AskedOf } from './asked-words.js';
import { deadlineInWords } from './deadline-words.js';
import { flatText } from './display-text.js';
import { escapeHtml } from './escape-html.js';
import { environmentClient } from '../environment-clients.js';

/** An approval email, ready to send: one per approver, each with that approver's own link. */
export interface ApprovalEmail {
  subject: string;
  text: string;
  html: string;
}

/** What an approval email says. The task token is not among these, on purpose. */
export interface ApprovalEmailFacts {
  approvalId: string;
  /** What is being approved, as the workflow declared it; undefined when the request recorded none. */
  subject: ApprovalSubject | undefined;
  /** When the link stops working (ISO-8601). */
  expiresAt: string;
  /** The signed approval link (see approval-link.ts). */
  url: string;
  /** Who is asked: a count and a quorum, never the other approvers' addresses. */
  asked: AskedOf;
  /** When the email is written: the deadline is told relative to it ("in 2 days, on ..."). */
  now: Date;
  /** Why the email comes: the first request (the default), a reminder before the deadline, or an escalation. */
  kind?: ApprovalEmailKind;
  /** Who is asked, already worded (a policy level's levelAskedInWords); replaces the words of `asked` when set. */
  askedText?: string;
}

export type ApprovalEmailKind = 'request' | 'reminder' | 'escalation';

/** The subject line's prefix and the opening sentence of each kind; a reminder's opening also says the deadline. */
const KINDS: Record<ApprovalEmailKind, { prefix: string; intro: (deadline: string) => string }> = {
  request: { prefix: 'Approval needed', intro: () => 'A request is waiting for your approval.' },
  reminder: { prefix: 'Reminder: approval needed', intro: (deadline) => `Reminder: a request is still waiting for your approval; ${deadlineSentence(deadline)}.` },
  escalation: { prefix: 'Escalated: approval needed', intro: () => 'A request was escalated to you for approval, because those asked before you did not decide in time.' },
};

/** Subjects are one header line: no control characters (no header injection), and kept short. */
const MAX_SUBJECT_LENGTH = 200;
/** The text part pads labels to the longest one, up to this many characters; a longer label is followed by one space. */
const MAX_LABEL_COLUMN = 32;

/**
 * The subject, text and HTML of an approval email: the subject's title as the email's subject
 * line (`Approval needed: <title>`, or `Reminder: approval needed: <title>` and `Escalated:
 * approval needed: <title>` for those kinds, whose opening says the deadline or why it came) and heading, who is asked (a count, never the other
 * approvers' addresses), its fields as rows, then the approval and its deadline in the
 * approver's terms ("in 2 days, on Saturday 5 December 2026 at 09:00 UTC"). The text and HTML
 * parts carry the same facts. Every value is escaped in the HTML part (titles and values may come from a
 * model reading an untrusted document), control characters are flattened everywhere (the
 * subject is one clean line, the text part keeps its own lines), and the only link is the
 * signed approval link.
 *
 * @example
 * const subject = { title: 'Purchase order PO-7 from Contoso', fields: [{ label: 'Amount', value: '9100.00 EUR' }] };
 * const email = composeApprovalEmail({ approvalId: 'exec-42-1', subject, expiresAt: '2026-12-02T08:59:00.000Z', url, asked: { quorum: 1, approverCount: 2 }, now: new Date() });
 * email.subject; // 'Approval needed: Purchase order PO-7 from Contoso'
 */
export function composeApprovalEmail(facts: ApprovalEmailFacts): ApprovalEmail {
  const { subject } = facts;
  // A title of nothing but spaces and control characters reads as none: the approval id names the email then.
  const title = subject && flatText(subject.title) !== '' ? flatText(subject.title) : undefined;
  const deadline = deadlineInWords(facts.expiresAt, facts.now);
  const rows: [string, string][] = [
    ...(subject ? subject.fields.map((field): [string, string] => [flatText(field.label), flatText(field.value)]) : [['Request', '(not recorded)'] as [string, string]]),
    ['Approval', facts.approvalId],
    ['Decide by', deadline],
  ];
  // An unknown kind (a caller's typo passed through JSON) reads as a plain request rather than failing the email.
  const kind = facts.kind !== undefined && Object.hasOwn(KINDS, facts.kind) ? KINDS[facts.kind] : KINDS.request;
  const intro = kind.intro(deadline);
  // Flattened like any text the email did not write itself: the asked text is one line in the text part.
  const asked = facts.askedText !== undefined && flatText(facts.askedText) !== '' ? flatText(facts.askedText) : askedInWords(facts.asked);
  const emailSubject = oneLine(`${kind.prefix}: ${title ?? facts.approvalId}`);
  const labelColumn = Math.min(MAX_LABEL_COLUMN, Math.max(...rows.map(([label]) => label.length + 2)));
  const text = [
    intro,
    asked,
    '',
    ...(title !== undefined ? [title, ''] : []),
    ...rows.map(([label, value]) => `${`${label}: `.padEnd(labelColumn)}${value}`),
    '',
    'Open this link to review it, then approve or reject it on the page:',
    facts.url,
    '',
    'Opening the link changes nothing; only the buttons on the page record a decision.',
    'The link is yours alone: do not forward it. If you did not expect this email, ignore it; the request expires on its own.',
  ].join('\n');
  const html = [
    '<!doctype html>',
    `<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(emailSubject)}</title></head>`,
    '<body style="font-family: sans-serif; line-height: 1.5">',
    `<p>${escapeHtml(intro)} ${escapeHtml(asked)}</p>`,
    // <bdi> keeps right-to-left or override characters in recorded text from reordering the email around it.
    ...(title !== undefined ? [`<h1 style="font-size: 1.25em"><bdi>${escapeHtml(title)}</bdi></h1>`] : []),
    '<table>',
    ...rows.map(([label, value]) => `<tr><th style="text-align: left; padding-right: 1em"><bdi>${escapeHtml(label)}</bdi></th><td><bdi>${escapeHtml(value)}</bdi></td></tr>`),
    '</table>',
    `<p><a href="${escapeHtml(facts.url)}">Review the request and decide</a></p>`,
    '<p>Opening the link changes nothing; only the buttons on the page record a decision.</p>',
    '<p>The link is yours alone: do not forward it. If you did not expect this email, ignore it; the request expires on its own.</p>',
    '</body></html>',
  ].join('\n');
  return { subject: emailSubject, text, html };
}

const client = environmentClient(() => new SESv2Client({}));

/**
 * Replaces the SES v2 client approval emails are sent with (tests, the local runtime);
 * `undefined` goes back to the default client, configured from the environment
 * (AWS_ENDPOINT_URL_SESV2 reaches a local SES, moto or LocalStack).
 *
 * @example
 * useEmailClient(new SESv2Client({ endpoint: 'http://127.0.0.1:7701' }));
 */
export function useEmailClient(replacement: SESv2Client | undefined): void {
  client.use(replacement);
}

export interface SendApprovalEmailOptions {
  /** Verified sender identity (APPROVAL_EMAIL_FROM). */
  from: string;
  to: string;
  /** Named in a failure instead of the address. */
  approvalId: string;
  email: ApprovalEmail;
}

/**
 * Sends one approval email with SES v2 SendEmail (simple content: text and HTML, UTF-8).
 * Any failure is NotificationFailed naming the approval and the SDK error's name only: an
 * SDK message may quote the address.
 *
 * @example
 * await sendApprovalEmail({ from: 'wardflow@example.com', to: approver, approvalId: 'exec-42-1', email });
 */
export async function sendApprovalEmail(options: SendApprovalEmailOptions): Promise<void> {
  const { from, to, approvalId, email } = options;
  const ses = client.get();
  try {
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: from,
        Destination: { ToAddresses: [to] },
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
          },
        },
      }),
    );
  } catch (error) {
    throw new NotificationFailed(approvalId, `the email service failed (${safeErrorName(error, 'unknown error')})`);
  }
}

/** "its deadline is in 4 hours, on ..." while it is ahead; "its deadline passed ..." or "its deadline: no deadline recorded" otherwise. */
function deadlineSentence(deadline: string): string {
  if (deadline.startsWith('in ')) return `its deadline is ${deadline}`;
  if (deadline.startsWith('passed ')) return `its deadline ${deadline}`;
  return `its deadline: ${deadline}`;
}

/** One line, at most MAX_SUBJECT_LENGTH characters (whole code points, never half a pair). */
function oneLine(text: string): string {
  const chars = Array.from(flatText(text));
  return chars.length > MAX_SUBJECT_LENGTH ? `${chars.slice(0, MAX_SUBJECT_LENGTH - 3).join('')}...` : chars.join('');
}
