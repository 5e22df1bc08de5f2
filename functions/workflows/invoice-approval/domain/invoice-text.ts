import * as z from 'zod';
import { jsonTextBytes } from '#wardflow/step';

/** Characters an invoice's text may have: far beyond any real invoice, well inside Lambda's payload. */
export const MAX_INVOICE_TEXT_CHARS = 100_000;

/**
 * Bytes an invoice's text may take as JSON, in UTF-8 (the string's JSON form without its two
 * quotes). The text rides in the Step Functions state from step to step, and a state over
 * 256 KiB fails the execution with States.DataLimitExceeded, which no Catch can route to
 * RecordFailure. The state is JSON text: 100,000 characters of multi-byte script can reach
 * 400 KB, and escaping makes `"`, `\` and newlines 2 bytes and other control characters 6,
 * so the bound that matters is on the JSON bytes, with room for the extracted fields.
 */
export const MAX_INVOICE_TEXT_BYTES = 200_000;

export { jsonTextBytes };

/** The text of an invoice, as the workflow's input carries it. */
export const InvoiceText = z
  .string()
  .min(1)
  .max(MAX_INVOICE_TEXT_CHARS)
  .refine((text) => jsonTextBytes(text) <= MAX_INVOICE_TEXT_BYTES, {
    params: { expected: `text of at most ${MAX_INVOICE_TEXT_BYTES} bytes as JSON` },
  });
