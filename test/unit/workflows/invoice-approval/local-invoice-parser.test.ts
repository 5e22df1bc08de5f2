import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Invoice } from '../../../../functions/workflows/invoice-approval/domain/invoice.js';
import { checkGrounding } from '../../../../functions/workflows/invoice-approval/domain/grounding.js';
import { LocalInvoiceParserGateway, parseInvoiceText } from '../../../../functions/workflows/invoice-approval/domain/local-invoice-parser.js';

const example = (name: string): string =>
  (JSON.parse(readFileSync(new URL(`../../../../statemachines/invoice-approval/examples/${name}`, import.meta.url), 'utf8')) as { invoiceText: string }).invoiceText;

describe('LocalInvoiceParserGateway (stand-in, not AI)', () => {
  it('labels itself a stand-in, costs nothing, and counts words as tokens', async () => {
    const response = await new LocalInvoiceParserGateway().converse({
      modelId: 'anything',
      system: 'Return JSON only.',
      prompt: 'From: Acme\nTotal: €10.00',
      maxTokens: 100,
    });
    expect(response.provider).toBe('local-stand-in');
    expect(response.modelId).toBe('local.invoice-parser-v1');
    expect(response.costUsd).toBe(0);
    expect(response.inputTokens).toBe(3 + 4);
    expect(response.outputTokens).toBe(response.text.split(/\s+/).filter(Boolean).length);
  });

  it.each([
    ['invoice-small.json', { vendor: 'Acme Office Supplies', invoiceNumber: 'INV-2026-0042', currency: 'EUR', amount: '4999.99', dueDate: '2026-12-31' }],
    ['invoice-large.json', { vendor: 'Northwind Traders', invoiceNumber: 'NW-88213', currency: 'USD', amount: '12480.00', dueDate: '2027-01-15' }],
    ['invoice-unknown-vendor.json', { vendor: 'Initech Consulting', invoiceNumber: 'IC/2026/117', currency: 'GBP', amount: '640.00', dueDate: '2026-12-20' }],
  ])('reads %s into a valid, grounded invoice', async (file, expected) => {
    const text = example(file);
    const response = await new LocalInvoiceParserGateway().converse({ modelId: 'x', system: '', prompt: text, maxTokens: 512 });
    const invoice = Invoice.parse(JSON.parse(response.text));
    expect(invoice).toEqual(expected);
    expect(checkGrounding(invoice, text)).toEqual({ grounded: true, ungrounded: [] });
  });

  it('leaves out what the malformed example does not state, so validation fails', () => {
    const fields = parseInvoiceText(example('invoice-malformed.json'));
    expect(fields).toEqual({ vendor: 'Globex Logistics', invoiceNumber: 'GL-5531' });
    expect(Invoice.safeParse(fields).success).toBe(false);
  });

  it('prefers "Amount due" over "Total" and takes the currency label when the total has none', () => {
    expect(parseInvoiceText('Total: 10.00\nAmount due: 7.50\nCurrency: chf\nDue: 2026-02-28')).toEqual({
      amount: '7.50',
      currency: 'CHF',
      dueDate: '2026-02-28',
    });
  });

  it('does not invent a due date that is not a calendar day', () => {
    expect(parseInvoiceText('Due date: 31/02/2026').dueDate).toBeUndefined();
  });
});
