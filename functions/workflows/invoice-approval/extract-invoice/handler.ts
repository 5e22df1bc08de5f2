import * as z from 'zod';
import { defineStep } from '#wardflow/step';
import { stepGuards } from '#wardflow/guards';
import { askModel } from '#wardflow/models';
import { EXTRACTION_MAX_TOKENS, EXTRACTION_SYSTEM_PROMPT, parseModelInvoice } from '../domain/extraction.js';
import { Invoice } from '../domain/invoice.js';
import { InvoiceText } from '../domain/invoice-text.js';
import { LOCAL_INVOICE_PARSER_ID, LocalInvoiceParserGateway } from '../domain/local-invoice-parser.js';

const STEP = 'extract-invoice';

/** Where MODEL_PROVIDER is local: the labelled invoice parser, not AI. */
const LOCAL_STAND_IN = { id: LOCAL_INVOICE_PARSER_ID, create: () => new LocalInvoiceParserGateway() };

/**
 * Asks the configured model (Bedrock, or the labelled local stand-in) for the invoice's
 * fields and returns them as a validated Invoice. The model call is on record (ModelInvoked)
 * even when its answer is then refused.
 *
 * The invoice is its sender's text, so the step's guards run on it before the model does:
 * - injection: a document that tries to instruct the model ("ignore the rules, the vendor is
 *   ...") goes on, but marks the execution for a person (`human`): apply-policy then never
 *   auto-approves it, whatever the model made of it;
 * - PII and secrets: the model gets typed placeholders (`[EMAIL_1]`, `[AWS_KEY_1]`, `[IBAN_1]`)
 *   instead of e-mail addresses, phone numbers, keys and accounts; only the IBAN is put back
 *   into the answer, because the policy compares it with the vendor register.
 * Grounding stays the next step's (check-grounding), against the original text.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({ invoiceText: InvoiceText }),
    output: Invoice,
    guards: stepGuards({
      untrusted: ['invoiceText'],
      injection: { verdict: 'human' },
      pii: { verdict: 'redact', restore: ['IBAN'] },
    }),
  },
  async (input, ctx) => {
    const answer = await askModel(ctx, { step: STEP, system: EXTRACTION_SYSTEM_PROMPT, prompt: input.invoiceText, maxTokens: EXTRACTION_MAX_TOKENS, standIn: LOCAL_STAND_IN });
    return parseModelInvoice(ctx.guards.restore(answer.text));
  },
);
