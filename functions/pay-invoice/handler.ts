import { z } from 'zod';
import { requireEnv } from '../shared/config.js';
import { PaymentFailed } from '../shared/errors.js';
import { approvalStream } from '../shared/events/event.js';
import { approvalState } from '../shared/events/fold.js';
import { approvalIdFor } from '../shared/invoice/approval-id.js';
import { Invoice } from '../shared/invoice/invoice.js';
import { defineStep } from '../shared/middleware/step.js';
import { paymentsApiFromEnvironment } from '../shared/payments/payments-api.js';

const STEP = 'pay-invoice';

/**
 * Pays an approved invoice. Defence in depth: besides the state machine's ordering, the
 * approval's own stream must say `approved` (auto or human) before any money moves.
 * The execution id is the idempotency key, so a retried step pays once.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({ invoice: Invoice }),
    output: z.object({ paymentId: z.string() }),
    secrets: () => ({ paymentsApiKey: requireEnv('PAYMENTS_SECRET_ID') }),
  },
  async (input, ctx) => {
    const approvalId = approvalIdFor(ctx.executionId);
    const approval = approvalState(await ctx.deps.store.read(approvalStream(approvalId)));
    if (approval.status !== 'approved') {
      const status = approval.status === 'none' ? 'not on record' : approval.status;
      throw new PaymentFailed(`approval ${approvalId} is ${status}, not approved; nothing was paid`);
    }
    const api = paymentsApiFromEnvironment();
    const { vendor, invoiceNumber, currency, amount } = input.invoice;
    const { paymentId } = await api.pay(
      { idempotencyKey: ctx.executionId, vendor, invoiceNumber, currency, amount },
      ctx.secrets.paymentsApiKey ?? '',
    );
    ctx.record({
      type: 'PaymentRecorded',
      actor: `step:${STEP}`,
      data: { paymentId, approvalId, vendor, invoiceNumber, currency, amount, mode: api.mode },
    });
    return { paymentId };
  },
);
