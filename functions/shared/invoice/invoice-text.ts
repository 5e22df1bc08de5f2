import { z } from 'zod';

/** Characters an invoice's text may have: far beyond any real invoice, well inside Lambda's payload. */
export const MAX_INVOICE_TEXT_CHARS = 100_000;

/**
 * UTF-8 bytes an invoice's text may take. The text rides in the Step Functions state from
 * step to step, and a state over 256 KiB fails the execution with States.DataLimitExceeded,
 * which no Catch can route to RecordFailure. 100,000 characters of multi-byte script can
 * reach 400 KB, so the bound that matters is in bytes, with room for the extracted fields.
 */
export const MAX_INVOICE_TEXT_BYTES = 200_000;

/** The text of an invoice, as the workflow's input carries it. */
export const InvoiceText = z
  .string()
  .min(1)
  .max(MAX_INVOICE_TEXT_CHARS)
  .refine((text) => Buffer.byteLength(text, 'utf8') <= MAX_INVOICE_TEXT_BYTES, {
    params: { expected: `text of at most ${MAX_INVOICE_TEXT_BYTES} bytes in UTF-8` },
  });
