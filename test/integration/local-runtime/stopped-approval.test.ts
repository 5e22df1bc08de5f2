import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { INVOICE_EXAMPLES as EXAMPLES_FOLDER } from '../../support/examples.js';
import { freeBasePort } from '../../../lib/local/runtime/services/free-ports.js';
import { waitForApprovalLink } from '../../../lib/local/runtime/services/inbox-client.js';
import { startLocalRuntime, type LocalRuntime } from '../../../lib/local/runtime/app/runtime.js';
import { runCliCaptured } from '../../unit/cli/cli-harness.js';

/**
 * An execution stopped while its approval waits (StopExecution through the local Step
 * Functions API, as an operator would): the emailed link can no longer decide anything. GET
 * and POST answer 410 with the page that says so, the clicks leave exactly one
 * ApprovalAttemptRefused on the approval stream and no decision, and `wardflow approvals`
 * stops listing it and says why. The runtime runs in process; the CLI too, through the
 * runtime's endpoints.json.
 */
const NAME = 'stopped-large';
/** The execution id its streams are keyed by, and the CLI lists: `<workflow>:<name>`. */
const ID = `invoice-approval:${NAME}`;
let dataDir: string;
let runtime: LocalRuntime;
let sfn: SFNClient;

beforeAll(async () => {
  // Handler log lines are not this test's business.
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  dataDir = mkdtempSync(join(tmpdir(), 'wardflow-stopped-'));
  runtime = await startLocalRuntime({ dataDir, basePort: await freeBasePort() });
  const { endpoints, region, credentials } = runtime.endpoints;
  sfn = new SFNClient({ endpoint: endpoints.stepfunctions, region, credentials });
}, 120_000);

afterAll(async () => {
  sfn?.destroy();
  await runtime?.stop();
  vi.restoreAllMocks();
  rmSync(dataDir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCliCaptured([...args, '--data-dir', dataDir]);

describe('an approval whose execution was stopped', () => {
  it('refuses the emailed link on GET and POST, records one refusal, decides nothing, and leaves the approvals list', async () => {
    const stateMachineArn = runtime.endpoints.resources.stateMachines['invoice-approval']!;
    const input = readFileSync(join(EXAMPLES_FOLDER, 'invoice-large.json'), 'utf8');
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: NAME, input }));
    const url = await waitForApprovalLink(runtime.endpoints.endpoints.inbox, ID, Date.now() + 60_000);

    // Waiting, and listed. The gate's own audit (the execution stream's ApprovalRequested, which the
    // list reads) is appended when request-approval returns, a moment after the email went out: waited for.
    const deadline = Date.now() + 60_000;
    let listed: string[] = [];
    for (;;) {
      const before = await cli('approvals', '--json');
      expect(before.code, before.stderr).toBe(0);
      listed = (JSON.parse(before.stdout) as { approvalId: string }[]).map((a) => a.approvalId);
      if (listed.length > 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(listed).toEqual([`${ID}-1`]);

    await sfn.send(new StopExecutionCommand({ executionArn }));
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn, includedData: 'METADATA_ONLY' }))).status).toBe('ABORTED');

    const shown = await fetch(url);
    const shownPage = await shown.text();
    expect(shown.status).toBe(410);
    expect(shown.headers.get('cache-control')).toBe('no-store');
    expect(shown.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(shownPage).toContain('This request can no longer be decided: the execution ended ABORTED.');
    expect(shownPage).not.toContain('<form');

    for (const decision of ['approve', 'approve', 'reject', 'approve']) {
      const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `decision=${decision}` });
      expect(answer.status).toBe(410);
      expect(answer.headers.get('referrer-policy')).toBe('no-referrer');
      expect(await answer.text()).toContain('the execution ended ABORTED');
    }

    // The record: one refusal on the approval stream, no decision; Step Functions says how it ended.
    const status = await cli('status', NAME, '--json');
    expect(status.code, status.stderr).toBe(0);
    const doc = JSON.parse(status.stdout) as {
      execution: { status: string };
      history: { stream: string; state: string; verified: boolean; events: { type: string; actor: string; data: Record<string, unknown>; sealed: boolean }[] }[];
    };
    expect(doc.execution.status).toBe('ABORTED');
    const approval = doc.history.find((h) => h.stream === `approval#${ID}-1`)!;
    expect(approval).toMatchObject({ state: 'pending', verified: true });
    const refusals = approval.events.filter((e) => e.type === 'ApprovalAttemptRefused');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({
      type: 'ApprovalAttemptRefused',
      actor: 'step:approval-page',
      data: { approvalId: `${ID}-1`, executionId: ID, reason: 'execution-not-running', executionStatus: 'ABORTED' },
      sealed: false,
    });
    expect(approval.events.map((e) => e.type)).not.toContain('ApprovalDecided');

    // No longer listed: nothing can resume it; the note says why.
    const after = await cli('approvals', '--json');
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout)).toEqual([]);
    expect(after.err).toEqual([
      `wardflow: 1 approval left out because its execution ended: ${ID}-1 (execution ${ID} ABORTED). \`wardflow status <execution>\` shows its history.`,
    ]);
  }, 120_000);
});
