import { describe, expect, it } from 'vitest';
import { InvoiceText, jsonTextBytes, MAX_INVOICE_TEXT_BYTES, MAX_INVOICE_TEXT_CHARS } from '../../../../functions/workflows/invoice-approval/domain/invoice-text.js';
import { describeIssues } from '../../../../functions/shared/middleware/describe-issues.js';

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
    expect(issues).toEqual([{ path: 'input.invoiceText', expected: `text of at most ${MAX_INVOICE_TEXT_BYTES} bytes as JSON` }]);
    expect(JSON.stringify(issues)).not.toContain('\u00e9');
  });

  it('counts the JSON form the state carries: newlines and quotes take two bytes there', () => {
    // 100,000 characters, 100,000 raw bytes, but 200,000 bytes as JSON: exactly at the bound.
    const atBound = '\n"'.repeat(50_000);
    expect(Buffer.byteLength(atBound, 'utf8')).toBe(100_000);
    expect(jsonTextBytes(atBound)).toBe(MAX_INVOICE_TEXT_BYTES);
    expect(InvoiceText.safeParse(atBound).success).toBe(true);
    // At the character bound and about half the byte bound raw, yet two bytes over it as JSON.
    const over = `${'\n"'.repeat(49_999)}\u20ac\u20ac`;
    expect(over.length).toBe(MAX_INVOICE_TEXT_CHARS);
    expect(Buffer.byteLength(over, 'utf8')).toBeLessThan(MAX_INVOICE_TEXT_BYTES / 2 + 10);
    expect(jsonTextBytes(over)).toBe(MAX_INVOICE_TEXT_BYTES + 2);
    const result = InvoiceText.safeParse(over);
    expect(result.success).toBe(false);
    expect(describeIssues(result.error!.issues, ['input', 'invoiceText'])).toEqual([
      { path: 'input.invoiceText', expected: `text of at most ${MAX_INVOICE_TEXT_BYTES} bytes as JSON` },
    ]);
  });

  it('counts a control character as its six-byte \\u escape', () => {
    const controls = '\u0007'.repeat(33_334); // 33,334 raw bytes, 200,004 as JSON
    expect(jsonTextBytes(controls)).toBe(200_004);
    expect(InvoiceText.safeParse(controls).success).toBe(false);
    expect(InvoiceText.safeParse(controls.slice(1)).success).toBe(true);
  });
});
