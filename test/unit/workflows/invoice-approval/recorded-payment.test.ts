import { describe, expect, it } from 'vitest';
import { PaymentFailed } from '../../../../functions/shared/errors.js';
import type { Json, StoredEvent } from '../../../../functions/shared/events/event.js';
import { recordedPayment } from '../../../../functions/workflows/invoice-approval/domain/recorded-payment.js';

const facts = { vendor: 'Acme Office Supplies', invoiceNumber: 'INV-1', currency: 'EUR', amount: '4999.99' };

/** Only type, version and data matter to recordedPayment; the rest is filler. */
function event(version: number, type: StoredEvent['type'], data: { [key: string]: Json }): StoredEvent {
  return { stream: 'execution#e1', version, type, time: '2026-01-01T00:00:00.000Z', actor: 'step:pay-invoice', data, sealed: null, prevHash: null, hash: 'h' };
}
const paid = (version: number, paymentId: Json, extra: { [key: string]: Json } = {}) =>
  event(version, 'PaymentRecorded', { paymentId, approvalId: 'e1-1', ...facts, mode: 'http', ...extra });

describe('recordedPayment', () => {
  it('given no PaymentRecorded, finds nothing (so the step pays)', () => {
    expect(recordedPayment([], facts)).toBeUndefined();
    expect(recordedPayment([event(1, 'ExecutionStarted', {}), event(2, 'StepSucceeded', { step: 'pay-invoice' })], facts)).toBeUndefined();
  });

  it('given a PaymentRecorded for the same invoice, returns its paymentId and version', () => {
    const events = [event(1, 'ExecutionStarted', {}), paid(2, 'pay_1'), event(3, 'StepSucceeded', { step: 'pay-invoice' })];
    expect(recordedPayment(events, facts)).toEqual({ paymentId: 'pay_1', version: 2 });
  });

  it('takes the first PaymentRecorded: that is the payment that was made', () => {
    expect(recordedPayment([paid(1, 'pay_first'), paid(2, 'pay_second')], facts)).toEqual({ paymentId: 'pay_first', version: 1 });
  });

  it('refuses a recorded payment for other invoice facts, naming the fields but not the values', () => {
    const run = () => recordedPayment([paid(4, 'pay_1')], { ...facts, amount: '10.00', vendor: 'Globex Logistics' });
    expect(run).toThrow(PaymentFailed);
    const message = (() => {
      try {
        run();
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(message).toContain('vendor, amount');
    for (const value of ['10.00', '4999.99', 'Globex', 'Acme']) expect(message).not.toContain(value);
  });

  it('refuses a PaymentRecorded without a usable paymentId rather than paying again', () => {
    expect(() => recordedPayment([paid(1, null)], facts)).toThrow(PaymentFailed);
    expect(() => recordedPayment([paid(1, '')], facts)).toThrow(PaymentFailed);
  });
});
