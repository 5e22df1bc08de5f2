import * as z from 'zod';
import { EXTRACTION_MAX_TOKENS, EXTRACTION_SYSTEM_PROMPT, parseModelInvoice } from '../domain/extraction.js';
import { Invoice } from '../domain/invoice.js';
import { InvoiceText } from '../domain/invoice-text.js';
import { defineStep } from '../../../shared/middleware/step.js';
import { assertModelAllowed } from '../../../shared/models/allow-list.js';
import { LOCAL_INVOICE_PARSER_ID, LocalInvoiceParserGateway } from '../domain/local-invoice-parser.js';
import { readModelSettings, selectGateway } from '../../../shared/models/select-gateway.js';

const STEP = 'extract-invoice';

/** Where MODEL_PROVIDER is local: the labelled invoice parser, not AI. */
const LOCAL_STAND_IN = { id: LOCAL_INVOICE_PARSER_ID, create: () => new LocalInvoiceParserGateway() };

/**
 * Asks the configured model (Bedrock, or the labelled local stand-in) for the invoice's
 * fields and returns them as a validated Invoice.
 *
 * ModelInvoked is recorded `evenOnFailure`: a call that cost tokens must be on record even
 * when its answer is then refused (the audit middleware writes it before the failure event).
 */
export const handler = defineStep(
  { name: STEP, input: z.object({ invoiceText: InvoiceText }), output: Invoice },
  async (input, ctx) => {
    const settings = readModelSettings();
    assertModelAllowed(settings.modelId, settings.allowedModels);
    const answer = await selectGateway(settings.provider, { standIn: LOCAL_STAND_IN }).converse({
      modelId: settings.modelId,
      system: EXTRACTION_SYSTEM_PROMPT,
      prompt: input.invoiceText,
      maxTokens: EXTRACTION_MAX_TOKENS,
    });
    ctx.record(
      {
        type: 'ModelInvoked',
        actor: `step:${STEP}`,
        data: {
          step: STEP,
          modelId: answer.modelId,
          provider: answer.provider,
          inputTokens: answer.inputTokens,
          outputTokens: answer.outputTokens,
          costUsd: answer.costUsd,
          costKnown: answer.costKnown,
        },
        sensitive: { system: EXTRACTION_SYSTEM_PROMPT, prompt: input.invoiceText },
      },
      { evenOnFailure: true },
    );
    // A gateway may answer with another model than asked (the stand-in always does): that one must be allowed too.
    assertModelAllowed(answer.modelId, settings.allowedModels);
    return parseModelInvoice(answer.text);
  },
);
