import { checkGrounding as checkDeclaredFields, type GroundingSpec } from '#wardflow/guards';
import type { Invoice } from './invoice.js';

export type InvoiceField = keyof Invoice;

export interface GroundingResult {
  grounded: boolean;
  /** Names of the fields whose value does not occur in the source (never the values). */
  ungrounded: InvoiceField[];
}

/**
 * How each extracted field is looked for in the invoice's text, by the platform's grounding
 * guard (functions/shared/guards/grounding.ts): the kind decides the matching rule.
 */
export const INVOICE_GROUNDING = {
  fields: { vendor: 'text', invoiceNumber: 'text', currency: 'currency', amount: 'amount', dueDate: 'date', iban: 'iban' },
} as const satisfies GroundingSpec;

/**
 * Checks that every extracted value occurs in the source document, so a model cannot
 * invent a vendor, an amount, a date or an account that the invoice never stated.
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
  const result = checkDeclaredFields(invoice, sourceText, INVOICE_GROUNDING);
  return { grounded: result.grounded, ungrounded: result.ungrounded as InvoiceField[] };
}
