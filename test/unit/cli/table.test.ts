import { describe, expect, it } from 'vitest';
import { alignColumns, renderTable, tableTime } from '../../../lib/cli/table.js';

describe('renderTable', () => {
  it('pads every column but the last to its widest cell, two spaces apart', () => {
    expect(renderTable(['ID', 'STATUS', 'NOTE'], [['exec-1', 'RUNNING', 'a•••@example.com'], ['e2', 'SUCCEEDED', '']])).toEqual([
      'ID      STATUS     NOTE',
      'exec-1  RUNNING    a•••@example.com',
      'e2      SUCCEEDED',
    ]);
  });

  it('aligns rows without a header', () => {
    expect(alignColumns([['Status', 'RUNNING'], ['Started', '-']])).toEqual(['Status   RUNNING', 'Started  -']);
    expect(alignColumns([])).toEqual([]);
  });

  it('prints times to the second in UTC, and - for none', () => {
    expect(tableTime(new Date('2026-12-01T09:00:00.999Z'))).toBe('2026-12-01T09:00:00Z');
    expect(tableTime('2026-12-02T08:59:00.000Z')).toBe('2026-12-02T08:59:00Z');
    expect(tableTime(undefined)).toBe('-');
  });
});
