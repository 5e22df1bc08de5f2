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
    ['invoice-small.json', { vendor: 'Acme Office Supplies', invoiceNumber: 'INV-2026-0042', currency: 'EUR', amount: '4999.99', dueDate: '2026-12-31', iban: 'IE48XMPL93115212345678' }],
    // The adversarial examples read as a model fooled by them would: what they say, grounded, so only the register can stop them.
    ['invoice-injected-vendor.json', { vendor: 'Northwind Traders', invoiceNumber: 'GFS-2026-311', currency: 'USD', amount: '980.00', dueDate: '2026-12-18', iban: 'GB46XMPL40515231415926' }],
    ['invoice-lookalike-vendor.json', { vendor: '\u0410cme Office Supplies', invoiceNumber: 'INV-2026-0057', currency: 'EUR', amount: '1250.00', dueDate: '2026-12-16', iban: 'NL92XMPL0123456789' }],
    ['invoice-changed-iban.json', { vendor: 'Acme Office Supplies', invoiceNumber: 'INV-2026-0061', currency: 'EUR', amount: '2180.00', dueDate: '2026-12-20', iban: 'IE87XMPL93115287654321' }],
    ['invoice-planted-secrets.json', { vendor: 'Acme Office Supplies', invoiceNumber: 'INV-2026-0063', currency: 'EUR', amount: '6240.00', dueDate: '2026-12-31', iban: 'IE48XMPL93115212345678' }],
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

  it('reads the IBAN after "IBAN:" or "Account (IBAN):", in paper or electronic format, up to the first other character', () => {
    expect(parseInvoiceText('IBAN: ie48 xmpl 9311 5212 3456 78 (Example Bank)').iban).toBe('IE48XMPL93115212345678');
    expect(parseInvoiceText('Bank account (IBAN): IE48XMPL93115212345678').iban).toBe('IE48XMPL93115212345678');
    expect(parseInvoiceText('Pay to the account on file.').iban).toBeUndefined();
  });

  it("copies the PII guard's IBAN placeholder as it stands, for the step to restore", () => {
    expect(parseInvoiceText('IBAN: [IBAN_1] (Example Bank)').iban).toBe('[IBAN_1]');
    expect(parseInvoiceText('IBAN: [EMAIL_1]').iban).toBeUndefined();
  });

  it('copies an IBAN and never corrects it: a wrong check digit fails the Invoice schema', () => {
    const fields = parseInvoiceText('From: Acme\nInvoice #: A-1\nTotal: €10.00\nDue: 2026-12-31\nIBAN: IE49 XMPL 9311 5212 3456 78');
    expect(fields.iban).toBe('IE49XMPL93115212345678');
    const parsed = Invoice.safeParse(fields);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['iban']);
  });

  it('does not invent a due date that is not a calendar day', () => {
    expect(parseInvoiceText('Due date: 31/02/2026').dueDate).toBeUndefined();
  });
});
