import { approvalLinkUrl, linkExpiry, signApprovalLink } from './approval-link.js';
import { composeApprovalEmail, sendApprovalEmail } from './approval-email.js';
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
 *
 * @example
 * const sent = await emailApprovers({ approvalId: 'exec-42-1', approvers: ['approver@example.com', 'deputy@example.com'], subject, expiresAt }, { siteUrl, from }, getLinkSigner(), new Date());
 */
export async function emailApprovers(approval: ApprovalToAnnounce, settings: EmailSettings, signer: LinkSigner, now: Date): Promise<number> {
  const expiresAt = linkExpiry(approval.expiresAt);
  let sent = 0;
  for (const [approverIndex, approver] of approval.approvers.entries()) {
    const link = await signApprovalLink({ approvalId: approval.approvalId, approverIndex, expiresAt }, signer);
    const email = composeApprovalEmail({
      approvalId: approval.approvalId,
      subject: approval.subject,
      expiresAt: approval.expiresAt,
      url: approvalLinkUrl(settings.siteUrl, link),
      // One level today: its approvers, and the first decision closes it.
      asked: { quorum: 1, approverCount: approval.approvers.length },
      now,
    });
    await sendApprovalEmail({ from: settings.from, to: approver, approvalId: approval.approvalId, email });
    sent++;
  }
  return sent;
}
