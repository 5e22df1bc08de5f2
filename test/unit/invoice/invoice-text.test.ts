import { describe, expect, it } from 'vitest';
import { InvoiceText, MAX_INVOICE_TEXT_BYTES } from '../../../functions/shared/invoice/invoice-text.js';
import { describeIssues } from '../../../functions/shared/middleware/describe-issues.js';

describe('InvoiceText', () => {
  it('accepts ordinary text up to the byte bound', () => {
    expect(InvoiceText.safeParse('Invoice #: A-1\nTotal: EUR 10.00').success).toBe(true);
    expect(InvoiceText.safeParse('a'.repeat(MAX_INVOICE_TEXT_BYTES / 2)).success).toBe(true);
  });

  it('refuses multi-byte text that fits the character bound but would overflow the Step Functions state', () => {
    // 50,000 four-byte characters: far under the character bound, exactly at the byte bound.
    const text = '\u{1F4B8}'.repeat(50_000);
    expect(Buffer.byteLength(text, 'utf8')).toBe(MAX_INVOICE_TEXT_BYTES);
    expect(InvoiceText.safeParse(text).success).toBe(true);
    const over = `${text}\u00e9`; // one two-byte character more
    const result = InvoiceText.safeParse(over);
    expect(result.success).toBe(false);
    const issues = describeIssues(result.error!.issues, ['input', 'invoiceText']);
    expect(issues).toEqual([{ path: 'input.invoiceText', expected: `text of at most ${MAX_INVOICE_TEXT_BYTES} bytes in UTF-8` }]);
    expect(JSON.stringify(issues)).not.toContain('\u00e9');
  });
});
