import { z } from 'zod';
import { executionStream, type NewEvent } from '../shared/events/event.js';
import { openStream } from '../shared/events/open-stream.js';
import { InvoiceText } from '../shared/invoice/invoice-text.js';
import { defineStep } from '../shared/middleware/step.js';

const STEP = 'record-start';
const WORKFLOW = 'invoice-approval';

/**
 * First step of invoice-approval: the execution's stream begins with ExecutionStarted, the
 * invoice text sealed in its sensitive part, appended at expected version 0 (openStream).
 *
 * Execution names are unique per state machine, so the only other writer of an
 * ExecutionStarted to `execution#<name>` is a Step Functions retry of this very step (after
 * a Lambda.ServiceException, or when the write landed but the audit write failed). A first
 * event with the same type, actor, workflow and source is taken as that earlier attempt and
 * the step succeeds without a second ExecutionStarted; anything else fails with
 * ConcurrencyConflict. The sealed invoice text is not compared, and no hash of it is stored
 * in clear: a hash of a short document could be reversed by guessing.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({
      invoiceText: InvoiceText,
      source: z.string().max(200).optional(),
    }),
    output: z.object({}),
  },
  async (input, ctx) => {
    const started: NewEvent = {
      type: 'ExecutionStarted',
      actor: `step:${STEP}`,
      data: { workflow: WORKFLOW, source: input.source ?? null },
      sensitive: { invoiceText: input.invoiceText },
    };
    await openStream(
      ctx.deps.store,
      executionStream(ctx.executionId),
      started,
      (first) => first.type === started.type && first.actor === started.actor && first.data.workflow === WORKFLOW && first.data.source === started.data.source,
    );
    return {};
  },
);
