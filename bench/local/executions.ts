import { performance } from 'node:perf_hooks';
import type { LocalEngine } from '../../lib/local/runtime/engine/engine.js';

/** The longest one execution is waited for before it counts as not ended (RUNNING). */
const END_WITHIN_MS = 10 * 60_000;

/** How a batch of executions ended. */
export interface ExecutionTally {
  /** Executions started (and waited for). */
  count: number;
  succeeded: number;
  /** Every other ending, by status (RUNNING: not ended within END_WITHIN_MS). */
  other: Record<string, number>;
  ms: number;
}

export interface ExecutionLoad {
  engine: LocalEngine;
  stateMachineArn: string;
  input: string;
  /** Names the i-th execution; names must be unique in the runtime. */
  name: (index: number) => string;
  /** Executions in flight at once: a new one starts as soon as one ends (a closed loop). */
  concurrency: number;
  /** Told after each execution ends, with how many have ended so far. */
  onEnded?: (ended: number) => void;
}

/**
 * Runs `count` executions through the in-process engine, `concurrency` at a time, each waited
 * for with `engine.waitUntilEnded` (woken by its end: no polling).
 *
 * @example
 * const tally = await runExecutions({ engine, stateMachineArn, input, name: (i) => `run-${i}`, concurrency: 40 }, 1000);
 */
export async function runExecutions(load: ExecutionLoad, count: number): Promise<ExecutionTally> {
  let next = 0;
  return runWhile(load, () => (next < count ? next++ : undefined));
}

/**
 * Keeps `concurrency` executions in flight until `stop()` is called, then waits for those in
 * flight: background load while something else is measured.
 *
 * @example
 * const load = startLoad({ engine, stateMachineArn, input, name: (i) => `load-${i}`, concurrency: 40 });
 * await measureSomething();
 * const tally = await load.stop();
 */
export function startLoad(load: ExecutionLoad): { steady: Promise<void>; stop(): Promise<ExecutionTally> } {
  let next = 0;
  let stopping = false;
  let steadyNow!: () => void;
  const steady = new Promise<void>((resolve) => {
    steadyNow = resolve;
  });
  const onEnded = (ended: number) => {
    if (ended >= load.concurrency) steadyNow();
    load.onEnded?.(ended);
  };
  const running = runWhile({ ...load, onEnded }, () => (stopping ? undefined : next++));
  void running.finally(steadyNow);
  return {
    /** Resolves once the first `concurrency` executions have ended: every one in flight now started in the loop. */
    steady,
    stop: () => {
      stopping = true;
      return running;
    },
  };
}

/** The closed loop: each worker starts the next execution (its index from `take`) once its last one ended. */
async function runWhile(load: ExecutionLoad, take: () => number | undefined): Promise<ExecutionTally> {
  const tally: ExecutionTally = { count: 0, succeeded: 0, other: {}, ms: 0 };
  const t0 = performance.now();
  const worker = async () => {
    for (let index = take(); index !== undefined; index = take()) {
      const status = await runOne(load, index);
      tally.count += 1;
      if (status === 'SUCCEEDED') tally.succeeded += 1;
      else tally.other[status] = (tally.other[status] ?? 0) + 1;
      load.onEnded?.(tally.count);
    }
  };
  await Promise.all(Array.from({ length: load.concurrency }, worker));
  tally.ms = performance.now() - t0;
  return tally;
}

async function runOne(load: ExecutionLoad, index: number): Promise<string> {
  const { executionArn } = await load.engine.startExecution({ stateMachineArn: load.stateMachineArn, name: load.name(index), input: load.input });
  const { status } = await load.engine.waitUntilEnded(executionArn, END_WITHIN_MS);
  return status;
}
