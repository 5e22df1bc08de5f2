/**
 * A plain-text table: one header line, then one line per row, columns padded to their widest
 * cell and separated by two spaces. No colours, no box drawing: it reads the same in a
 * terminal, a CI log and a pasted ticket. The last column is not padded.
 *
 * @example
 * renderTable(['id', 'status'], [['e-1', 'RUNNING']]);
 * // ['id   status', 'e-1  RUNNING']
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return alignColumns([headers, ...rows]);
}

/**
 * Rows with their columns aligned, as {@link renderTable} does, without a header line.
 *
 * @example
 * alignColumns([['Status', 'RUNNING'], ['Started', '2026-12-01T09:00:00Z']]);
 * // ['Status   RUNNING', 'Started  2026-12-01T09:00:00Z']
 */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const columns = Math.max(0, ...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, column) => Math.max(...rows.map((row) => width(row[column] ?? ''))));
  return rows.map((cells) =>
    widths
      .map((columnWidth, column) => {
        const cell = cells[column] ?? '';
        return column === columns - 1 ? cell : cell + ' '.repeat(columnWidth - width(cell));
      })
      .join('  ')
      .trimEnd(),
  );
}

/** Characters as a terminal shows them (code points, so `•` counts once). */
function width(text: string): number {
  return Array.from(text).length;
}
