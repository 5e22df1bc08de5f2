import * as z from 'zod';
import { executionStream, type NewEvent } from '../shared/events/event.js';
import { openStream } from '../shared/events/open-stream.js';
import { InvoiceText } from '../shared/invoice/invoice-text.js';
import { SourceLabel } from '../shared/invoice/source-label.js';
import { defineStep } from '../shared/middleware/step.js';

const STEP = 'record-start';
const WORKFLOW = 'invoice-approval';

/**
 * First step of invoice-approval: the execution's stream begins with ExecutionStarted, the
 * invoice text sealed in its sensitive part, appended at expected version 0 (openStream).
 *
 * A stream that already exists is taken as an earlier attempt of this very step (a Step
 * Functions retry after a Lambda.ServiceException, or after the write landed but the audit
 * write failed) only when its first event is an ExecutionStarted with the same workflow and
 * source AND every event in it is this step's own (`step:record-start`: the ExecutionStarted,
 * its StepSucceeded/StepFailed). Then the step succeeds without a second ExecutionStarted.
 *
 * Anything else fails with ConcurrencyConflict, in particular a stream other steps wrote to
 * or that already ended (ExecutionSucceeded/ExecutionFailed come from record-outcome).
 * Execution names are unique only among running executions: Step Functions lets a STANDARD
 * execution name be reused 90 days after the first run, and a new execution continuing the
 * old stream would find the old run's auto-approval and payment there and act on them.
 *
 * The sealed invoice text is not compared, and no hash of it is stored in clear: a hash of a
 * short document could be reversed by guessing.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({
      invoiceText: InvoiceText,
      source: SourceLabel.optional(),
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
      (first, all) =>
        first.type === started.type &&
        first.data.workflow === WORKFLOW &&
        first.data.source === started.data.source &&
        all.every((event) => event.actor === started.actor),
    );
    return {};
  },
);
