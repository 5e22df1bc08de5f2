import * as z from 'zod';
import { defineStep } from '#wardflow/step';
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
 */
export const handler = defineStep({ name: STEP, input: z.object({ invoiceText: InvoiceText }), output: Invoice }, async (input, ctx) => {
  const answer = await askModel(ctx, { step: STEP, system: EXTRACTION_SYSTEM_PROMPT, prompt: input.invoiceText, maxTokens: EXTRACTION_MAX_TOKENS, standIn: LOCAL_STAND_IN });
  return parseModelInvoice(answer.text);
});
