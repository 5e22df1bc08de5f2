/** Latencies as the report gives them: how many, p50, p99 and the slowest, in milliseconds. */
export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * The nearest-rank percentile (the smallest value with at least `p`% of the values at or below
 * it): with 100 values p99 is the second slowest, with fewer than 100 it is the slowest.
 *
 * @example
 * percentile([5, 1, 3], 50); // 3
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * @example
 * summarize([12, 30, 18]); // { n: 3, p50: 18, p99: 30, max: 30 }
 */
export function summarize(values: readonly number[]): LatencySummary {
  return { n: values.length, p50: percentile(values, 50), p99: percentile(values, 99), max: percentile(values, 100) };
}

/** Per second, from a count and milliseconds; NaN when no time passed. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Number.NaN;
}

/**
 * Each count divided by `by` (requests per execution, by operation), sorted by name.
 *
 * @example
 * perUnit({ Query: 40, PutItem: 120 }, 10); // { PutItem: 12, Query: 4 }
 */
export function perUnit(counts: Readonly<Record<string, number>>, by: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, count]) => [name, by > 0 ? count / by : Number.NaN]),
  );
}
