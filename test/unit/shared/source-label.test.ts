import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SOURCE_LABEL_CHARS, SourceLabel } from '../../../functions/shared/source-label.js';
import { describeIssues } from '../../../functions/shared/middleware/describe-issues.js';

const EXPECTED = /^a label of at most 200 letters, digits and \. _ : \/ # = \+ - \(no spaces, no @\)/;

describe('SourceLabel', () => {
  it('accepts what callers use to say where an invoice came from', () => {
    for (const label of ['examples/invoice-small.json', 's3://intake/2026/11/inv-7.pdf', 'queue:invoices#4711', 'upload', 'x'.repeat(MAX_SOURCE_LABEL_CHARS)]) {
      expect(SourceLabel.safeParse(label).success, label).toBe(true);
    }
  });

  it('refuses free text and addresses, which would stay in clear in the archive, naming the field and never the value', () => {
    for (const label of ['forwarded by alice@example.com', 'alice@example.com', 'Alice Smith', '', ' upload', 'upload\n', '-upload', 'x'.repeat(MAX_SOURCE_LABEL_CHARS + 1), 'r\u00e9sum\u00e9']) {
      const result = SourceLabel.safeParse(label);
      expect(result.success, JSON.stringify(label)).toBe(false);
      const issues = describeIssues(result.error!.issues, ['input', 'source']);
      expect(issues).toHaveLength(1);
      expect(issues[0]!.path).toBe('input.source');
      expect(issues[0]!.expected).toMatch(EXPECTED);
      if (label.length > 3) expect(JSON.stringify(issues)).not.toContain(label);
    }
  });

  it('property: nothing with an @ or whitespace is ever accepted', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('@', ' ', '\t', '\n', '\u00a0'), fc.string(), (before, bad, after) => {
        expect(SourceLabel.safeParse(`a${before}${bad}${after}`).success).toBe(false);
      }),
    );
  });
});
