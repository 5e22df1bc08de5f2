import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { qualifiedExecutionId } from '../../../../functions/shared/events/execution-id.js';
import { type Example, exampleKey, executionNameFor, loadWorkflowExamples, outcomeOf } from './examples.js';
import { freeBasePort } from '../services/free-ports.js';
import { localEventReader } from './event-reader.js';
import { followApprovalLink, VOTE_WAITS_FOR_OTHERS, waitForApprovalLinkOfAnother, waitForExecutionEnd } from '../services/inbox-client.js';
import { startLocalRuntime } from './runtime.js';
import { userInfo } from 'node:os';
import { localStarter, withStarter } from '../../../../functions/record-start/started-by.js';

export interface DemoRow {
  workflow: string;
  example: string;
  execution: string;
  approver: string;
  status: string;
  outcome: string;
  expected: string;
}

export interface DemoOptions {
  print?: (line: string) => void;
  /** Keep the temporary data folder (it is kept anyway when something did not end as expected). */
  keep?: boolean;
  /** How long every execution may take to end, in ms. @default 120000 */
  timeoutMs?: number;
  /** Where the handlers' own log lines go; the demo prints only its story. */
  stepLogFile?: (dataDir: string) => void;
}

/**
 * `npm run demo`: the whole story, non-interactive. Starts the runtime in a temporary data
 * folder on free ports, starts every workflow's examples through the Step Functions API, answers
 * each approval email the way expected.json says (reads the inbox's API, follows the link with
 * GET then POSTs the decision, like a browser), waits for every execution to end and returns
 * one row per example. The caller exits 0 only if every outcome is the expected one.
 */
export async function runDemo(options: DemoOptions = {}): Promise<{ rows: DemoRow[]; dataDir: string; ok: boolean }> {
  const print = options.print ?? (() => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'wardflow-demo-'));
  options.stepLogFile?.(dataDir);
  const runtime = await startLocalRuntime({ dataDir, basePort: await freeBasePort() });
  const { endpoints } = runtime;
  print(`local runtime up in ${dataDir} (inbox ${endpoints.endpoints.inbox})`);
  const sfn = new SFNClient({ endpoint: endpoints.endpoints.stepfunctions, region: endpoints.region, credentials: endpoints.credentials });
  const reader = localEventReader(endpoints);
  const machines = endpoints.resources.stateMachines;
  let ok = false;
  try {
    const examples = loadWorkflowExamples();
    const missing = examples.filter((example) => machines[example.workflow] === undefined).map((example) => example.workflow);
    if (missing.length > 0) throw new Error(`the local runtime has no state machine for ${[...new Set(missing)].join(', ')}`);
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    // Examples in `after` order: one that relies on another's outcome (an invoice on the bank
    // details a change example registers) starts once that one has ended; the rest start at once.
    const runs = new Map<string, Promise<{ example: Example; name: string; executionArn: string }>>();
    for (const example of examples) {
      const prerequisite = example.expected.after === undefined ? undefined : runs.get(example.expected.after)!;
      const run = (async () => {
        if (prerequisite !== undefined) {
          const before = await prerequisite;
          const status = await waitForExecutionEnd(sfn, before.executionArn, deadline);
          print(`${exampleKey(before.example)} ended (${status}); starting ${exampleKey(example)}, which runs after it`);
        }
        const stateMachineArn = machines[example.workflow]!;
        const name = executionNameFor(example);
        const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: withStarter(example.input, localStarter(userInfo)) }));
        print(`started ${exampleKey(example)} as ${name}`);
        if (example.expected.approver) await answerApproval(example, name, endpoints.endpoints.inbox, deadline, print);
        return { example, name, executionArn: executionArn! };
      })();
      // Settled here too, so a failure is reported once, by Promise.all below, not as unhandled.
      run.catch(() => undefined);
      runs.set(exampleKey(example), run);
    }
    const started = await Promise.all(runs.values());
    const rows: DemoRow[] = [];
    for (const run of started) {
      const status = await waitForExecutionEnd(sfn, run.executionArn, deadline);
      const outcome = outcomeOf(await reader.execution(qualifiedExecutionId(run.example.workflow, run.name)));
      rows.push({
        workflow: run.example.workflow,
        example: run.example.file,
        execution: run.name,
        approver: run.example.expected.approver ?? '-',
        status,
        outcome,
        expected: run.example.expected.outcome,
      });
    }
    ok = rows.every((row) => row.outcome === row.expected && row.status !== 'RUNNING');
    return { rows, dataDir, ok };
  } finally {
    sfn.destroy();
    reader.close();
    await runtime.stop();
    if (ok && !options.keep) rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Clicks the expected decision through the emailed links, one approver after another, for as long as
 * the page says the request waits for other approvers: a policy asks a quorum (2 of 3 vendor-master
 * approvers) or several levels (a manager, then finance directors), each person with their own link.
 */
async function answerApproval(example: Example, executionName: string, inbox: string, deadline: number, print: (line: string) => void): Promise<void> {
  const decision = example.expected.approver!;
  const executionId = qualifiedExecutionId(example.workflow, executionName);
  const answered = new Set<string>();
  for (;;) {
    const link = await waitForApprovalLinkOfAnother(inbox, executionId, answered, deadline);
    answered.add(link.recipient);
    print(`approval email for ${executionName} arrived (approver ${answered.size}); following its link and clicking "${decision}"`);
    const answer = await followApprovalLink(link.url, decision);
    print(`  the approval page answered ${answer.status} after the ${decision} click`);
    if (!answer.page.includes(VOTE_WAITS_FOR_OTHERS)) return;
  }
}

/** The demo's table, one line per example. */
export function formatDemoTable(rows: readonly DemoRow[]): string[] {
  const header: DemoRow = { workflow: 'workflow', example: 'example', execution: 'execution', approver: 'approver', status: 'status', outcome: 'outcome', expected: 'expected' };
  const all = [header, ...rows];
  const keys = Object.keys(header) as (keyof DemoRow)[];
  const widths = keys.map((key) => Math.max(...all.map((row) => row[key].length)));
  return all.map((row, i) =>
    [...keys.map((key, k) => row[key].padEnd(widths[k]!)), i === 0 ? '' : row.outcome === row.expected ? 'ok' : 'MISMATCH'].join('  ').trimEnd(),
  );
}
