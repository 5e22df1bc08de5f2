import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { approvalLinks, followApprovalLink } from '../../lib/local/runtime/services/inbox-client.js';
import { localEventReader } from '../../lib/local/runtime/app/event-reader.js';
import { outcomeOf } from '../../lib/local/runtime/app/examples.js';
import { vendorStreamOf } from '../../functions/workflows/vendor-bank-details/domain/vendor-id.js';
import { qualifiedExecutionId, splitExecutionId } from '../../functions/shared/events/execution-id.js';
import { INVOICE_EXAMPLES as EXAMPLES } from '../support/examples.js';
import { approveBankChange, linksOfApprovers, VENDOR_MASTER_QUORUM } from '../support/vendor-register.js';

/** The execution id steps key an invoice execution's streams by: `<workflow>:<name>`. */
const invoiceId = (name: string) => qualifiedExecutionId('invoice-approval', name);
const vendorId = (name: string) => qualifiedExecutionId('vendor-bank-details', name);
import { eventually, runCliProcess, stepLog, tempDataDir, runtimesOfThisFile, type RuntimeProcess } from '../support/local-runtime.js';

/**
 * The local runtime driven like a user: `wardflow dev` as its own process, the inbox's API,
 * the approval links followed over HTTP, the CLI as a process, Ctrl-C and kill -9.
 */
const runtime = runtimesOfThisFile();

function sfnOf(r: RuntimeProcess): SFNClient {
  const { endpoints, region, credentials } = r.endpoints;
  return new SFNClient({ endpoint: endpoints.stepfunctions, region, credentials });
}

async function statusOf(r: RuntimeProcess, name: string, workflow = 'invoice-approval'): Promise<string | undefined> {
  const arn = `${r.endpoints.resources.stateMachines[workflow]!.replace(':stateMachine:', ':execution:')}:${name}`;
  const { status } = await sfnOf(r).send(new DescribeExecutionCommand({ executionArn: arn }));
  return status;
}

async function endedStatus(r: RuntimeProcess, name: string, workflow?: string): Promise<string> {
  return eventually(async () => {
    const status = await statusOf(r, name, workflow);
    return status === 'RUNNING' ? undefined : status;
  }, `execution ${name} to end`);
}

function names(r: RuntimeProcess, workflow = 'invoice-approval'): Record<string, string> {
  // "started example invoice-approval/invoice-large.json as execution invoice-large-1a2b3c4d"
  return Object.fromEntries(
    [...r.output().matchAll(/started example ([a-z-]+)\/(\S+) as execution (\S+)/g)].filter((m) => m[1] === workflow).map((m) => [m[2]!, m[3]!]),
  );
}

describe('wardflow dev (npm start)', { timeout: 600_000 }, () => {
  it('on a first start runs the examples: an approval email arrives, its link approves, the execution completes', async () => {
    const r = await runtime();
    const out = r.output();
    expect(out).toContain(`inbox (approval emails):  ${r.endpoints.endpoints.inbox}`);
    expect(out).toContain(`approval site:            ${r.endpoints.endpoints.approvalSite}`);
    expect(out).toContain(r.dataDir);
    // The invoices that rely on the vendor register (Acme's account) start once its bank change has ended.
    expect(Object.keys(names(r)).sort()).toEqual(['invoice-injected-vendor.json', 'invoice-large.json', 'invoice-lookalike-vendor.json', 'invoice-malformed.json', 'invoice-unknown-vendor.json']);
    expect(Object.keys(names(r, 'vendor-bank-details')).sort()).toEqual([
      'bank-change-acme.json',
      'bank-change-bad-checksum.json',
      'bank-change-no-date.json',
      'bank-change-suspicious.json',
      'bank-change-valid.json',
    ]);
    expect(await approveBankChange(r.endpoints, names(r, 'vendor-bank-details')['bank-change-acme.json']!)).toBe('SUCCEEDED');
    const examples = await eventually(() => (names(r)['invoice-small.json'] === undefined ? undefined : names(r)), 'the small invoice to start after the bank change');
    const large = examples['invoice-large.json']!;

    const link = await eventually(async () => (await approvalLinks(r.endpoints.endpoints.inbox)).find((l) => l.approvalId === `${invoiceId(large)}-1`), 'the approval email');
    const answer = await followApprovalLink(link.url, 'approve');
    expect(answer.status).toBe(200);
    expect(await endedStatus(r, large)).toBe('SUCCEEDED');
    expect(await endedStatus(r, examples['invoice-small.json']!)).toBe('SUCCEEDED');
    expect(await endedStatus(r, examples['invoice-malformed.json']!)).toBe('FAILED');

    const reader = localEventReader(r.endpoints);
    expect(outcomeOf(await reader.execution(invoiceId(large)))).toBe('succeeded-approved');
    expect(outcomeOf(await reader.execution(invoiceId(examples['invoice-malformed.json']!)))).toBe('failed-validation');
    reader.close();

    // A second click changes nothing and says so.
    const again = await followApprovalLink(link.url, 'approve').catch((error: Error) => error);
    expect(again instanceof Error ? again.message : String(again.status)).toMatch(/409|GET/);

    // The CLI, as a process, against this runtime.
    const listed = runCliProcess(['executions', '--json'], r.dataDir);
    expect(listed.code, listed.stderr).toBe(0);
    const { executions } = JSON.parse(listed.stdout) as { executions: { id: string; status: string }[] };
    expect(executions.find((e) => e.id === invoiceId(large))?.status).toBe('SUCCEEDED');
    // A bare name: only the invoice workflow has it, so status finds it there.
    const status = runCliProcess(['status', large, '--json'], r.dataDir);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('ApprovalDecided');
    const pending = runCliProcess(['approvals', '--json'], r.dataDir);
    expect(pending.code, pending.stderr).toBe(0);
    expect(pending.stdout).toContain(`"${invoiceId(examples['invoice-unknown-vendor.json']!)}-1"`);
    const startedByCli = runCliProcess(['start', 'invoice-approval', '--input', '-'], r.dataDir, readFileSync(join(EXAMPLES, 'invoice-small.json'), 'utf8'));
    expect(startedByCli.code, startedByCli.stderr).toBe(0);
    // start prints the execution id, `<workflow>:<name>`.
    const startedId = splitExecutionId(startedByCli.stdout.trim());
    expect(startedId.workflow).toBe('invoice-approval');
    expect(await endedStatus(r, startedId.name)).toBe('SUCCEEDED');

    // Planted values never leave in clear: the payments secret, the approver's address, the invoice
    // text and task tokens are absent from the step log, the terminal, the CLI and the pages.
    const secret = Object.values(JSON.parse(readFileSync(join(r.dataDir, 'secrets.json'), 'utf8')) as Record<string, string>)[0]!;
    const everything = [stepLog(r.dataDir), r.output(), listed.stdout, status.stdout, pending.stdout, startedByCli.stdout, startedByCli.stderr, answer.page].join('\n');
    expect(everything).not.toContain(secret);
    for (const address of ['finance-1-dev@example.com', 'finance-2-dev@example.com']) expect(everything).not.toContain(address);
    expect(everything).not.toContain('Quarterly coffee and pantry supply contract');
    expect(everything).not.toMatch(/wflt1\.[A-Za-z0-9_-]{64}/);

    // The second workflow, from the same runtime: a bank-detail change waits for two vendor-master approvers
    // (its policy's quorum), whose approvals record the change on the vendor's own stream; one rejection records why there.
    const letters = names(r, 'vendor-bank-details');
    for (const link of await linksOfApprovers(r.endpoints.endpoints.inbox, vendorId(letters['bank-change-valid.json']!), VENDOR_MASTER_QUORUM, Date.now() + 180_000)) {
      expect((await followApprovalLink(link, 'approve')).status).toBe(200);
    }
    expect(await endedStatus(r, letters['bank-change-valid.json']!, 'vendor-bank-details')).toBe('SUCCEEDED');
    const rejectLetter = await eventually(async () => (await approvalLinks(r.endpoints.endpoints.inbox)).find((l) => l.approvalId === `${vendorId(letters['bank-change-suspicious.json']!)}-1`), 'the suspicious change approval email');
    expect((await followApprovalLink(rejectLetter.url, 'reject')).status).toBe(200);
    expect(await endedStatus(r, letters['bank-change-suspicious.json']!, 'vendor-bank-details')).toBe('FAILED');
    expect(await endedStatus(r, letters['bank-change-bad-checksum.json']!, 'vendor-bank-details')).toBe('FAILED');
    const vendorReader = localEventReader(r.endpoints);
    const changed = (await vendorReader.execution(vendorId(letters['bank-change-valid.json']!))).find((e) => e.type === 'StepSucceeded' && e.data.step === 'record-bank-details-change');
    expect(changed).toBeDefined();
    expect(outcomeOf(await vendorReader.execution(vendorId(letters['bank-change-suspicious.json']!)))).toBe('failed-rejected');
    expect(outcomeOf(await vendorReader.execution(vendorId(letters['bank-change-bad-checksum.json']!)))).toBe('failed-validation');
    const register = await vendorReader.stream(vendorStreamOf('Vandelay Industries GmbH'));
    expect(register.map((e) => e.type)).toEqual(['VendorBankDetailsChanged']);
    expect(register[0]!.data).toMatchObject({ executionId: vendorId(letters['bank-change-valid.json']!), effectiveDate: '2027-01-15', ibanMasked: 'DE60 **** 5678' });
    expect(JSON.stringify(register[0]!.data)).not.toContain('DE60987654321012345678'); // the IBAN itself is sealed
    const refused = await vendorReader.stream(vendorStreamOf('Kramerica Industries GmbH'));
    expect(refused.map((e) => e.type)).toEqual(['VendorBankDetailsChangeRejected']);
    vendorReader.close();

    // Executions ran at the same time, yet every log line belongs to one invocation: each says
    // "step succeeded" once, under its own execution.
    const succeeded = stepLog(r.dataDir)
      .split('\n')
      .filter((line) => line.includes('"step succeeded"'))
      .map((line) => JSON.parse(line) as { step: string; awsRequestId: string; executionId: string });
    expect(succeeded.length).toBeGreaterThan(10);
    expect(new Set(succeeded.map((line) => line.awsRequestId)).size).toBe(succeeded.length);
    expect(new Set(succeeded.map((line) => line.executionId)).size).toBeGreaterThanOrEqual(4);
  });

  it('starts a workflow through the Step Functions API on its endpoint, with the real SDK client', async () => {
    const r = await runtime({ examples: false });
    const sfn = sfnOf(r);
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: r.endpoints.resources.stateMachines['invoice-approval'],
        name: 'sdk-started',
        input: JSON.stringify({ invoiceText: 'not an invoice at all' }),
      }),
    );
    expect(executionArn).toMatch(/:execution:wardflow-local-invoice-approval:sdk-started$/);
    expect(await endedStatus(r, 'sdk-started')).toBe('FAILED');
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:nope' }))).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });
  });

  it('keeps a pending approval across Ctrl-C and across kill -9: resumed with a new token, the emailed link still approves', async () => {
    const first = await runtime();
    const waiting = names(first)['invoice-unknown-vendor.json']!;
    const firstLink = await eventually(
      async () => (await approvalLinks(first.endpoints.endpoints.inbox)).find((l) => l.approvalId === `${invoiceId(waiting)}-1`),
      'the first approval email',
    );
    const code = await first.stop('SIGINT');
    expect(code, first.output()).toBe(0);
    expect(first.output()).toContain('stopped');

    // Ctrl-C, then start again: the execution is still running, resumed at its gate.
    const second = await runtime({ dataDir: first.dataDir, basePort: first.basePort });
    expect(second.output()).toMatch(/execution .* resumed at ApprovalGate/);
    expect(second.output()).not.toContain('started example');
    expect(await statusOf(second, waiting)).toBe('RUNNING');
    // The inbox kept the email sent before the stop.
    expect((await approvalLinks(second.endpoints.endpoints.inbox)).map((l) => l.url)).toContain(firstLink.url);
    const reader = localEventReader(second.endpoints);
    // The resumed gate holds a new token: recorded (sealed) in place of the old one. Its policy's level
    // was announced before the stop, and the links emailed then still work: nobody is emailed twice.
    await eventually(async () => {
      const events = await reader.approval(firstLink.approvalId);
      return events.some((e) => e.type === 'ApprovalTokenReplaced') ? true : undefined;
    }, 'the resumed gate to replace the token');
    const resumed = await eventually(async () => {
      const events = await reader.execution(invoiceId(waiting));
      return events.filter((e) => e.type === 'StepSucceeded' && e.data.step === 'request-approval').length >= 2 ? events : undefined;
    }, 'the resumed gate to finish');
    expect(resumed.filter((e) => e.type === 'ApprovalNotified')).toHaveLength(1);
    reader.close();

    // A crash (kill -9) leaves a stale endpoints.json; the next start takes over and resumes again.
    second.child.kill('SIGKILL');
    await second.stop('SIGKILL');
    const third = await runtime({ dataDir: first.dataDir, basePort: first.basePort });
    expect(third.output()).toMatch(/resumed at ApprovalGate/);

    // The link emailed before both restarts names the approval, not the token: it still decides.
    const answer = await followApprovalLink(firstLink.url, 'reject');
    expect(answer.status).toBe(200);
    expect(await endedStatus(third, waiting)).toBe('FAILED');
    const events = await localEventReader(third.endpoints).execution(invoiceId(waiting));
    expect(outcomeOf(events)).toBe('failed-rejected');
  });

  it('runs two runtimes side by side on different ports and folders, and refuses a second one on a folder in use', async () => {
    // One configured by flags, one by WARDFLOW_PORT and WARDFLOW_DATA_DIR.
    const [a, b] = await Promise.all([runtime({ examples: false }), runtime({ examples: false, viaEnvironment: true })]);
    expect(b.endpoints.endpoints.approvalSite).toBe(`http://127.0.0.1:${b.basePort}`);
    expect(b.endpoints.dataDir).toBe(b.dataDir);
    expect(a.endpoints.endpoints.stepfunctions).not.toBe(b.endpoints.endpoints.stepfunctions);
    const clash = runCliProcess(['dev', '--port', String(a.basePort + 10)], a.dataDir);
    expect(clash.code).toBe(1);
    expect(clash.stdout + clash.stderr).toMatch(/another local runtime \(pid \d+\) uses/);
    const portClash = runCliProcess(['dev', '--port', String(b.basePort)], tempDataDir());
    expect(portClash.code).toBe(1);
    expect(portClash.stdout + portClash.stderr).toContain(`port ${b.basePort} (approvalSite)`);
  });
});
