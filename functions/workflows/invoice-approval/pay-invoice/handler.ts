import * as z from 'zod';
import { approvalIdFor, approvalState, approvalStream, defineStep, executionStream, PaymentFailed, readVerified, requireEnv, SecretUnavailable } from '#wardflow/step';
import { Invoice } from '../domain/invoice.js';
import { paymentsApiFromEnvironment } from '../domain/payments-api.js';
import { recordedPayment } from '../domain/recorded-payment.js';

const STEP = 'pay-invoice';

/**
 * Pays an approved invoice. Defence in depth: besides the state machine's ordering, the
 * approval's own stream must say `approved` (auto or human) before any money moves.
 *
 * Pays once per execution. Step Functions retries this task (Lambda.ServiceException,
 * ConcurrencyConflict) possibly after the payment went through: a retry finds the
 * PaymentRecorded in the execution stream and answers with its paymentId, calling no API and
 * recording no second PaymentRecorded. Should the earlier attempt have paid but failed to
 * record, the execution id as Idempotency-Key makes the provider answer with the same payment.
 */
export const handler = defineStep(
  {
    name: STEP,
    input: z.object({ invoice: Invoice }),
    output: z.object({ paymentId: z.string() }),
    secrets: () => ({ paymentsApiKey: requireEnv('PAYMENTS_SECRET_ID') }),
  },
  async (input, ctx) => {
    const { vendor, invoiceNumber, currency, amount } = input.invoice;
    const paid = recordedPayment(await readVerified(ctx.deps.store, executionStream(ctx.executionId)), { vendor, invoiceNumber, currency, amount });
    if (paid) {
      ctx.logger.info('payment already recorded for this execution; not paying again', { paymentVersion: paid.version });
      return { paymentId: paid.paymentId };
    }
    const approvalId = approvalIdFor(ctx.executionId);
    const approval = approvalState(await readVerified(ctx.deps.store, approvalStream(approvalId)));
    if (approval.status !== 'approved') {
      const status = approval.status === 'none' ? 'not on record' : approval.status;
      throw new PaymentFailed(`approval ${approvalId} is ${status}, not approved; nothing was paid`);
    }
    const apiKey = ctx.secrets.paymentsApiKey;
    // Never call the provider with an empty bearer token: fail, naming the secret, not paying.
    if (!apiKey) throw new SecretUnavailable(requireEnv('PAYMENTS_SECRET_ID'), 'it is empty or was not loaded; nothing was paid');
    const api = paymentsApiFromEnvironment();
    const { paymentId } = await api.pay({ idempotencyKey: ctx.executionId, vendor, invoiceNumber, currency, amount }, apiKey);
    // The money has moved: the fact is recorded even if the step fails from here on (its
    // output refused, ...), or the stream would say "not paid" about a paid invoice.
    ctx.record(
      {
        type: 'PaymentRecorded',
        actor: `step:${STEP}`,
        data: { paymentId, approvalId, vendor, invoiceNumber, currency, amount, mode: api.mode },
      },
      { evenOnFailure: true },
    );
    return { paymentId };
  },
);
