// The CLI's tables; the layout itself is shared with the benchmarks (lib/shared/text-table.ts).
export { alignColumns, renderTable } from '../shared/text-table.js';

/**
 * A timestamp for a table: ISO-8601 UTC to the second, or `-` when there is none.
 *
 * @example
 * tableTime(new Date('2026-12-01T09:00:00.123Z')); // '2026-12-01T09:00:00Z'
 */
export function tableTime(date: Date | string | undefined): string {
  if (date === undefined) return '-';
  const parsed = typeof date === 'string' ? new Date(date) : date;
  return Number.isNaN(parsed.getTime()) ? String(date) : parsed.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
