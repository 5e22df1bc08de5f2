import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand, type ExecutionListItem } from '@aws-sdk/client-sfn';
import { executionIdOfApproval } from '../../functions/shared/approvals/approval-id.js';
import { splitExecutionId } from '../../functions/shared/events/execution-id.js';
import { approvalLinks, followApprovalLink, type ApprovalLink } from '../../lib/local/runtime/services/inbox-client.js';
import { INVOICE_EXAMPLES as EXAMPLES_FOLDER } from '../support/examples.js';
import { eventually, runCliProcess, stepLog, runtimesOfThisFile, type RuntimeProcess } from '../support/local-runtime.js';

/**
 * Issue 12's "Done when": kill -9 of `wardflow dev` with 1,000 approvals pending, then a restart.
 * Every execution must still wait, `approvals` must list all of them, each link emailed before
 * the kill must still approve, and no execution may end FailureNotRecorded. Before the bounded
 * resume queue, all 1,000 resumed gates ran at once and every one ended Sandbox.Timedout or
 * FailureNotRecorded. WARDFLOW_RESTART_SCALE sets another count (the default is the issue's).
 */
const PENDING = Number(process.env.WARDFLOW_RESTART_SCALE ?? 1000);
const runtime = runtimesOfThisFile();
const LARGE = readFileSync(join(EXAMPLES_FOLDER, 'invoice-large.json'), 'utf8');
/** How long each phase may take on a loaded 2-core machine; each waits for its signal, not for this. */
const PHASE_MS = 15 * 60_000;

function sfnOf(r: RuntimeProcess): SFNClient {
  const { endpoints, region, credentials } = r.endpoints;
  return new SFNClient({ endpoint: endpoints.stepfunctions, region, credentials });
}

async function listAll(r: RuntimeProcess): Promise<ExecutionListItem[]> {
  const sfn = sfnOf(r);
  const stateMachineArn = r.endpoints.resources.stateMachines['invoice-approval']!;
  const all: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) }));
    all.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return all;
}

/** Runs `work` over `items`, `width` at a time. */
async function inTurn<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!);
      }
    }),
  );
  return results;
}

/** The first link emailed for each approval, by execution name. */
function firstLinks(links: readonly ApprovalLink[]): Map<string, ApprovalLink> {
  const first = new Map<string, ApprovalLink>();
  for (const link of links) {
    // `<workflow>:<name>-<gate>`: the execution name, as the test started it.
    const execution = splitExecutionId(executionIdOfApproval(link.approvalId)).name;
    if (!first.has(execution)) first.set(execution, link);
  }
  return first;
}

describe(`a restart with ${PENDING} approvals pending`, { timeout: 4 * PHASE_MS }, () => {
  it('keeps every execution waiting, lists them all, and each link emailed before the kill still approves', async () => {
    const before = await runtime({ examples: false });
    const sfn = sfnOf(before);
    const stateMachineArn = before.endpoints.resources.stateMachines['invoice-approval']!;
    const names = Array.from({ length: PENDING }, (_, n) => `pending-${String(n).padStart(4, '0')}`);
    // Started a hundred at a time, each hundred waiting at its gate before the next: the subject is
    // the restart, not a thousand extractions at once on a loaded 2-core machine.
    let emailed = new Map<string, ApprovalLink>();
    for (let from = 0; from < PENDING; from += 100) {
      const batch = names.slice(from, from + 100);
      await inTurn(batch, 25, (name) => sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: LARGE })));
      emailed = await eventually(
        async () => {
          const first = firstLinks(await approvalLinks(before.endpoints.endpoints.inbox));
          if (first.size >= from + batch.length) return first;
          // An execution that ended before its gate will never email: say so now, and why, not after the wait.
          const early = (await listAll(before)).filter((e) => e.status !== 'RUNNING');
          if (early.length > 0) {
            const { status, error } = await sfn.send(new DescribeExecutionCommand({ executionArn: early[0]!.executionArn }));
            throw new Error(`${early.length} executions ended before their gate, e.g. ${early[0]!.name} ${status} ${error ?? ''}`);
          }
          return undefined;
        },
        `the approval emails of executions ${from} to ${from + batch.length - 1}`,
        PHASE_MS,
      );
    }
    expect([...emailed.keys()].sort()).toEqual(names);

    expect(await before.stop('SIGKILL')).toBeNull();
    const after = await runtime({ dataDir: before.dataDir, basePort: before.basePort, examples: false });
    await eventually(() => (after.output().includes(`resumed all ${PENDING} interrupted execution(s)`) ? true : undefined), 'the resume queue to finish', PHASE_MS);

    const waiting = await listAll(after);
    expect(waiting).toHaveLength(PENDING);
    expect(waiting.filter((e) => e.status !== 'RUNNING')).toEqual([]);

    const approvals = runCliProcess(['approvals', '--json'], after.dataDir);
    expect(approvals.code, approvals.stderr).toBe(0);
    const listed = JSON.parse(approvals.stdout) as { approvals?: Array<{ approvalId: string }> } | Array<{ approvalId: string }>;
    const rows = Array.isArray(listed) ? listed : (listed.approvals ?? []);
    expect(new Set(rows.map((row) => row.approvalId)).size).toBe(PENDING);

    // The links emailed before the kill, followed as a browser does, a few approvers at a time.
    const answers = await inTurn([...emailed.values()], 8, (link) => followApprovalLink(link.url, 'approve'));
    expect(answers.filter((a) => a.status !== 200).map((a) => a.status)).toEqual([]);

    const ended = await eventually(
      async () => {
        const all = await listAll(after);
        return all.every((e) => e.status !== 'RUNNING') ? all : undefined;
      },
      `all ${PENDING} executions to end`,
      PHASE_MS,
    );
    expect(ended.filter((e) => e.status !== 'SUCCEEDED').map((e) => `${e.name}: ${e.status}`)).toEqual([]);
    expect(stepLog(after.dataDir)).not.toContain('FailureNotRecorded');
  });
});
