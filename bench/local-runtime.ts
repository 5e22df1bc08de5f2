/**
 * `npm run bench:local`: how fast the embedded local runtime is, on this machine. Prints
 * numbers (table, or `--json`) and exits 0; it judges nothing. About a minute on 2 cores.
 *
 * - ready: from startLocalRuntime() to every server listening and endpoints.json written, in a
 *   fresh data folder, including the in-process synth: the first start of the process (cold:
 *   modules load, as for `npm start`) and the median of the next ones (warm);
 * - first approval email: StartExecution of the large example to its email in the inbox's API;
 * - decision to end: the POST on the approval page to the execution SUCCEEDED;
 * - auto-approved invoices: N small-invoice executions started at once through the Step
 *   Functions API, each through all seven steps with sealing and hash chain, to all SUCCEEDED.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { EXAMPLES_FOLDER } from '../lib/local/runtime/examples.js';
import { freeBasePort } from '../lib/local/runtime/free-ports.js';
import { followApprovalLink, waitForApprovalLink, waitForExecutionEnd } from '../lib/local/runtime/inbox-client.js';
import { startLocalRuntime, type LocalRuntime } from '../lib/local/runtime/runtime.js';
import { divertProcessOutput } from '../lib/local/runtime/step-log.js';

const json = process.argv.includes('--json');
const STARTS = 3;
const APPROVALS = 5;
const BATCH = 40;
const scratch = mkdtempSync(join(tmpdir(), 'wardflow-bench-local-'));
// The handlers log every step; the numbers are what this script prints.
const print = divertProcessOutput(join(scratch, 'steps.log'));
const progress = (line: string) => print(json ? '' : line);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const input = (file: string) => readFileSync(join(EXAMPLES_FOLDER, file), 'utf8');

async function fresh(): Promise<{ runtime: LocalRuntime; ms: number }> {
  const dataDir = mkdtempSync(join(scratch, 'data-'));
  const basePort = await freeBasePort();
  const t0 = performance.now();
  const runtime = await startLocalRuntime({ dataDir, basePort });
  return { runtime, ms: performance.now() - t0 };
}

const readyMs: number[] = [];
for (let i = 0; i < STARTS; i++) {
  progress(`start ${i + 1} of ${STARTS} ...`);
  const { runtime, ms } = await fresh();
  readyMs.push(ms);
  if (i < STARTS - 1) await runtime.stop();
  else {
    const { endpoints, region, credentials, resources } = runtime.endpoints;
    const sfn = new SFNClient({ endpoint: endpoints.stepfunctions, region, credentials });
    const stateMachineArn = resources.stateMachines['invoice-approval']!;

    const emailMs: number[] = [];
    const decisionMs: number[] = [];
    for (let n = 0; n < APPROVALS; n++) {
      progress(`approval ${n + 1} of ${APPROVALS} ...`);
      const name = `bench-large-${n}`;
      const t0 = performance.now();
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: input('invoice-large.json') }));
      const link = await waitForApprovalLink(endpoints.inbox, name, Date.now() + 60_000);
      emailMs.push(performance.now() - t0);
      const t1 = performance.now();
      await followApprovalLink(link, 'approve');
      const status = await waitForExecutionEnd(sfn, executionArn!, Number.POSITIVE_INFINITY, 20);
      if (status !== 'SUCCEEDED') throw new Error(`${name} ended ${status}`);
      decisionMs.push(performance.now() - t1);
    }

    progress(`${BATCH} auto-approved invoices at once ...`);
    const t2 = performance.now();
    const arns = await Promise.all(
      Array.from({ length: BATCH }, async (_, n) => {
        const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: `bench-small-${n}`, input: input('invoice-small.json') }));
        return executionArn!;
      }),
    );
    const statuses = await Promise.all(arns.map((arn) => waitForExecutionEnd(sfn, arn, Number.POSITIVE_INFINITY, 20)));
    const batchSeconds = (performance.now() - t2) / 1000;
    if (statuses.some((s) => s !== 'SUCCEEDED')) throw new Error(`not every auto-approved invoice succeeded: ${statuses.join(',')}`);
    sfn.destroy();
    await runtime.stop();

    const results = {
      node: process.version,
      readyMs: { cold: readyMs[0]!, warmMedian: median(readyMs.slice(1)), all: readyMs.map(Math.round) },
      firstApprovalEmailMs: { median: median(emailMs), all: emailMs.map(Math.round) },
      decisionToSucceededMs: { median: median(decisionMs), all: decisionMs.map(Math.round) },
      autoApproved: { executions: BATCH, seconds: batchSeconds, perSecond: BATCH / batchSeconds },
    };
    if (json) print(JSON.stringify(results, null, 2));
    else {
      print('');
      print(`local runtime, node ${process.version}`);
      print(`ready, first start in the process (cold)   ${results.readyMs.cold.toFixed(0)} ms`);
      print(`ready, later starts (warm, fresh folder)   median ${results.readyMs.warmMedian.toFixed(0)} ms   (${results.readyMs.all.slice(1).join(', ')})`);
      print(`start to approval email in the inbox       median ${results.firstApprovalEmailMs.median.toFixed(0)} ms   (${results.firstApprovalEmailMs.all.join(', ')})`);
      print(`approve click to execution SUCCEEDED       median ${results.decisionToSucceededMs.median.toFixed(0)} ms   (${results.decisionToSucceededMs.all.join(', ')})`);
      print(`auto-approved invoices, ${BATCH} at once        ${results.autoApproved.perSecond.toFixed(1)} executions/s (${batchSeconds.toFixed(2)} s in all)`);
    }
  }
}
rmSync(scratch, { recursive: true, force: true });
process.exit(0);
