import type { Invoice } from './invoice.js';
import { containsWord, MONTH_NAMES, normalizeForGrounding } from '#wardflow/step';
import { toMinorUnits } from './money.js';
// The bank-letter check's rule for an IBAN in a document: spaces and case ignored, not part of a longer account.
import { containsIban } from '../../vendor-bank-details/domain/letter-grounding.js';

export type InvoiceField = keyof Invoice;

export interface GroundingResult {
  grounded: boolean;
  /** Names of the fields whose value does not occur in the source (never the values). */
  ungrounded: InvoiceField[];
}

/** Symbols accepted for a currency when written right next to the amount. */
const CURRENCY_SYMBOLS: Record<string, string[]> = { EUR: ['€'], USD: ['$'], GBP: ['£'] };


/**
 * Checks that every extracted value occurs in the source document, so a model cannot
 * invent a vendor, an amount or a date that the invoice never stated.
 *
 * - vendor, invoiceNumber: case-insensitive, whitespace collapsed, on word boundaries
 * - amount: the same number, with or without thousands separators ("4,999.99" or "4999.99")
 * - currency: the ISO code anywhere, or its symbol (€ $ £) right next to the amount
 * - dueDate: YYYY-MM-DD or a written form ("31 Dec 2026", "December 31, 2026", "31/12/2026")
 * - iban (when extracted): its characters in order, spaces and case ignored, so the paper format
 *   (groups of four) and the electronic one both match, and not part of a longer account
 *
 * Known gaps: decimal commas ("4.999,99") and space-grouped amounts are not recognised,
 * so such invoices fail closed (routed as ungrounded) rather than pass.
 *
 * @example
 * checkGrounding(invoice, 'From: Acme ... Total: €4,999.99 ... Due: 31 Dec 2026');
 * // { grounded: true, ungrounded: [] }
 */
export function checkGrounding(invoice: Invoice, sourceText: string): GroundingResult {
  const text = normalizeForGrounding(sourceText);
  const amounts = numbersIn(text);
  const amountMinor = toMinorUnits(invoice.amount);
  const amountOccurrences = amounts.filter((n) => n.minor === amountMinor);

  const ungrounded: InvoiceField[] = [];
  if (!containsWord(text, normalizeForGrounding(invoice.vendor))) ungrounded.push('vendor');
  if (!containsWord(text, normalizeForGrounding(invoice.invoiceNumber))) ungrounded.push('invoiceNumber');
  if (!currencyGrounded(text, invoice.currency, amountOccurrences)) ungrounded.push('currency');
  if (amountOccurrences.length === 0) ungrounded.push('amount');
  if (!dateForms(invoice.dueDate).some((form) => containsWord(text, form))) ungrounded.push('dueDate');
  if (invoice.iban !== undefined && !containsIban(text, invoice.iban)) ungrounded.push('iban');
  return { grounded: ungrounded.length === 0, ungrounded };
}



interface NumberOccurrence {
  minor: number;
  start: number;
  end: number;
}

/**
 * Every standalone number in the text as minor units. Numbers inside identifiers
 * ("INV-2026", "A123") are skipped, so an invoice number cannot ground an amount.
 */
function numbersIn(text: string): NumberOccurrence[] {
  const found: NumberOccurrence[] = [];
  const pattern = /(?<![\p{L}\p{N}.,\-/_#])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\p{L}\p{N}]|[.,/]\d)/gu;
  for (const match of text.matchAll(pattern)) {
    const whole = match[1]!.replace(/,/g, '');
    const fraction = (match[2] ?? '').replace(/0+$/, '');
    if (whole.length > 12 || fraction.length > 2) continue;
    found.push({
      minor: Number(whole) * 100 + Number(fraction.padEnd(2, '0')),
      start: match.index,
      end: match.index + match[0].length,
    });
  }
  return found;
}

function currencyGrounded(text: string, currency: string, amountOccurrences: NumberOccurrence[]): boolean {
  if (containsWord(text, currency.toLowerCase())) return true;
  const symbols = CURRENCY_SYMBOLS[currency] ?? [];
  return amountOccurrences.some(({ start, end }) => {
    const before = text.slice(Math.max(0, start - 2), start).trimEnd();
    const after = text.slice(end, end + 2).trimStart();
    return symbols.some((symbol) => before.endsWith(symbol) || after.startsWith(symbol));
  });
}

/** The ways an invoice may write a due date, lower-cased to match the normalised text. */
function dateForms(isoDate: string): string[] {
  const [year, month, day] = isoDate.split('-');
  const m = Number(month);
  const d = Number(day);
  const full = MONTH_NAMES[m - 1]!;
  const names = [full, full.slice(0, 3), `${full.slice(0, 3)}.`];
  if (m === 9) names.push('sept', 'sept.');
  const days = [String(d), day!, `${d}${ordinalSuffix(d)}`];
  const forms = new Set<string>([isoDate]);
  for (const name of names) {
    for (const dd of days) {
      forms.add(`${dd} ${name} ${year}`);
      forms.add(`${dd} ${name}, ${year}`);
      forms.add(`${name} ${dd}, ${year}`);
      forms.add(`${name} ${dd} ${year}`);
    }
  }
  for (const dd of [String(d), day!]) {
    for (const mm of [String(m), month!]) {
      forms.add(`${dd}/${mm}/${year}`);
      forms.add(`${dd}.${mm}.${year}`);
    }
  }
  return [...forms];
}

function ordinalSuffix(day: number): string {
  if (day >= 11 && day <= 13) return 'th';
  return ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[day % 10] ?? 'th';
}
