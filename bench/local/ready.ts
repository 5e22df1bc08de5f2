import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freeBasePort } from '../../lib/local/runtime/services/free-ports.js';
import { startLocalRuntime, type LocalRuntime } from '../../lib/local/runtime/app/runtime.js';

export interface ReadyTimes {
  /** The first start in the process: modules load and the synth runs, as in `npm start`. */
  coldMs: number;
  /** The later starts, each in a fresh data folder. */
  warmMs: number[];
}

/**
 * Starts the runtime `starts` times in fresh data folders under `scratch`, timing each start
 * from `startLocalRuntime()` to ready (every server listening, endpoints.json written), and
 * keeps the last one running for the rest of the benchmark.
 *
 * @example
 * const { runtime, ready } = await startTimed(scratch, 3, console.error);
 */
export async function startTimed(scratch: string, starts: number, progress: (line: string) => void): Promise<{ runtime: LocalRuntime; ready: ReadyTimes }> {
  const times: number[] = [];
  for (let i = 0; ; i++) {
    progress(`start ${i + 1} of ${starts} ...`);
    const dataDir = mkdtempSync(join(scratch, 'data-'));
    const basePort = await freeBasePort();
    const t0 = performance.now();
    const runtime = await startLocalRuntime({ dataDir, basePort });
    times.push(performance.now() - t0);
    if (i === starts - 1) return { runtime, ready: { coldMs: times[0]!, warmMs: times.slice(1) } };
    await runtime.stop();
  }
}
