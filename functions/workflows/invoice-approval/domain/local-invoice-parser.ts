import { type ModelGateway, type ModelRequest, type ModelResponse, standInAnswer } from '#wardflow/models';
import { parseWrittenDate } from '#wardflow/step';
// The bank-letter stand-in's reading of an IBAN line: one rule for both documents.
import { ibanAtStartOf } from '../../vendor-bank-details/domain/local-letter-parser.js';

export const LOCAL_INVOICE_PARSER_ID = 'local.invoice-parser-v1';

const SYMBOL_CURRENCIES: Record<string, string> = { '€': 'EUR', $: 'USD', '£': 'GBP' };

/** Labels, tried in order: the first label that yields a value wins. */
const VENDOR_LABEL = /^[ \t]*(?:vendor|from|supplier|seller)[ \t]*:[ \t]*(.+)$/i;
const NUMBER_LABEL = /^[ \t]*(?:invoice[ \t]*(?:no\.?|number|#)|number|no\.)[ \t]*[:#]?[ \t]*([A-Za-z0-9][A-Za-z0-9\-/._#]*)/i;
const TOTAL_LABELS = [
  /^[ \t]*(?:amount|balance|total)[ \t]+due[ \t]*:?(.*)$/i,
  /^[ \t]*total(?:[ \t]+amount)?(?:[ \t]*\([A-Za-z]{3}\))?[ \t]*:(.*)$/i,
];
const CURRENCY_LABEL = /^[ \t]*currency[ \t]*:[ \t]*([A-Za-z]{3})\b/i;
const DUE_LABEL = /^[ \t]*(?:due[ \t]+date|payment[ \t]+due|due)[ \t]*:[ \t]*(.+)$/i;
const IBAN_LABEL = /^[ \t]*(?:(?:bank[ \t]+)?account[ \t]*\([ \t]*iban[ \t]*\)|iban)[ \t]*:(.*)$/i;
/** The PII guard's placeholder for an IBAN (`[IBAN_1]`): copied as it stands, as a model would, for the step to restore. */
const IBAN_PLACEHOLDER = /^\[IBAN_\d+\]/;
const AMOUNT = /(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?(?!\d)/;

/**
 * A deterministic STAND-IN for Bedrock, for the local runtime and tests. It is NOT AI and
 * is never presented as such: every response says `provider: 'local-stand-in'` and
 * `modelId: 'local.invoice-parser-v1'`, costs 0, and counts "tokens" as whitespace-separated
 * words. It reads labelled invoice text (Vendor:/From:, Invoice No/#/Number:, Currency:,
 * Total/Amount due: with a symbol or ISO code, Due date:/Due:, IBAN:/Account (IBAN): read like
 * the bank-letter stand-in reads it, copied and never corrected; the guards' `[IBAN_1]` placeholder
 * copied as it stands) and answers with the JSON a
 * real model is asked for, leaving out any field it cannot find, so that validation
 * downstream fails exactly as it would for a model that could not read the document.
 *
 * @example
 * const answer = await new LocalInvoiceParserGateway().converse({ modelId: 'local.invoice-parser-v1', system: '', prompt: 'From: Acme\nInvoice #: A-1\nTotal: €10.00\nDue: 2026-12-31', maxTokens: 512 });
 * JSON.parse(answer.text); // { vendor: 'Acme', invoiceNumber: 'A-1', currency: 'EUR', amount: '10.00', dueDate: '2026-12-31' }
 */
export class LocalInvoiceParserGateway implements ModelGateway {
  async converse(request: ModelRequest): Promise<ModelResponse> {
    return standInAnswer(LOCAL_INVOICE_PARSER_ID, request, parseInvoiceText(request.prompt));
  }
}

/** Fields found in labelled invoice text; absent fields are left out. */
export function parseInvoiceText(invoiceText: string): Record<string, string> {
  const lines = invoiceText.split(/\r?\n/);
  const result: Record<string, string> = {};

  const vendor = firstCapture(lines, [VENDOR_LABEL]);
  if (vendor) result.vendor = vendor.trim();
  const invoiceNumber = firstCapture(lines, [NUMBER_LABEL]);
  if (invoiceNumber) result.invoiceNumber = invoiceNumber;

  const total = firstCapture(lines, TOTAL_LABELS);
  const amount = total === undefined ? null : AMOUNT.exec(total);
  if (total !== undefined && amount) {
    result.amount = amount[1]!.replace(/,/g, '') + (amount[2] ?? '');
    const code = /\b([A-Z]{3})\b/.exec(total)?.[1];
    const symbol = Object.keys(SYMBOL_CURRENCIES).find((s) => total.includes(s));
    const currency = code ?? (symbol ? SYMBOL_CURRENCIES[symbol] : undefined);
    if (currency) result.currency = currency;
  }
  const labelledCurrency = firstCapture(lines, [CURRENCY_LABEL]);
  if (labelledCurrency && !result.currency) result.currency = labelledCurrency.toUpperCase();

  const due = firstCapture(lines, [DUE_LABEL]);
  const dueDate = due === undefined ? undefined : parseWrittenDate(due);
  if (dueDate) result.dueDate = dueDate;

  const ibanLine = firstCapture(lines, [IBAN_LABEL]);
  const iban = ibanLine === undefined ? undefined : (IBAN_PLACEHOLDER.exec(ibanLine)?.[0] ?? ibanAtStartOf(ibanLine));
  if (iban) result.iban = iban;
  return result;
}

function firstCapture(lines: string[], patterns: RegExp[]): string | undefined {
  for (const pattern of patterns) {
    for (const line of lines) {
      const value = pattern.exec(line)?.[1]?.trim();
      if (value) return value;
    }
  }
  return undefined;
}

