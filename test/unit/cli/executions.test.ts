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
      'ID     STATUS     STARTED               STOPPED',
      'inv-3  RUNNING    2026-12-01T09:30:00Z  -',
      'exp-1  RUNNING    2026-12-01T09:20:00Z  -',
      'inv-2  SUCCEEDED  2026-12-01T09:10:00Z  2026-12-01T09:10:04Z',
      'inv-1  FAILED     2026-12-01T09:00:00Z  2026-12-01T09:00:02Z',
    ]);
    expect(run.err).toEqual([]);
  });

  it('stops at --limit, asking for no more than it needs', async () => {
    const run = await executions('--limit', '2', '--json');
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { id: string }[]).map((e) => e.id)).toEqual(['inv-3', 'exp-1']);
    const invoiceCalls = sfn.commandCalls(ListExecutionsCommand, { stateMachineArn: INVOICE_MACHINE_ARN });
    // The first page already held two: no second page.
    expect(invoiceCalls.map((c) => c.args[0].input)).toEqual([{ stateMachineArn: INVOICE_MACHINE_ARN, maxResults: 2 }]);
  });

  it('passes --status to Step Functions as the filter', async () => {
    await executions('--status', 'running');
    for (const call of sfn.commandCalls(ListExecutionsCommand)) expect(call.args[0].input.statusFilter).toBe('RUNNING');
  });

  it('prints one JSON array with --json', async () => {
    const run = await executions('--json');
    expect(run.out).toHaveLength(1);
    expect(JSON.parse(run.stdout)).toEqual([
      { id: 'inv-3', workflow: 'invoice-approval', executionArn: executionArn('inv-3'), status: 'RUNNING', startDate: '2026-12-01T09:30:00.000Z', stopDate: null },
      { id: 'exp-1', workflow: 'expense-report', executionArn: executionArn('exp-1', OTHER_MACHINE), status: 'RUNNING', startDate: '2026-12-01T09:20:00.000Z', stopDate: null },
      { id: 'inv-2', workflow: 'invoice-approval', executionArn: executionArn('inv-2'), status: 'SUCCEEDED', startDate: '2026-12-01T09:10:00.000Z', stopDate: '2026-12-01T09:10:04.500Z' },
      { id: 'inv-1', workflow: 'invoice-approval', executionArn: executionArn('inv-1'), status: 'FAILED', startDate: '2026-12-01T09:00:00.000Z', stopDate: '2026-12-01T09:00:02.000Z' },
    ]);
  });

  it('says how to start one when there are none', async () => {
    sfn.reset();
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    expect((await executions('--status', 'FAILED')).out).toEqual([
      `No FAILED executions on the local runtime of ${folder.dir}. Start one with: wardflow start <workflow> --input <file>`,
    ]);
    expect(JSON.parse((await executions('--json')).stdout)).toEqual([]);
  });
});
