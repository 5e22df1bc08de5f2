import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { LatencySummary } from './stats.js';

/** Samples every 10 ms: fine enough for delays of tens of milliseconds, too coarse to cost anything. */
const RESOLUTION_MS = 10;

/**
 * Runs `work` while Node's event-loop delay histogram records how late the loop ran its timers:
 * everything in the runtime (handlers, dynalite, the servers, the engine) shares this one loop,
 * so under load a request waits this long before any of its code runs. Milliseconds.
 *
 * @example
 * const { result, delay } = await withEventLoopDelay(() => approveAll());
 */
export async function withEventLoopDelay<T>(work: () => Promise<T>): Promise<{ result: T; delay: LatencySummary }> {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  try {
    const result = await work();
    // The histogram records each sample's whole interval; the delay is what exceeds the resolution.
    const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    return { result, delay: { n: histogram.count, p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) } };
  } finally {
    histogram.disable();
  }
}
