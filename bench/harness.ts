/**
 * A small benchmark harness: warm up, time a fixed number of operations 5 times, report the
 * median. Why not tinybench/vitest bench for everything: the event cases time one pass over a
 * fixed set of 100,000 events (a realistic archive), not an adaptive number of calls to one
 * tiny function, and one table of medians is easier to compare across machines.
 *
 * Numbers are printed, never asserted: timing depends on the machine.
 */

/** One benchmark: `setup` (untimed, once per repetition) returns the work to time, which does `n` operations. */
export interface BenchCase {
  name: string;
  /** Operations one call of the timed function performs (events hashed, appends made ...). */
  n: number;
  setup: () => Promise<() => unknown> | (() => unknown);
  /** Untimed warm-up repetitions before the timed ones. @default 1 */
  warmups?: number;
}

export interface BenchResult {
  name: string;
  n: number;
  /** Operations per second at the median repetition. */
  opsPerSecond: number;
  /** Milliseconds per operation at the median repetition. */
  msPerOp: number;
  /** Milliseconds of each timed repetition, in run order. */
  repetitionsMs: number[];
  /** (slowest - fastest) / median / 2, as a percentage: how much the repetitions spread. */
  spreadPercent: number;
}

export const REPETITIONS = 5;

/**
 * Runs one case: warm-ups, then `REPETITIONS` timed repetitions; the median is reported.
 *
 * @example
 * const result = await measure({ name: 'sha256', n: 1000, setup: () => () => { for (let i = 0; i < 1000; i++) hash('sha256', 'x'); } });
 * console.log(result.opsPerSecond);
 */
export async function measure(bench: BenchCase): Promise<BenchResult> {
  const warmups = bench.warmups ?? 1;
  for (let i = 0; i < warmups; i++) await (await bench.setup())();
  const repetitionsMs: number[] = [];
  for (let i = 0; i < REPETITIONS; i++) {
    const work = await bench.setup();
    collectGarbage(); // so one repetition does not pay for the previous one's garbage
    const start = process.hrtime.bigint();
    await work();
    repetitionsMs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const sorted = [...repetitionsMs].sort((a, b) => a - b);
  const medianMs = sorted[Math.floor(sorted.length / 2)] as number;
  const spread = ((sorted.at(-1) as number) - (sorted[0] as number)) / medianMs / 2;
  return {
    name: bench.name,
    n: bench.n,
    opsPerSecond: bench.n / (medianMs / 1000),
    msPerOp: medianMs / bench.n,
    repetitionsMs,
    spreadPercent: spread * 100,
  };
}

/** Runs V8's collector when node was started with --expose-gc (the bench script does). */
function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc === 'function') gc();
}
