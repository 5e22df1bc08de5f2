import { readFileSync } from 'node:fs';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { parseLink } from '../../functions/shared/approvals/approval-link.js';
import { executionIdOfApproval } from '../../functions/shared/approvals/approval-id.js';
import { qualifiedExecutionId } from '../../functions/shared/events/execution-id.js';
import { localEventReader } from '../../lib/local/runtime/app/event-reader.js';
import { followApprovalLink } from '../../lib/local/runtime/services/inbox-client.js';
import { eventually, runCliProcess, runtimesOfThisFile, startRuntimeProcess, type RuntimeProcess } from '../support/local-runtime.js';

/**
 * Approval policies in the local runtime, driven like a user: executions started with the CLI,
 * approvers reading their emails in the local inbox and clicking through the real approval site,
 * the runtime restarted (SIGINT) and started again later on its clock (`--clock-offset`) to let
 * deadlines pass. The invoice policy (statemachines/invoice-approval/approval-policy.json) with
 * cdk.json's dev groups: above 50,000 a manager, then 2 of 3 finance directors; 5,000 to 50,000 one
 * of 2 finance approvers; the vendor bank-detail change 2 of 3 vendor-master approvers, failing closed.
 */
const runtime = runtimesOfThisFile();
const WAIT_MS = 180_000;
const ROOT = new URL('../../', import.meta.url).pathname;
const GROUPS = (JSON.parse(readFileSync(`${ROOT}cdk.json`, 'utf8')) as { context: { 'wardflow:environments': { dev: { workflows: Record<string, { approverGroups: Record<string, string[]> }> } } } })
  .context['wardflow:environments'].dev.workflows;
const MANAGER = GROUPS['invoice-approval']!.approverGroups.managers![0]!;
const DIRECTORS = GROUPS['invoice-approval']!.approverGroups['finance-directors']!;
const FINANCE = GROUPS['invoice-approval']!.approverGroups.finance!;
const VENDOR_MASTER = GROUPS['vendor-bank-details']!.approverGroups['vendor-master']!;

/** An invoice from a vendor the register does not know, for `total` US dollars (the local stand-in reads these lines). */
function invoice(number: string, total: string): string {
  const invoiceText = `Northwind Traders Ltd\n\nInvoice\nVendor: Northwind Traders\nInvoice #: ${number}\nCurrency: USD\n\nConsulting services\n\nTotal: USD ${total}\nDue: January 15, 2027\n`;
  return JSON.stringify({ invoiceText, source: `e2e/${number}` });
}

function start(r: RuntimeProcess, workflow: string, name: string, input: string): string {
  const result = runCliProcess(['start', workflow, '--input', '-', '--name', name], r.dataDir, input);
  expect(result.code, result.stderr).toBe(0);
  return qualifiedExecutionId(workflow, name);
}

interface Email {
  subject: string;
  to: string;
  url: string;
  level: number | undefined;
  executionId: string;
}

/** Every approval email in the inbox with its recipient, subject and the level its link names. */
async function inbox(r: RuntimeProcess): Promise<Email[]> {
  const response = await fetch(new URL('store', r.endpoints.endpoints.inbox));
  const { emails } = (await response.json()) as { emails: { subject: string; destination: { to: string[] }; body: { text?: string } }[] };
  return emails.flatMap((email) => {
    const match = /https?:\/\/\S+\/approvals\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(email.body.text ?? '');
    const parsed = match === null ? undefined : parseLink(match[1]);
    if (match === null || parsed === undefined || !parsed.ok) return [];
    return [{ subject: email.subject, to: email.destination.to[0] ?? '', url: match[0], level: parsed.claims.level, executionId: executionIdOfApproval(parsed.claims.approvalId) ?? '' }];
  });
}

/** Waits for the emails of an execution that `pick` selects, until `count` distinct recipients have one; the newest per recipient. */
async function emailsFor(r: RuntimeProcess, executionId: string, pick: (email: Email) => boolean, count: number): Promise<Map<string, Email>> {
  return eventually(async () => {
    const latest = new Map<string, Email>();
    for (const email of await inbox(r)) if (email.executionId === executionId && pick(email)) latest.set(email.to, email);
    return latest.size >= count ? latest : undefined;
  }, `${count} emails of ${executionId}`, WAIT_MS);
}

async function post(url: string, decision: 'approve' | 'reject'): Promise<{ status: number; page: string }> {
  const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ decision }).toString() });
  return { status: answer.status, page: await answer.text() };
}

async function statusOf(r: RuntimeProcess, executionId: string, ended = true): Promise<string> {
  const { endpoints, region, credentials, resources } = r.endpoints;
  const [workflow, name] = executionId.split(':') as [string, string];
  const sfn = new SFNClient({ endpoint: endpoints.stepfunctions, region, credentials });
  const executionArn = `${resources.stateMachines[workflow]!.replace(':stateMachine:', ':execution:')}:${name}`;
  try {
    if (!ended) return (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? '';
    return await eventually(async () => {
      const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return status === 'RUNNING' ? undefined : status;
    }, `execution ${executionId} to end`, WAIT_MS);
  } finally {
    sfn.destroy();
  }
}

const typesOf = <E extends { type: string }>(events: readonly E[], type: string): E[] => events.filter((event) => event.type === type);

describe('approval policies in the local runtime', { timeout: 900_000 }, () => {
  it('a manager then 2 of 3 finance directors: each level its own emails; 20 concurrent clicks of the directors resume the execution exactly once', async () => {
    const r = await runtime({ examples: false });
    const reader = localEventReader(r.endpoints);
    const id = start(r, 'invoice-approval', 'levels-two', invoice('LV-2', '60,000.00'));
    const manager = await emailsFor(r, id, (email) => email.level === 0, 1);
    expect([...manager.keys()]).toEqual([MANAGER]);
    expect((await followApprovalLink(manager.get(MANAGER)!.url, 'approve')).status).toBe(200);
    const directors = await emailsFor(r, id, (email) => email.level === 1, 3);
    expect([...directors.keys()].sort()).toEqual([...DIRECTORS].sort());
    expect((await statusOf(r, id, false))).toBe('RUNNING');
    // `wardflow approvals` lists it at the level asked now: the 3 directors, until their level's deadline.
    const started = typesOf(await reader.approval(`${id}-1`), 'ApprovalLevelStarted').find((event) => event.data.level === 1)!;
    const listed = runCliProcess(['approvals', '--json'], r.dataDir);
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { approvalId: string; approverCount: number; expiresAt: string }[]).find((a) => a.approvalId === `${id}-1`)).toMatchObject({
      approverCount: 3,
      expiresAt: started.data.deadlineAt,
    });

    const links = [...directors.values()].map((email) => email.url);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(links[i % links.length]!, 'approve')));
    // One click decided and resumed the execution; the others were a vote short of it, repeats, or after it.
    expect(answers.filter((answer) => answer.page.includes('The workflow continues with the approved request.'))).toHaveLength(1);
    expect(answers.every((answer) => answer.status === 200 || answer.status === 409)).toBe(true);
    expect(await statusOf(r, id)).toBe('SUCCEEDED');
    const approval = await reader.approval(`${id}-1`);
    expect(typesOf(approval, 'ApprovalLevelCompleted').map((event) => event.data.level)).toEqual([0, 1]);
    expect(typesOf(approval, 'ApprovalDecided')).toHaveLength(1);
    expect(typesOf(approval, 'ApprovalVoted').filter((event) => event.data.level === 1).length).toBeGreaterThanOrEqual(2);
    expect(typesOf(await reader.execution(id), 'PaymentRecorded')).toHaveLength(1);
  });

  it('a rejection at the first level ends the execution rejected, and the next level is never asked', async () => {
    const r = await runtime({ examples: false });
    const id = start(r, 'invoice-approval', 'levels-reject', invoice('LV-R', '75,000.00'));
    const manager = await emailsFor(r, id, (email) => email.level === 0, 1);
    const answer = await followApprovalLink(manager.get(MANAGER)!.url, 'reject');
    expect(answer.status).toBe(200);
    expect(await statusOf(r, id)).toBe('FAILED');
    expect((await inbox(r)).filter((email) => email.executionId === id && email.level === 1)).toEqual([]);
    const events = await localEventReader(r.endpoints).execution(id);
    expect(typesOf(events, 'ExecutionFailed')[0]?.data.error).toContain('ApprovalRejected');
  });

  it('deadlines across restarts: reminded, then escalated after a restart, and failed closed where the policy says so; nothing lost', async () => {
    const first = await runtime({ examples: false });
    const dataDir = first.dataDir;
    const large = start(first, 'invoice-approval', 'deadline-large', invoice('DL-L', '60,000.00'));
    const medium = start(first, 'invoice-approval', 'deadline-medium', invoice('DL-M', '20,000.00'));
    const vendorInput = readFileSync(`${ROOT}statemachines/vendor-bank-details/examples/bank-change-valid.json`, 'utf8');
    const vendor = start(first, 'vendor-bank-details', 'deadline-vendor', vendorInput);
    await emailsFor(first, large, (email) => email.level === 0, 1);
    await emailsFor(first, medium, (email) => email.level === 0, FINANCE.length);
    await emailsFor(first, vendor, (email) => email.level === 0, VENDOR_MASTER.length);
    // One vendor-master approval of the two needed: on record, and still waiting.
    const vendorLinks = await emailsFor(first, vendor, (email) => email.level === 0, VENDOR_MASTER.length);
    expect((await followApprovalLink(vendorLinks.get(VENDOR_MASTER[0]!)!.url, 'approve')).status).toBe(200);
    expect(await first.stop('SIGINT')).toBe(0);

    // 37 hours later: the medium invoice's reminder is due (12 hours before its 48-hour deadline), the
    // manager's 24-hour deadline has passed (escalated to the finance directors), the vendor change waits on.
    const second = await startRuntimeProcess({ examples: false, dataDir, clockOffset: '37h' });
    try {
      const reminded = await emailsFor(second, medium, (email) => email.subject.startsWith('Reminder:'), FINANCE.length);
      expect([...reminded.keys()].sort()).toEqual([...FINANCE].sort());
      const escalated = await emailsFor(second, large, (email) => email.subject.startsWith('Escalated:'), DIRECTORS.length);
      expect([...escalated.values()].every((email) => email.level === 0)).toBe(true);
      const reader = localEventReader(second.endpoints);
      expect(typesOf(await reader.approval(`${large}-1`), 'ApprovalEscalated')).toHaveLength(1);
      expect(typesOf(await reader.approval(`${medium}-1`), 'ApprovalReminderSent')).toHaveLength(1);
      expect(typesOf(await reader.approval(`${vendor}-1`), 'ApprovalReminderSent')).toHaveLength(0);
      expect(await statusOf(second, vendor, false)).toBe('RUNNING');
    } finally {
      expect(await second.stop('SIGINT')).toBe(0);
    }

    // 73 hours in: the medium invoice's deadline passed while the runtime was down (escalated now, not lost),
    // the vendor change's 72-hour deadline passed with one approval of two (failed closed), and so did the
    // escalated manager level of the large invoice (its escalation has no escalation: failed closed).
    const third = await startRuntimeProcess({ examples: false, dataDir, clockOffset: '73h' });
    try {
      await emailsFor(third, medium, (email) => email.subject.startsWith('Escalated:'), DIRECTORS.length);
      expect(await statusOf(third, vendor)).toBe('FAILED');
      expect(await statusOf(third, large)).toBe('FAILED');
      expect(await statusOf(third, medium, false)).toBe('RUNNING');
      const reader = localEventReader(third.endpoints);
      for (const id of [vendor, large]) {
        expect(typesOf(await reader.approval(`${id}-1`), 'ApprovalExpired'), id).toHaveLength(1);
        expect(typesOf(await reader.execution(id), 'ExecutionFailed')[0]?.data.error, id).toContain('ApprovalExpired');
      }
      // The reminder went once, before the restart; nothing was sent twice.
      expect(typesOf(await reader.approval(`${medium}-1`), 'ApprovalReminderSent')).toHaveLength(1);
      expect(typesOf(await reader.approval(`${medium}-1`), 'ApprovalEscalated')).toHaveLength(1);
    } finally {
      await third.stop('SIGKILL');
    }
  });
});
