import { approvalLinkUrl, linkExpiry, signApprovalLink } from './approval-link.js';
import { type ApprovalEmailKind, composeApprovalEmail, sendApprovalEmail } from './approval-email.js';
import type { ApprovalSubject } from './approval-subject.js';
import type { LinkSigner } from './link-signer.js';

/** An approval as its approvers are told of it: on record already, token sealed. */
export interface ApprovalToAnnounce {
  approvalId: string;
  /** ApprovalRequested's approvers, in order: a link names its approver by this position. */
  approvers: readonly string[];
  /** What is being approved, as the request recorded it. */
  subject: ApprovalSubject | undefined;
  /** The approval's expiry (ISO-8601); every link expires with it. */
  expiresAt: string;
}

export interface EmailSettings {
  /** Base URL of the approval site (APPROVAL_SITE_URL). */
  siteUrl: string;
  /** Sender identity (APPROVAL_EMAIL_FROM). */
  from: string;
}

/** Whom a policy level emails, and how its emails read; without any of them, every approver of the request is emailed the first request. */
export interface AnnounceOptions {
  /** Only these, each with the link position it decides as (its place in the approval's roster); every approver in order when unset. */
  recipients?: readonly { address: string; linkIndex: number }[];
  /** The level the links are issued for (put in their claims). */
  level?: number;
  /** A first request, a reminder or an escalation. */
  kind?: ApprovalEmailKind;
  /** Who is asked, already worded (levelAskedInWords); "one of N approvers, the first decision closes it" when unset. */
  askedText?: string;
}

/**
 * Emails each approver a link of their own, signed by `signer`, naming the approval, the
 * approver's position, how many approvers are asked, and the deadline relative to `now`;
 * never the task token, never another approver's address. Call it only once
 * the approval is on record, so a link can never name an approval that does not exist.
 * One approver after the other: the first failure stops it (NotificationFailed, or
 * SecretUnavailable when the link key is out of reach) and the retried gate sends them all
 * again with fresh links. Returns how many emails were sent.
 *
 * Each approver's link names their position in `approvers` (approver 0, 1, ...), so whoever
 * opens a link decides as the approver it was sent to; the first decision closes the approval.
 * A policy level passes `options`: its recipients with their roster positions, its level, the
 * kind of email and its own words for who is asked.
 *
 * @example
 * const sent = await emailApprovers({ approvalId: 'exec-42-1', approvers: ['approver@example.com', 'deputy@example.com'], subject, expiresAt }, { siteUrl, from }, getLinkSigner(), new Date());
 */
export async function emailApprovers(approval: ApprovalToAnnounce, settings: EmailSettings, signer: LinkSigner, now: Date, options: AnnounceOptions = {}): Promise<number> {
  const expiresAt = linkExpiry(approval.expiresAt);
  const recipients = options.recipients ?? approval.approvers.map((address, linkIndex) => ({ address, linkIndex }));
  let sent = 0;
  for (const { address, linkIndex } of recipients) {
    const claims = { approvalId: approval.approvalId, approverIndex: linkIndex, expiresAt, ...(options.level !== undefined ? { level: options.level } : {}) };
    const link = await signApprovalLink(claims, signer);
    const email = composeApprovalEmail({
      approvalId: approval.approvalId,
      subject: approval.subject,
      expiresAt: approval.expiresAt,
      url: approvalLinkUrl(settings.siteUrl, link),
      // Without a policy: one level of all the request's approvers, and the first decision closes it.
      asked: { quorum: 1, approverCount: approval.approvers.length },
      now,
      ...(options.kind !== undefined ? { kind: options.kind } : {}),
      ...(options.askedText !== undefined ? { askedText: options.askedText } : {}),
    });
    await sendApprovalEmail({ from: settings.from, to: address, approvalId: approval.approvalId, email });
    sent++;
  }
  return sent;
}
