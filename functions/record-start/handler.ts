import { z } from 'zod';
import { executionStream } from '../shared/events/event.js';
import { defineStep } from '../shared/middleware/step.js';

const STEP = 'record-start';

/**
 * First step of invoice-approval: the execution's stream begins with ExecutionStarted, the
 * invoice text sealed in its sensitive part. Appended at expected version 0, so a repeated
 * start of the same execution fails with ConcurrencyConflict instead of starting twice.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({
      invoiceText: z.string().min(1).max(100_000),
      source: z.string().max(200).optional(),
    }),
    output: z.object({}),
  },
  async (input, ctx) => {
    await ctx.deps.store.append(executionStream(ctx.executionId), 0, [
      {
        type: 'ExecutionStarted',
        actor: `step:${STEP}`,
        data: { workflow: 'invoice-approval', source: input.source ?? null },
        sensitive: { invoiceText: input.invoiceText },
      },
    ]);
    return {};
  },
);
