import { ListExecutionsCommand, SFNClient, type ExecutionListItem } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { executionArn, INVOICE_MACHINE_ARN, localRuntimeFolder, runCliCaptured } from './cli-harness.js';

const sfn = mockClient(SFNClient);
const OTHER_MACHINE = INVOICE_MACHINE_ARN.replace('invoice-approval', 'expense-report');
const folder = localRuntimeFolder({ stateMachines: { 'invoice-approval': INVOICE_MACHINE_ARN, 'expense-report': OTHER_MACHINE } });
afterAll(() => folder.remove());

function item(name: string, status: ExecutionListItem['status'], started: string, stopped?: string, machine = INVOICE_MACHINE_ARN): ExecutionListItem {
  return {
    executionArn: executionArn(name, machine),
    stateMachineArn: machine,
    name,
    status,
    startDate: new Date(started),
    ...(stopped ? { stopDate: new Date(stopped) } : {}),
  };
}

/** Newest first per state machine, as Step Functions answers; the invoice list comes in two pages. */
const INVOICE_PAGE_1 = [item('inv-3', 'RUNNING', '2026-12-01T09:30:00Z'), item('inv-2', 'SUCCEEDED', '2026-12-01T09:10:00Z', '2026-12-01T09:10:04.5Z')];
const INVOICE_PAGE_2 = [item('inv-1', 'FAILED', '2026-12-01T09:00:00Z', '2026-12-01T09:00:02Z')];
const EXPENSES = [item('exp-1', 'RUNNING', '2026-12-01T09:20:00Z', undefined, OTHER_MACHINE)];

beforeEach(() => {
  sfn.reset();
  sfn.on(ListExecutionsCommand, { stateMachineArn: INVOICE_MACHINE_ARN }).callsFake((input: { nextToken?: string }) =>
    input.nextToken === 'page-2' ? { executions: INVOICE_PAGE_2 } : { executions: INVOICE_PAGE_1, nextToken: 'page-2' },
  );
  sfn.on(ListExecutionsCommand, { stateMachineArn: OTHER_MACHINE }).resolves({ executions: EXPENSES });
});

const executions = (...args: string[]) => runCliCaptured(['executions', '--data-dir', folder.dir, ...args]);

describe('wardflow executions', () => {
  it('lists the executions of every workflow, newest first, as an aligned table', async () => {
    const run = await executions();
    expect(run.code).toBe(0);
    expect(run.out).toEqual([
      // The id is `<workflow>:<name>`: what status takes, and what keys the execution's streams.
      'ID                      WORKFLOW          STATUS     STARTED               STOPPED',
      'invoice-approval:inv-3  invoice-approval  RUNNING    2026-12-01T09:30:00Z  -',
      'expense-report:exp-1    expense-report    RUNNING    2026-12-01T09:20:00Z  -',
      'invoice-approval:inv-2  invoice-approval  SUCCEEDED  2026-12-01T09:10:00Z  2026-12-01T09:10:04Z',
      'invoice-approval:inv-1  invoice-approval  FAILED     2026-12-01T09:00:00Z  2026-12-01T09:00:02Z',
    ]);
    expect(run.err).toEqual([]);
  });

  it('stops at --limit, asking for no more than it needs', async () => {
    const run = await executions('--limit', '2', '--json');
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { executions: { id: string }[] }).executions.map((e) => e.id)).toEqual(['invoice-approval:inv-3', 'expense-report:exp-1']);
    const invoiceCalls = sfn.commandCalls(ListExecutionsCommand, { stateMachineArn: INVOICE_MACHINE_ARN });
    // The first page already held two: no second page.
    expect(invoiceCalls.map((c) => c.args[0].input)).toEqual([{ stateMachineArn: INVOICE_MACHINE_ARN, maxResults: 2 }]);
  });

  it('passes --status to Step Functions as the filter', async () => {
    await executions('--status', 'running');
    for (const call of sfn.commandCalls(ListExecutionsCommand)) expect(call.args[0].input.statusFilter).toBe('RUNNING');
  });

  it('prints one JSON document with --json: the executions, and nextToken null when none remain', async () => {
    const run = await executions('--json');
    expect(run.out).toHaveLength(1);
    expect(JSON.parse(run.stdout).nextToken).toBeNull();
    expect(JSON.parse(run.stdout).executions).toEqual([
      { id: 'invoice-approval:inv-3', name: 'inv-3', workflow: 'invoice-approval', executionArn: executionArn('inv-3'), status: 'RUNNING', startDate: '2026-12-01T09:30:00.000Z', stopDate: null },
      { id: 'expense-report:exp-1', name: 'exp-1', workflow: 'expense-report', executionArn: executionArn('exp-1', OTHER_MACHINE), status: 'RUNNING', startDate: '2026-12-01T09:20:00.000Z', stopDate: null },
      { id: 'invoice-approval:inv-2', name: 'inv-2', workflow: 'invoice-approval', executionArn: executionArn('inv-2'), status: 'SUCCEEDED', startDate: '2026-12-01T09:10:00.000Z', stopDate: '2026-12-01T09:10:04.500Z' },
      { id: 'invoice-approval:inv-1', name: 'inv-1', workflow: 'invoice-approval', executionArn: executionArn('inv-1'), status: 'FAILED', startDate: '2026-12-01T09:00:00.000Z', stopDate: '2026-12-01T09:00:02.000Z' },
    ]);
  });

  it('says how to start one when there are none', async () => {
    sfn.reset();
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    expect((await executions('--status', 'FAILED')).out).toEqual([
      `No FAILED executions on the local runtime of ${folder.dir}. Start one with: wardflow start <workflow> --input <file>`,
    ]);
    expect(JSON.parse((await executions('--json')).stdout)).toEqual({ executions: [], nextToken: null });
  });
});

/** `executions --json` as a document. */
interface Listing {
  executions: { id: string; name: string; workflow: string }[];
  nextToken: string | null;
}

describe('wardflow executions: paging', () => {
  /** One state machine's list as Step Functions pages it: newest first, opaque offset tokens, at most 1000 a page. */
  function pagedList(machine: string, names: string[]) {
    return (input: { maxResults?: number; nextToken?: string }) => {
      const start = input.nextToken === undefined ? 0 : Number(input.nextToken.replace(`${machine}@`, ''));
      const size = Math.min(input.maxResults ?? 100, 1000);
      const page = names.slice(start, start + size);
      const more = start + size < names.length;
      return { executions: page.map((name, i) => item(name, 'SUCCEEDED', new Date(Date.UTC(2026, 11, 1) - (start + i) * 60_000).toISOString(), undefined, machine)), ...(more ? { nextToken: `${machine}@${start + size}` } : {}) };
    };
  }
  const names = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}`);

  it('reads past 1000 through nextToken, up to --limit, asking for no more than it shows', async () => {
    const invoices = names('inv', 2_500);
    sfn.reset();
    sfn.on(ListExecutionsCommand, { stateMachineArn: INVOICE_MACHINE_ARN }).callsFake(pagedList(INVOICE_MACHINE_ARN, invoices));
    sfn.on(ListExecutionsCommand, { stateMachineArn: OTHER_MACHINE }).resolves({ executions: [] });
    const run = await executions('--limit', '2200', '--json');
    expect(run.code).toBe(0);
    const listing = JSON.parse(run.stdout) as Listing;
    expect(listing.executions.map((e) => e.name)).toEqual(invoices.slice(0, 2_200));
    expect(sfn.commandCalls(ListExecutionsCommand, { stateMachineArn: INVOICE_MACHINE_ARN }).map((c) => [c.args[0].input.maxResults, c.args[0].input.nextToken])).toEqual([
      [1000, undefined],
      [1000, `${INVOICE_MACHINE_ARN}@1000`],
      [200, `${INVOICE_MACHINE_ARN}@2000`],
    ]);
    expect(listing.nextToken).toEqual(expect.any(String));

    const rest = JSON.parse((await executions('--limit', '2200', '--json', '--next-token', listing.nextToken!)).stdout) as Listing;
    expect(rest.executions.map((e) => e.name)).toEqual(invoices.slice(2_200));
    expect(rest.nextToken).toBeNull();
  });

  it('pages two workflows merged by start date: every execution exactly once, newest first', async () => {
    // Interleaved start times: the invoice list has every even minute, the other list every odd one.
    const minute = (n: number) => new Date(Date.UTC(2026, 11, 1) - n * 60_000).toISOString();
    const invoiceItems = Array.from({ length: 7 }, (_, i) => item(`inv-${i}`, 'SUCCEEDED', minute(2 * i)));
    const otherItems = Array.from({ length: 5 }, (_, i) => item(`exp-${i}`, 'SUCCEEDED', minute(2 * i + 1), undefined, OTHER_MACHINE));
    const paged = (items: ExecutionListItem[]) => (input: { maxResults?: number; nextToken?: string }) => {
      const start = Number(input.nextToken ?? 0);
      const size = input.maxResults ?? 100;
      return { executions: items.slice(start, start + size), ...(start + size < items.length ? { nextToken: String(start + size) } : {}) };
    };
    sfn.reset();
    sfn.on(ListExecutionsCommand, { stateMachineArn: INVOICE_MACHINE_ARN }).callsFake(paged(invoiceItems));
    sfn.on(ListExecutionsCommand, { stateMachineArn: OTHER_MACHINE }).callsFake(paged(otherItems));
    const all = [...invoiceItems, ...otherItems].sort((a, b) => b.startDate!.getTime() - a.startDate!.getTime()).map((e) => e.name);

    for (const limit of [1, 2, 3, 5, 12, 20]) {
      const seen: string[] = [];
      let token: string | null = null;
      do {
        const run = await executions('--limit', String(limit), '--json', ...(token ? ['--next-token', token] : []));
        expect(run.code, run.stderr).toBe(0);
        const listing = JSON.parse(run.stdout) as Listing;
        expect(listing.executions.length).toBeLessThanOrEqual(limit);
        seen.push(...listing.executions.map((e) => e.name));
        token = listing.nextToken;
      } while (token !== null && seen.length <= all.length);
      expect(seen, `--limit ${limit}`).toEqual(all);
    }
  });

  it('goes on at the same execution when newer ones pushed it down the first page', async () => {
    const minute = (n: number) => new Date(Date.UTC(2026, 11, 1) - n * 60_000).toISOString();
    let invoiceItems = Array.from({ length: 4 }, (_, i) => item(`inv-${i}`, 'SUCCEEDED', minute(2 * i)));
    const otherItems = [item('exp-0', 'SUCCEEDED', minute(1), undefined, OTHER_MACHINE)];
    sfn.reset();
    sfn.on(ListExecutionsCommand, { stateMachineArn: INVOICE_MACHINE_ARN }).callsFake((input: { maxResults?: number; nextToken?: string }) => {
      const start = Number(input.nextToken ?? 0);
      return { executions: invoiceItems.slice(start, start + (input.maxResults ?? 100)) };
    });
    sfn.on(ListExecutionsCommand, { stateMachineArn: OTHER_MACHINE }).resolves({ executions: otherItems });
    const first = JSON.parse((await executions('--limit', '2', '--json')).stdout) as Listing;
    expect(first.executions.map((e) => e.name)).toEqual(['inv-0', 'exp-0']);
    // Two executions start before the next page is asked for.
    invoiceItems = [item('inv-new-2', 'RUNNING', minute(-2)), item('inv-new-1', 'RUNNING', minute(-1)), ...invoiceItems];
    const next = JSON.parse((await executions('--limit', '2', '--json', '--next-token', first.nextToken!)).stdout) as Listing;
    expect(next.executions.map((e) => e.name)).toEqual(['inv-1', 'inv-2']);
  });

  it('prints the next token under the table when more remain, and nothing when none do', async () => {
    const run = await executions('--limit', '1');
    expect(run.out).toHaveLength(3);
    expect(run.out[2]).toMatch(/^More remain: add --next-token wf1\.[A-Za-z0-9_-]+ for the next ones\.$/);
    const token = /--next-token (\S+)/.exec(run.out[2]!)![1]!;
    const next = await executions('--limit', '10', '--next-token', token);
    expect(next.out.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(['expense-report:exp-1', 'invoice-approval:inv-2', 'invoice-approval:inv-1']);
    expect(next.stdout).not.toContain('More remain');
  });

  it('refuses a token it did not print, or one from a listing with another --status, with exit 2 and without quoting it', async () => {
    const planted = 'wf1.bm90LWEtdG9rZW4';
    const forged = await executions('--next-token', planted);
    expect(forged.code).toBe(2);
    expect(forged.err).toEqual(['wardflow: --next-token is not a token `wardflow executions` printed (it may be cut short): copy it whole, or leave it out to list from the newest.']);
    const token = (JSON.parse((await executions('--limit', '1', '--status', 'RUNNING', '--json')).stdout) as Listing).nextToken!;
    const other = await executions('--next-token', token, '--status', 'FAILED');
    expect(other.code).toBe(2);
    expect(other.err).toEqual(['wardflow: --next-token continues a listing with --status RUNNING: give the same --status.']);
    const elsewhere = localRuntimeFolder({ stateMachines: { 'invoice-approval': INVOICE_MACHINE_ARN } });
    try {
      const twoWorkflowToken = (JSON.parse((await executions('--limit', '1', '--json')).stdout) as Listing).nextToken!;
      const run = await runCliCaptured(['executions', '--data-dir', elsewhere.dir, '--next-token', twoWorkflowToken]);
      expect(run.code).toBe(2);
      expect(run.err[0]).toMatch(/--next-token continues a listing of another runtime or environment/);
    } finally {
      elsewhere.remove();
    }
    for (const run of [forged, other]) expect(run.stderr).not.toContain(planted);
  });
});
