import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { executionIdOfApproval } from '../../../../functions/shared/approvals/approval-id.js';
import { parseLink } from '../../../../functions/shared/approvals/approval-link.js';

/**
 * The approval emails in the local inbox (aws-ses-v2-local's `GET /store`), read the way a
 * person would use them: find the email for an execution, follow its link.
 */
interface StoredEmail {
  subject: string;
  destination: { to: string[] };
  body: { text?: string; html?: string };
  at: number;
}

const LINK = /https?:\/\/[^\s"'<>]+\/approvals\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g;

export interface ApprovalLink {
  url: string;
  approvalId: string;
  recipient: string;
}

/** Every approval link in the inbox, with the approval it names (read from the link's claims, which are not secret; the MAC is not checked here). */
export async function approvalLinks(inboxUrl: string): Promise<ApprovalLink[]> {
  const response = await fetch(new URL('store', inboxUrl));
  if (!response.ok) throw new Error(`the inbox answered ${response.status}`);
  const { emails } = (await response.json()) as { emails: StoredEmail[] };
  const links: ApprovalLink[] = [];
  for (const email of emails) {
    for (const match of `${email.body.text ?? ''}\n${email.body.html ?? ''}`.matchAll(LINK)) {
      const parsed = parseLink(match[1]);
      if (parsed.ok) links.push({ url: match[0], approvalId: parsed.claims.approvalId, recipient: email.destination.to[0] ?? '' });
    }
  }
  return links;
}

/**
 * Waits for the approval email of an execution, named by its execution id (`<workflow>:<name>`,
 * functions/shared/events/execution-id.ts): its approval ids are `<execution id>-<gate>`. Matched
 * exactly, so neither another workflow's execution of the same name nor one whose name extends
 * this one (`inv-1` and `inv-1-b`) is taken for it.
 *
 * @example
 * await waitForApprovalLink(inbox, 'invoice-approval:invoice-large-1a2b', Date.now() + 60_000);
 */
export async function waitForApprovalLink(inboxUrl: string, executionId: string, deadline: number): Promise<string> {
  for (;;) {
    const links = await approvalLinks(inboxUrl);
    const link = links.filter((l) => executionIdOfApproval(l.approvalId) === executionId).at(-1);
    if (link !== undefined) return link.url;
    if (Date.now() > deadline) throw new Error(`no approval email for execution ${executionId} arrived in the inbox in time`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Waits for an approval email of an execution sent to someone not in `answered`, and returns its
 * link with the recipient: the newest such email (a later level, a reminder or an escalation
 * replaces an older link of the same person).
 *
 * @example
 * const { url, recipient } = await waitForApprovalLinkOfAnother(inbox, 'vendor-bank-details:bank-change-valid-1a2b', new Set(), Date.now() + 60_000);
 */
export async function waitForApprovalLinkOfAnother(inboxUrl: string, executionId: string, answered: ReadonlySet<string>, deadline: number): Promise<ApprovalLink> {
  for (;;) {
    const links = await approvalLinks(inboxUrl);
    const link = links.filter((l) => executionIdOfApproval(l.approvalId) === executionId && !answered.has(l.recipient)).at(-1);
    if (link !== undefined) return link;
    if (Date.now() > deadline) throw new Error(`no approval email for execution ${executionId} to another approver arrived in the inbox in time`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The approval page's words when a vote is on record and the request waits for other approvers (pages.ts voteRecorded). */
export const VOTE_WAITS_FOR_OTHERS = 'The request now waits for the other approvers';

/**
 * What a browser does: GET the page (it only shows), then POST the form's decision to the
 * same address. Returns the status of the POST and the page it showed.
 */
export async function followApprovalLink(url: string, decision: 'approve' | 'reject'): Promise<{ status: number; page: string }> {
  const shown = await fetch(url);
  const page = await shown.text();
  if (shown.status !== 200) throw new Error(`the approval page answered ${shown.status} to GET`);
  if (!page.includes(`value="${decision}"`)) throw new Error(`the approval page offers no "${decision}" button`);
  const answer = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ decision }).toString(),
  });
  return { status: answer.status, page: await answer.text() };
}

/**
 * Polls DescribeExecution until the execution is no longer RUNNING, or the deadline passes
 * (then its status is still RUNNING).
 *
 * @example
 * const status = await waitForExecutionEnd(sfn, executionArn, Date.now() + 60_000);
 */
export async function waitForExecutionEnd(sfn: SFNClient, executionArn: string, deadline: number, pollMs = 100): Promise<string> {
  for (;;) {
    const { status = 'RUNNING' } = await sfn.send(new DescribeExecutionCommand({ executionArn, includedData: 'METADATA_ONLY' }));
    if (status !== 'RUNNING' || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
