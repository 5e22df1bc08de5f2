import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { NotificationFailed, safeErrorName } from '../errors.js';
import { formatUtc, type ApprovalSummary } from './approval-summary.js';
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
  /** What is being approved; undefined when the request recorded none. */
  summary: ApprovalSummary | undefined;
  /** When the link stops working (ISO-8601). */
  expiresAt: string;
  /** The signed approval link (see approval-link.ts). */
  url: string;
}

/** Subjects are one header line: no control characters (no header injection), and kept short. */
const MAX_SUBJECT_LENGTH = 200;

/**
 * The subject, text and HTML of an approval email. Every value is escaped in the HTML part
 * (vendor names come from a model reading an untrusted document), the subject is one clean
 * line, and the only link is the signed approval link.
 *
 * @example
 * const email = composeApprovalEmail({ approvalId: 'exec-42-1', summary, expiresAt: '2026-12-02T08:59:00.000Z', url });
 * email.subject; // 'Approval needed: invoice NW-88213 from Northwind Traders (12480.00 USD)'
 */
export function composeApprovalEmail(facts: ApprovalEmailFacts): ApprovalEmail {
  const { summary } = facts;
  const rows: [string, string][] = [
    ['Vendor', summary ? flat(summary.vendor) : '(not recorded)'],
    ['Invoice number', summary ? flat(summary.invoiceNumber) : '(not recorded)'],
    ['Amount', summary ? flat(`${summary.amount} ${summary.currency}`) : '(not recorded)'],
    ['Approval', facts.approvalId],
    ['Link expires', formatUtc(facts.expiresAt)],
  ];
  const subject = oneLine(
    summary
      ? `Approval needed: invoice ${summary.invoiceNumber} from ${summary.vendor} (${summary.amount} ${summary.currency})`
      : `Approval needed: ${facts.approvalId}`,
  );
  const text = [
    'An invoice is waiting for your approval.',
    '',
    ...rows.map(([label, value]) => `${`${label}:`.padEnd(16)}${value}`),
    '',
    'Open this link to review it, then approve or reject it on the page:',
    facts.url,
    '',
    'Opening the link changes nothing; only the buttons on the page record a decision.',
    'The link is yours alone: do not forward it. If you did not expect this email, ignore it; the request expires on its own.',
  ].join('\n');
  const html = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>Approval needed</title></head>',
    '<body style="font-family: sans-serif; line-height: 1.5">',
    '<p>An invoice is waiting for your approval.</p>',
    '<table>',
    ...rows.map(([label, value]) => `<tr><th style="text-align: left; padding-right: 1em">${escapeHtml(label)}</th><td><bdi>${escapeHtml(value)}</bdi></td></tr>`),
    '</table>',
    `<p><a href="${escapeHtml(facts.url)}">Review the invoice and decide</a></p>`,
    '<p>Opening the link changes nothing; only the buttons on the page record a decision.</p>',
    '<p>The link is yours alone: do not forward it. If you did not expect this email, ignore it; the request expires on its own.</p>',
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
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

/** One line, at most MAX_SUBJECT_LENGTH characters (whole code points, never half a pair). */
function oneLine(text: string): string {
  const chars = Array.from(flat(text));
  return chars.length > MAX_SUBJECT_LENGTH ? `${chars.slice(0, MAX_SUBJECT_LENGTH - 3).join('')}...` : chars.join('');
}

/**
 * Control characters (CR, LF, tabs, NUL) and line/paragraph separators become spaces, so a
 * value can neither break a header nor start lines of its own that look like ours.
 */
function flat(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim();
}
