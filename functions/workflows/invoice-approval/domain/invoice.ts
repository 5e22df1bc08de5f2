import * as z from 'zod';
import { isIsoCalendarDate } from '#wardflow/step';
import { DECIMAL_AMOUNT, toMinorUnits } from './money.js';
// The vendor register's own IBAN rules (registry layout, MOD 97): an invoice's account is compared with it.
import { Iban } from '../../vendor-bank-details/domain/iban.js';

export { toMinorUnits, fromMinorUnits } from './money.js';

/**
 * An invoice as extracted from a document: the only shape that leaves the extract step.
 * Every field is bounded and pattern-checked, because it came from a model reading
 * untrusted text and will drive a payment.
 *
 * `iban` is the account the invoice asks to be paid to, when it states one: checked like the
 * vendor register's IBANs (ISO 13616, MOD 97) and kept in electronic format. It is optional here
 * because an invoice may not print one; the vendor check then finds its vendor unknown, since only
 * an account equal to the one in the vendor register may be paid without a person.
 *
 * @example
 * Invoice.parse({ vendor: 'Acme Office Supplies', invoiceNumber: 'INV-2026-0042', currency: 'EUR', amount: '4999.99', dueDate: '2026-12-31' });
 */
export const Invoice = z.object({
  vendor: z.string().trim().min(1).max(200),
  invoiceNumber: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9\-/._#]+$/, 'letters, digits and - / . _ # only'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code of 3 uppercase letters'),
  amount: z
    .string()
    .regex(DECIMAL_AMOUNT, 'a decimal with at most 2 fraction digits, e.g. "4999.99"')
    // zod runs every check even after the regex failed; the regex reports that case.
    .refine((value) => !DECIMAL_AMOUNT.test(value) || toMinorUnits(value) > 0, {
      message: 'an amount greater than 0',
      // describeIssues reads what was expected from params: the schema's words, never the input.
      params: { expected: 'an amount greater than 0' },
    }),
  dueDate: z
    .string()
    .refine(isIsoCalendarDate, { message: 'a real calendar date written YYYY-MM-DD', params: { expected: 'a real calendar date written YYYY-MM-DD' } }),
  iban: Iban.optional(),
});

export type Invoice = z.infer<typeof Invoice>;
