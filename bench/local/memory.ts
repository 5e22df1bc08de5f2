/** The process's memory after a full garbage collection, in MiB. */
export interface MemoryReading {
  rssMiB: number;
  heapUsedMiB: number;
  /** Memory outside the JavaScript heap that V8 knows of (Buffers among it). */
  externalMiB: number;
  /** False when the process was started without --expose-gc: the numbers then include garbage. */
  afterGc: boolean;
}

const MIB = 2 ** 20;

/**
 * Collects garbage (twice: the first pass may leave finalized objects for the second) and reads
 * `process.memoryUsage()`. Needs `node --expose-gc`, which `npm run bench:local` passes.
 *
 * @example
 * memoryAfterGc(); // { rssMiB: 412.3, heapUsedMiB: 180.2, afterGc: true }
 */
export function memoryAfterGc(): MemoryReading {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rssMiB: rss / MIB, heapUsedMiB: heapUsed / MIB, externalMiB: external / MIB, afterGc: gc !== undefined };
}
