import * as z from 'zod';

/** Characters a source label may have. */
export const MAX_SOURCE_LABEL_CHARS = 200;

/**
 * Letters, digits and `. _ : / # = + -`, starting with a letter or digit: enough for a file
 * path, an S3 URI, a queue name or a message id, and no room for a sentence or an address.
 */
const LABEL = /^[A-Za-z0-9][A-Za-z0-9._:/#=+-]*$/;

/**
 * Where an invoice came from, as the caller names it (`examples/invoice-small.json`,
 * `s3://intake/2026/11/inv-7.pdf`). ExecutionStarted keeps it in clear, and the audit archive
 * (docs/architecture.md) copies every event into Object Lock for years, so it must never be able
 * to carry personal data: "forwarded by alice@example.com" could not be erased there. A
 * label cannot hold spaces or `@`; whatever a person wrote belongs in the invoice text, which
 * is sealed.
 */
export const SourceLabel = z
  .string()
  .refine((label) => label.length <= MAX_SOURCE_LABEL_CHARS && LABEL.test(label), {
    params: {
      expected: `a label of at most ${MAX_SOURCE_LABEL_CHARS} letters, digits and . _ : / # = + - (no spaces, no @), such as examples/invoice-small.json`,
    },
  });
