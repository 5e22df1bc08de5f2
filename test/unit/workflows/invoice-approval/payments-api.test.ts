import { describe, expect, it } from 'vitest';
import { ConfigurationInvalid, PaymentFailed } from '../../../../functions/shared/errors.js';
import { HttpPaymentsApi, LedgerOnlyPayments, paymentsApiFromEnvironment } from '../../../../functions/workflows/invoice-approval/domain/payments-api.js';

const request = { idempotencyKey: 'exec-1', vendor: 'Acme', invoiceNumber: 'A-1', currency: 'EUR', amount: '10.00' };
const respond = (status: number, body: unknown): typeof fetch => (async () => new Response(JSON.stringify(body), { status })) as typeof fetch;

describe('payments API', () => {
  it('is ledger-only (no money moves) without PAYMENTS_API_URL, with a deterministic id', async () => {
    const api = paymentsApiFromEnvironment({});
    expect(api).toBeInstanceOf(LedgerOnlyPayments);
    expect(api.mode).toBe('ledger-only');
    expect(await api.pay(request, 'key')).toEqual({ paymentId: 'ledger-exec-1' });
  });

  it('refuses plain http except to localhost, and non-URLs', () => {
    expect(() => new HttpPaymentsApi({ url: 'http://payments.example.com/pay' })).toThrow(ConfigurationInvalid);
    expect(() => new HttpPaymentsApi({ url: 'not a url' })).toThrow(ConfigurationInvalid);
    expect(() => new HttpPaymentsApi({ url: 'http://localhost:9000/pay' })).not.toThrow();
    expect(paymentsApiFromEnvironment({ PAYMENTS_API_URL: 'https://payments.example.com/pay' }).mode).toBe('http');
  });

  it('refuses a response without a usable paymentId', async () => {
    const api = new HttpPaymentsApi({ url: 'https://payments.example.com/pay', fetch: respond(200, { paymentId: '<b>x</b>' }) });
    await expect(api.pay(request, 'key')).rejects.toBeInstanceOf(PaymentFailed);
  });

  it('names the status of a refusal, never the body', async () => {
    const api = new HttpPaymentsApi({ url: 'https://payments.example.com/pay', fetch: respond(500, { echo: 'Acme A-1' }) });
    const error = await api.pay(request, 'key').catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(PaymentFailed);
    expect((error as Error).message).toContain('HTTP 500');
    expect((error as Error).message).not.toContain('Acme');
  });

  it('turns a network failure into PaymentFailed', async () => {
    const failing = (async () => {
      throw new TypeError('fetch failed: connect ECONNREFUSED');
    }) as typeof fetch;
    await expect(new HttpPaymentsApi({ url: 'https://payments.example.com/pay', fetch: failing }).pay(request, 'key')).rejects.toThrow(/could not be reached/);
  });
});
