import * as z from 'zod';
import { defineStep, GuardTriggered } from '#wardflow/step';
import { guardTriggeredEvent } from '#wardflow/guards';
import { checkGrounding } from '../domain/grounding.js';
import { Invoice } from '../domain/invoice.js';
import { InvoiceText } from '../domain/invoice-text.js';

const STEP = 'check-grounding';

/**
 * Blocks an extraction whose values do not occur in the source document (the platform's
 * grounding rules, domain/grounding.ts INVOICE_GROUNDING). GuardTriggered (verdict block)
 * is recorded `evenOnFailure`: it exists to explain the failure, and the audit middleware
 * writes it (redacted) before the StepFailed.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({ invoiceText: InvoiceText, invoice: Invoice }),
    output: z.object({ grounded: z.literal(true) }),
  },
  async (input, ctx) => {
    const result = checkGrounding(input.invoice, input.invoiceText);
    if (!result.grounded) {
      ctx.record(guardTriggeredEvent({ step: STEP, guard: 'grounding', verdict: 'block', spans: [], fields: result.ungrounded }), { evenOnFailure: true });
      throw new GuardTriggered(
        'grounding',
        `the extracted fields ${result.ungrounded.join(', ')} do not occur in the source document; a human must check the invoice`,
        { fields: result.ungrounded },
      );
    }
    return { grounded: true as const };
  },
);
