/**
 * `npm run bench:local`: how fast the embedded local runtime is on this machine, warm, measured
 * in process. Prints numbers (table, or `--json`) and exits 0; it judges nothing. Progress goes
 * to stderr. `-- --help` lists the options; `-- --executions 300` is a quick look (a minute or
 * two), the defaults are issue 12's numbers (10,000 executions, RSS to 20,000: most of an hour on
 * 2 cores).
 *
 * In order, in one runtime (the last of `--starts` starts, each timed: ready cold and warm):
 * 1. warm-up: auto-approved invoices until every Lambda environment is loaded, untimed;
 * 2. approve to resume: large invoices wait at their gate; each is approved (GET, then the
 *    timed POST) one at a time, at rest, then with auto-approved invoices running meanwhile;
 * 3. raw conditional PutItem/s on the same dynalite, the floor under events/s;
 * 4. the measured run: auto-approved invoices through `engine.startExecution`, each waited for
 *    with `engine.waitUntilEnded`; executions/s, events/s, DynamoDB requests per execution; the
 *    archive's lag (`auditStream.flush()`) and RSS after a GC at the checkpoints.
 * Nothing polls on a timer: waits end on the engine's end of an execution, on the servers'
 * answers (diagnostics channels) or on a flush resolving.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { INVOICE_EXAMPLES as EXAMPLES_FOLDER } from '../test/support/examples.js';
import { registerAcme } from '../test/support/vendor-register.js';
import type { LocalRuntime } from '../lib/local/runtime/app/runtime.js';
import { divertProcessOutput, toTerminal } from '../lib/local/runtime/lambda/step-log.js';
import { traceRequests, watchResumes } from './local/approval-probe.js';
import { type ApprovalSample, approveInTurn, requestShares, startGated } from './local/approvals.js';
import { ArchiveWatch } from './local/archive-watch.js';
import { type ExecutionLoad, runExecutions, startLoad } from './local/executions.js';
import { measuredRun } from './local/measured-run.js';
import { type LocalBenchOptions, parseLocalBenchArgs, USAGE } from './local/options.js';
import { rawConditionalPuts } from './local/raw-puts.js';
import { startTimed } from './local/ready.js';
import { type ApprovalResults, formatReport, type LocalBenchResults } from './local/report.js';
import { withEventLoopDelay } from './local/event-loop.js';
import { type LatencySummary, perSecond, perUnit, summarize } from './local/stats.js';

const args = process.argv.slice(2);
if (args.includes('--help')) {
  toTerminal(USAGE);
  process.exit(0);
}
let options: LocalBenchOptions;
try {
  options = parseLocalBenchArgs(args);
} catch (error) {
  toTerminal((error as Error).message, 'stderr');
  process.exit(2);
}
const loadAverageAtStart = loadavg();
const scratch = mkdtempSync(join(tmpdir(), 'wardflow-bench-local-'));
// The handlers log every step (as under `npm start`, to a file); the terminal gets the numbers.
const print = divertProcessOutput(join(scratch, 'steps.log'));
const progress = (line: string) => toTerminal(line, 'stderr');
const input = (file: string) => readFileSync(join(EXAMPLES_FOLDER, file), 'utf8');

try {
  const { runtime, ready } = await startTimed(scratch, options.starts, progress);
  const results = await measure(runtime, options, ready);
  await runtime.stop();
  print(options.json ? JSON.stringify(results, null, 2) : formatReport(results).join('\n'));
} catch (error) {
  // stderr is diverted to the steps' log, which goes with the scratch folder: say it on the terminal.
  progress(`bench:local failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  if (options.keep) progress(`kept ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}
process.exit();

async function measure(runtime: LocalRuntime, options: LocalBenchOptions, ready: LocalBenchResults['readyMs']): Promise<LocalBenchResults> {
  const { endpoints, region, credentials, resources } = runtime.endpoints;
  const port = (url: string) => Number(new URL(url).port);
  const watch = ArchiveWatch.start({ dynamodb: port(endpoints.dynamodb), s3: port(endpoints.s3) });
  const small = (prefix: string): ExecutionLoad => ({
    engine: runtime.engine,
    stateMachineArn: resources.stateMachines['invoice-approval']!,
    input: input('invoice-small.json'),
    name: (i) => `bench-${prefix}-${i}`,
    concurrency: options.concurrency,
  });

  // The small invoice is auto-approved only once Acme's account is in the vendor register: one approved bank change, untimed.
  progress("vendor register: Acme's bank change, approved through its link ...");
  await registerAcme(runtime.endpoints, 'bench-register-acme');

  progress(`warm-up: ${options.warmup} auto-approved invoices, ${options.concurrency} in flight ...`);
  const warmup = await runExecutions(small('warmup'), options.warmup);

  const approvals = await measureApprovals(runtime, options, small('load'));

  progress(`raw conditional PutItem: ${options.puts} puts from ${options.concurrency} clients ...`);
  const rawPuts = await rawConditionalPuts(
    { url: endpoints.dynamodb, region, credentials, eventsTable: resources.eventsTable },
    { puts: options.puts, clients: options.concurrency },
  );

  const executionsBeforeRun = 1 + warmup.count + 2 * options.approvals + approvals.underLoad.load.count + approvals.warmupApprovals;
  progress(`run: ${options.executions} auto-approved invoices; archive lag at ${options.lagAt.join(', ')}; RSS at ${options.rssAt.join(', ')} ...`);
  const run = await measuredRun(runtime, small('run'), watch, { executions: options.executions, lagAt: options.lagAt, rssAt: options.rssAt }, progress);
  watch.stop();

  const requests = run.requests;
  return {
    machine: { node: process.version, cpu: cpus()[0]?.model.trim() ?? 'unknown', cores: availableParallelism(), loadAverageAtStart, loadAverageAtEnd: loadavg() },
    command: `npm run bench:local${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`,
    readyMs: ready,
    warmup,
    approvals: { atRest: approvals.atRest, underLoad: approvals.underLoad, atRestRequests: approvals.atRestRequests },
    rawPuts,
    executionsBeforeRun,
    run: {
      ...run,
      eventsPerExecution: run.events / run.executions.count,
      requestsPerExecution: {
        total: requests.total / run.executions.count,
        byOperation: perUnit(requests.byOperation, run.executions.count),
        failed: requests.failed / run.executions.count,
        failedByOperation: perUnit(requests.failedByOperation, run.executions.count),
      },
      eventsOverRawPuts: run.eventsPerSecond / rawPuts.perSecond,
    },
  };
}

/** Approve to resume, at rest and under load, after two untimed approvals warm the approval page. */
async function measureApprovals(runtime: LocalRuntime, options: LocalBenchOptions, load: ExecutionLoad) {
  const { endpoints, resources } = runtime.endpoints;
  const port = (url: string) => Number(new URL(url).port);
  const large = { engine: runtime.engine, stateMachineArn: resources.stateMachines['invoice-approval']!, input: input('invoice-large.json'), inboxUrl: endpoints.inbox };
  const names = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `bench-${prefix}-${i}`);
  const resumes = watchResumes(runtime.engine.tokens);
  const warmupApprovals = 2;
  try {
    progress(`approvals: ${2 * options.approvals + warmupApprovals} large invoices to their gates ...`);
    const [warm, atRest, underLoad] = await Promise.all([
      startGated(large, names('gate-warmup', warmupApprovals)),
      startGated(large, names('gate-rest', options.approvals)),
      startGated(large, names('gate-load', options.approvals)),
    ]);
    await approveInTurn(warm, { engine: runtime.engine, resumes }, { waitForEnds: true });

    progress(`approvals: ${options.approvals} at rest, one at a time ...`);
    const trace = traceRequests({
      [port(endpoints.dynamodb)]: 'dynamodb',
      [port(endpoints.s3)]: 's3',
      [port(endpoints.sesv2)]: 'ses',
      [port(endpoints.stepfunctions)]: 'aws',
    });
    const rest = await withEventLoopDelay(() => approveInTurn(atRest, { engine: runtime.engine, resumes, trace }, { waitForEnds: true }));
    trace.stop();

    progress(`approvals: ${options.approvals} under load (${options.concurrency} auto-approved invoices in flight) ...`);
    const background = startLoad(load);
    await background.steady;
    const loaded = await withEventLoopDelay(() => approveInTurn(underLoad, { engine: runtime.engine, resumes }, { waitForEnds: false }));
    const loadTally = await background.stop();
    return {
      warmupApprovals,
      atRest: approvalResults(rest.result, rest.delay),
      underLoad: { ...approvalResults(loaded.result, loaded.delay), load: { ...loadTally, executionsPerSecond: perSecond(loadTally.count, loadTally.ms) } },
      atRestRequests: requestShares(rest.result),
    };
  } finally {
    resumes.stop();
  }
}

function approvalResults(samples: readonly ApprovalSample[], eventLoopDelayMs: LatencySummary): ApprovalResults {
  const approved = samples.filter((s) => s.postStatus === 200 && s.ended === 'SUCCEEDED');
  return {
    approvals: samples.length,
    notApproved: samples.length - approved.length,
    resumeMs: summarize(approved.map((s) => s.resumeMs)),
    answeredMs: summarize(approved.map((s) => s.answeredMs)),
    succeededMs: summarize(approved.map((s) => s.succeededMs)),
    eventLoopDelayMs,
  };
}
