import { performance } from 'node:perf_hooks';
import { countDynamoDbRequests, type DynamoDbRequestCounts } from '../../lib/local/runtime/services/dynamodb-request-counter.js';
import type { LocalRuntime } from '../../lib/local/runtime/app/runtime.js';
import { type ArchiveLag, archiveLag, type ArchiveWatch, markArchive } from './archive-watch.js';
import { type ExecutionLoad, type ExecutionTally, runExecutions } from './executions.js';
import { memoryAfterGc, type MemoryReading } from './memory.js';
import { perSecond } from './stats.js';

/** How often the run says how far it is. */
const PROGRESS_EVERY_MS = 5_000;

export interface RunPlan {
  /** Executions measured for throughput and requests. */
  executions: number;
  /** Run sizes after which the archive's lag is measured. */
  lagAt: readonly number[];
  /** Run sizes after which RSS is read (the last may be past `executions`). */
  rssAt: readonly number[];
}

export interface RunResult {
  executions: ExecutionTally;
  /** Time spent running executions, without the pauses at the checkpoints (flush, GC). */
  ms: number;
  executionsPerSecond: number;
  /** Events appended: PutItem requests the DynamoDB server answered without error. */
  events: number;
  eventsPerSecond: number;
  /** Every request the DynamoDB server answered during the run: handlers, event store and audit stream. */
  requests: DynamoDbRequestCounts;
  /** Executions per second over each stretch between checkpoints. */
  stretches: Array<{ from: number; to: number; executionsPerSecond: number }>;
  archiveLag: Array<{ executions: number } & ArchiveLag>;
  memory: Array<{ executions: number } & MemoryReading>;
  /** Executions run past `executions` for the last RSS reading. */
  extra?: ExecutionTally;
}

/**
 * The measured run: auto-approved executions in a closed loop, stopping at each checkpoint to
 * let the archive catch up (its lag) and to read memory after a GC, then going on. Throughput
 * and requests count the first `plan.executions`; the run may go on past them for RSS only.
 *
 * @example
 * const result = await measuredRun(runtime, load, watch, { executions: 10000, lagAt: [1000, 10000], rssAt: [1000, 10000, 20000] }, console.error);
 */
export async function measuredRun(runtime: LocalRuntime, load: ExecutionLoad, watch: ArchiveWatch, plan: RunPlan, progress: (line: string) => void): Promise<RunResult> {
  const checkpoints = [...new Set([...plan.lagAt, ...plan.rssAt, plan.executions])].sort((a, b) => a - b);
  const last = checkpoints.at(-1)!;
  await runtime.auditStream.flush(); // nothing left over from before: the first stretch's lag is its own
  const counter = countDynamoDbRequests(Number(new URL(runtime.endpoints.endpoints.dynamodb).port));
  const result: RunResult = {
    executions: { count: 0, succeeded: 0, other: {}, ms: 0 },
    ms: 0,
    executionsPerSecond: Number.NaN,
    events: 0,
    eventsPerSecond: Number.NaN,
    requests: counter.counts(),
    stretches: [],
    archiveLag: [],
    memory: [],
  };
  let done = 0;
  let extra: ExecutionTally | undefined;
  const say = reporter(last, progress);
  for (const checkpoint of checkpoints) {
    const mark = markArchive(watch);
    const from = done;
    const tally = await runExecutions({ ...load, name: (i) => load.name(from + i), onEnded: (n) => say(from + n) }, checkpoint - from);
    done = checkpoint;
    result.stretches.push({ from, to: checkpoint, executionsPerSecond: perSecond(tally.count, tally.ms) });
    if (checkpoint <= plan.executions) add(result.executions, tally);
    else extra = add(extra ?? { count: 0, succeeded: 0, other: {}, ms: 0 }, tally);
    if (plan.lagAt.includes(checkpoint)) {
      progress(`  ${checkpoint.toLocaleString('en')} executions: waiting for the archive ...`);
      result.archiveLag.push({ executions: checkpoint, ...(await archiveLag(runtime.auditStream, watch, mark)) });
    }
    // After the archive's catch-up: its reads of the run's events count too.
    if (checkpoint === plan.executions) {
      counter.stop();
      result.requests = counter.counts();
    }
    if (plan.rssAt.includes(checkpoint)) result.memory.push({ executions: checkpoint, ...memoryAfterGc() });
  }
  counter.stop();
  result.ms = result.executions.ms;
  result.executionsPerSecond = perSecond(result.executions.count, result.ms);
  const { byOperation, failedByOperation } = result.requests;
  result.events = (byOperation.PutItem ?? 0) - (failedByOperation.PutItem ?? 0);
  result.eventsPerSecond = perSecond(result.events, result.ms);
  if (extra !== undefined) result.extra = extra;
  return result;
}

function add(into: ExecutionTally, tally: ExecutionTally): ExecutionTally {
  into.count += tally.count;
  into.succeeded += tally.succeeded;
  into.ms += tally.ms;
  for (const [status, n] of Object.entries(tally.other)) into.other[status] = (into.other[status] ?? 0) + n;
  return into;
}

/** A progress line at most every PROGRESS_EVERY_MS, from the executions' own ends (no timer). */
function reporter(total: number, progress: (line: string) => void): (done: number) => void {
  let lastAt = performance.now();
  let lastDone = 0;
  return (done) => {
    const now = performance.now();
    if (now - lastAt < PROGRESS_EVERY_MS && done < total) return;
    const rss = process.memoryUsage().rss / 2 ** 20;
    progress(`  ${done.toLocaleString('en')} of ${total.toLocaleString('en')} executions, ${perSecond(done - lastDone, now - lastAt).toFixed(1)}/s lately, rss ${rss.toFixed(0)} MiB`);
    lastAt = now;
    lastDone = done;
  };
}
