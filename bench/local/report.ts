import type { RequestShare } from './approvals.js';
import type { ExecutionTally } from './executions.js';
import type { RunResult } from './measured-run.js';
import type { RawPutResult } from './raw-puts.js';
import type { ReadyTimes } from './ready.js';
import type { LatencySummary } from './stats.js';

/** Approvals of one condition (at rest, under load), each latency from sending the POST. */
export interface ApprovalResults {
  approvals: number;
  /** Approvals whose POST was not answered 200 or whose execution did not succeed. */
  notApproved: number;
  resumeMs: LatencySummary;
  answeredMs: LatencySummary;
  succeededMs: LatencySummary;
  /** How late the event loop ran while these approvals were timed (n: samples). */
  eventLoopDelayMs: LatencySummary;
}

/** Everything `npm run bench:local` prints; `--json` prints this object. */
export interface LocalBenchResults {
  machine: { node: string; cpu: string; cores: number; loadAverageAtStart: number[]; loadAverageAtEnd: number[] };
  command: string;
  readyMs: ReadyTimes;
  warmup: ExecutionTally;
  approvals: {
    atRest: ApprovalResults;
    underLoad: ApprovalResults & { load: ExecutionTally & { executionsPerSecond: number } };
    /** At rest: what the local services were asked between POST and resume, per approval. */
    atRestRequests: { shares: RequestShare[]; coveredMsPerApproval: number; resumeMsPerApproval: number };
  };
  rawPuts: RawPutResult;
  /** Executions the runtime ran before the measured run (warm-up, approvals, load). */
  executionsBeforeRun: number;
  run: RunResult & {
    eventsPerExecution: number;
    requestsPerExecution: { total: number; byOperation: Record<string, number>; failed: number; failedByOperation: Record<string, number> };
    eventsOverRawPuts: number;
  };
}

const n0 = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en') : 'n/a');
const n1 = (value: number) => (Number.isFinite(value) ? value.toLocaleString('en', { minimumFractionDigits: 1, maximumFractionDigits: 1 }) : 'n/a');
const n2 = (value: number) => (Number.isFinite(value) ? value.toFixed(2) : 'n/a');
const row = (label: string, value: string) => `  ${label.padEnd(58)} ${value}`;
const latency = (s: LatencySummary) => `p50 ${n0(s.p50)} ms, p99 ${n0(s.p99)} ms, max ${n0(s.max)} ms (${s.n} approvals)`;
const delay = (s: LatencySummary) => `p50 ${n1(s.p50)} ms, p99 ${n1(s.p99)} ms, max ${n0(s.max)} ms`;
const tally = (t: ExecutionTally) => {
  const other = Object.entries(t.other).map(([status, count]) => `${count} ${status}`);
  return `${n0(t.count)} executions (${n0(t.succeeded)} SUCCEEDED${other.length > 0 ? `, ${other.join(', ')}` : ''})`;
};
const operations = (byOperation: Record<string, number>) =>
  Object.entries(byOperation)
    .sort(([, a], [, b]) => b - a)
    .map(([name, count]) => `${name} ${n2(count)}`)
    .join(', ') || 'none';

/** The human-readable table, one line each. */
export function formatReport(r: LocalBenchResults): string[] {
  const { run, approvals, rawPuts } = r;
  const warm = [...r.readyMs.warmMs].sort((a, b) => a - b);
  const lines = [
    '',
    `local runtime, node ${r.machine.node}, ${r.machine.cpu}, ${r.machine.cores} cores; load average ${r.machine.loadAverageAtStart.map(n2).join(' ')} at start, ${r.machine.loadAverageAtEnd.map(n2).join(' ')} at end`,
    `command: ${r.command}`,
    '',
    row('ready, first start in the process (cold)', `${n0(r.readyMs.coldMs)} ms`),
    row('ready, later starts (warm, fresh folder)', warm.length === 0 ? 'n/a (--starts 1)' : `median ${n0(warm[Math.floor(warm.length / 2)]!)} ms (${warm.map(n0).join(', ')})`),
    row('warm-up, auto-approved invoices', tally(r.warmup)),
    '',
    `throughput: auto-approved invoices in process, ${n0(run.executions.count)} after the warm-up`,
    row('executions', `${n1(run.executionsPerSecond)} executions/s (${tally(run.executions)} in ${n1(run.ms / 1000)} s)`),
    row('events appended (PutItem answered without error)', `${n1(run.eventsPerSecond)} events/s (${n0(run.events)} events, ${n2(run.eventsPerExecution)} per execution)`),
    row(`raw conditional PutItem, ${rawPuts.clients} clients, ${n0(rawPuts.itemBytes)} B items`, `${n1(rawPuts.perSecond)} PutItem/s (${n0(rawPuts.puts)} puts, ${rawPuts.failed} failed)`),
    row('events/s ÷ raw PutItem/s', n2(run.eventsOverRawPuts)),
    row('DynamoDB requests per execution', `${n2(run.requestsPerExecution.total)}: ${operations(run.requestsPerExecution.byOperation)}`),
    row('  of which failed (refused conditions, ...)', `${n2(run.requestsPerExecution.failed)}: ${operations(run.requestsPerExecution.failedByOperation)}`),
    row('stretches between checkpoints', run.stretches.map((s) => `${n0(s.from)}-${n0(s.to)}: ${n1(s.executionsPerSecond)}/s`).join('; ')),
    '',
    `approve to resume: large invoices waiting at the gate, approved one at a time, timed from sending the POST (after a GET);`,
    `  at rest each waits for the previous execution's end, under load only for its resume and answer`,
    row('to the gate task resumed, at rest', latency(approvals.atRest.resumeMs)),
    row(`to the gate task resumed, under load`, latency(approvals.underLoad.resumeMs)),
    row('to the POST answered, at rest', latency(approvals.atRest.answeredMs)),
    row('to the POST answered, under load', latency(approvals.underLoad.answeredMs)),
    row('to the execution SUCCEEDED, at rest', latency(approvals.atRest.succeededMs)),
    row('to the execution SUCCEEDED, under load', latency(approvals.underLoad.succeededMs)),
    row('event-loop delay while timing, at rest', delay(approvals.atRest.eventLoopDelayMs)),
    row('event-loop delay while timing, under load', delay(approvals.underLoad.eventLoopDelayMs)),
    row('the load meanwhile', `${n1(approvals.underLoad.load.executionsPerSecond)} executions/s (${tally(approvals.underLoad.load)})`),
    row('approvals not approved (POST not 200 or not SUCCEEDED)', `${approvals.atRest.notApproved} at rest, ${approvals.underLoad.notApproved} under load`),
    row(
      'at rest, POST to resume spent in local services (union)',
      `${n1(approvals.atRestRequests.coveredMsPerApproval)} ms of ${n1(approvals.atRestRequests.resumeMsPerApproval)} ms per approval`,
    ),
    ...approvals.atRestRequests.shares.map((s) => row(`  ${s.name}`, `${n2(s.perApproval)} requests, ${n1(s.msPerApproval)} ms per approval`)),
    '',
    'audit archive: from the last append to runtime.auditStream.flush() resolving (every event archived)',
    ...run.archiveLag.map((lag) =>
      row(
        `after ${n0(lag.executions)} executions`,
        `lag ${n0(lag.lagMs)} ms; backlog ${n0(lag.backlogEvents)} events archived in ${n0(lag.flushMs)} ms; archiver ${n1(lag.archivedPerSecond)} events/s over the stretch (${n0(lag.archivedEvents)} events)`,
      ),
    ),
    '',
    `memory after a GC${run.memory.every((m) => m.afterGc) ? '' : ' (NO GC: run without --expose-gc, numbers include garbage)'}; ${n0(r.executionsBeforeRun)} executions ran before the run`,
    ...run.memory.map((m) => row(`after ${n0(m.executions)} executions of the run`, `rss ${n0(m.rssMiB)} MiB, heap used ${n0(m.heapUsedMiB)} MiB, external ${n0(m.externalMiB)} MiB`)),
  ];
  if (run.extra !== undefined) lines.push(row('executions past the run, for memory only', tally(run.extra)));
  return lines;
}
