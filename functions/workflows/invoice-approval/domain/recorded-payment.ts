import type { PaymentRequest } from './payments-api.js';
import { PaymentFailed, type StoredEvent } from '#wardflow/step';

/** The invoice facts a PaymentRecorded event carries and a retry must repeat unchanged. */
const PAID_FACTS = ['vendor', 'invoiceNumber', 'currency', 'amount'] as const;

/** A payment already on record in an execution's stream. */
export interface RecordedPayment {
  paymentId: string;
  /** Version of the PaymentRecorded event in the execution stream. */
  version: number;
}

/**
 * The payment an execution already made, if its stream records one. Step Functions may retry
 * PayInvoice after the money moved (Lambda.ServiceException, ConcurrencyConflict on the audit
 * append); the retry must then answer with the recorded paymentId instead of paying, or
 * recording, a second time.
 *
 * A recorded payment for other invoice facts than the retry's is not "the same payment": that
 * fails with `PaymentFailed` naming the differing fields (never their values), so nobody is told
 * an invoice was paid when a different one was.
 *
 * @example
 * const paid = recordedPayment(await store.read(executionStream(executionId)), request);
 * if (paid) return { paymentId: paid.paymentId };
 */
export function recordedPayment(
  events: readonly StoredEvent[],
  request: Pick<PaymentRequest, (typeof PAID_FACTS)[number]>,
): RecordedPayment | undefined {
  // The first one counts: it is the payment that was made; any later one can only repeat it.
  const event = events.find((e) => e.type === 'PaymentRecorded');
  if (event === undefined) return undefined;
  const { paymentId } = event.data;
  if (typeof paymentId !== 'string' || paymentId === '') {
    throw new PaymentFailed(
      `PaymentRecorded (version ${event.version}) of ${event.stream} has no paymentId; nothing was paid again, investigate the stream`,
    );
  }
  const differing = PAID_FACTS.filter((field) => event.data[field] !== request[field]);
  if (differing.length > 0) {
    throw new PaymentFailed(
      `this execution already recorded a payment (version ${event.version}) whose ${differing.join(', ')} differ from this invoice's; nothing was paid again`,
    );
  }
  return { paymentId, version: event.version };
}
