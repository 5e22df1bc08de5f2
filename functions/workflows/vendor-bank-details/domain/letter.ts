import * as z from 'zod';
import { jsonTextBytes, SourceLabel } from '#wardflow/step';
// By relative path on purpose: it is not in the platform's public surface yet and will move.

/**
 * Characters a letter's text may have. A bank-detail change is a page or two; 20,000
 * characters is several times that, and far less than an invoice may carry, because nothing
 * in a letter needs more and less text is less room for instructions aimed at the model.
 */
export const MAX_LETTER_TEXT_CHARS = 20_000;

/**
 * Bytes the letter's text may take as JSON, in UTF-8 (without the two quotes). The text rides
 * in the Step Functions state from step to step, and a state over 256 KiB fails the execution
 * with States.DataLimitExceeded, which no Catch can route: multi-byte scripts and escapes
 * make the JSON up to six times the character count, so the bound is on the bytes.
 */
export const MAX_LETTER_TEXT_BYTES = 80_000;

/**
 * The text of a vendor's letter, as the workflow's input carries it.
 *
 * @example
 * LetterText.safeParse('x'.repeat(MAX_LETTER_TEXT_CHARS + 1)).success; // false
 */
export const LetterText = z
  .string()
  .min(1)
  .max(MAX_LETTER_TEXT_CHARS)
  .refine((text) => jsonTextBytes(text) <= MAX_LETTER_TEXT_BYTES, {
    params: { expected: `text of at most ${MAX_LETTER_TEXT_BYTES} bytes as JSON` },
  });

/**
 * The input of one vendor-bank-details execution: the letter, and where it came from as a
 * label (`examples/bank-change-valid.json`, `s3://intake/letters/7.pdf`), which is kept in
 * clear and so allows no spaces and no `@` (see SourceLabel).
 *
 * @example
 * BankChangeLetter.parse({ letterText: 'Company: Vandelay Industries GmbH\nNew IBAN: ...', source: 'examples/bank-change-valid.json' });
 */
export const BankChangeLetter = z.object({
  letterText: LetterText,
  source: SourceLabel.optional(),
});

export type BankChangeLetter = z.infer<typeof BankChangeLetter>;
