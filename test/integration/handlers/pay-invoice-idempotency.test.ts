import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as payInvoice } from '../../../functions/workflows/invoice-approval/pay-invoice/handler.js';
import { ConcurrencyConflict, GuardTriggered, PaymentFailed } from '../../../functions/shared/errors.js';
import type { EventStore } from '../../../functions/shared/events/store.js';
import { setDependencies } from '../../../functions/shared/runtime.js';
import { answerPaymentsSecret, callStep, failureOf, SAMPLE_INVOICE as invoice, silenceOutput, stubStepEnvironment, registerSampleVendor, undoTestStubs, useHandlerWorld, recordPolicyAutoApproval } from './harness.js';

// Step Functions retries PayInvoice on Lambda.ServiceException and ConcurrencyConflict, possibly
// after the money moved. These tests invoke the step again for the same execution, as a retry does.

const PAYMENTS_KEY = 'sk_test_payments_retry_5e21';
const secretsManager = mockClient(SecretsManagerClient);

const world = useHandlerWorld();
// Acme's bank details in the vendor register, so its invoice can be auto-approved.
beforeAll(registerSampleVendor);
let server: Server;
let url: string;
/** Idempotency-Key of every request the payments provider received. */
let calls: string[] = [];
/** The paymentId the provider answers with for an Idempotency-Key. */
let paymentIdFor = (key: string) => `pay_${key}`;
beforeAll(async () => {
  // A provider that honours Idempotency-Key the way real ones do: same key, same payment.
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = String(req.headers['idempotency-key']);
      calls.push(key);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ paymentId: paymentIdFor(key) }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/payments`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  stubStepEnvironment({ paymentsApiUrl: url });
  calls = [];
  paymentIdFor = (key) => `pay_${key}`;
  answerPaymentsSecret(secretsManager, { secretString: PAYMENTS_KEY, versionId: 'v-1' });
  silenceOutput();
});
afterEach(() => undoTestStubs(world));

const payments = async (executionId: string) => (await world.executionEvents(executionId)).filter((e) => e.type === 'PaymentRecorded');
const paySucceeded = async (executionId: string) =>
  (await world.executionEvents(executionId)).filter((e) => e.type === 'StepSucceeded' && e.data.step === 'pay-invoice');

describe('pay-invoice retried for the same execution', () => {
  it('pays once over HTTP: one API call, one PaymentRecorded, the same paymentId both times', async () => {
    const id = 'exec-retry-http';
    await recordPolicyAutoApproval(world, id, invoice);
    const first = await callStep(payInvoice, id, { invoice });
    const second = await callStep(payInvoice, id, { invoice });
    expect(first).toEqual({ paymentId: `pay_${id}` });
    expect(second).toEqual(first);
    expect(calls).toEqual([id]);
    const recorded = await payments(id);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.data).toMatchObject({ paymentId: `pay_${id}`, mode: 'http' });
    // Each invocation is still a fact of its own.
    expect(await paySucceeded(id)).toHaveLength(2);
  });

  it('pays once in ledger-only mode too', async () => {
    vi.stubEnv('PAYMENTS_API_URL', '');
    const id = 'exec-retry-ledger';
    await recordPolicyAutoApproval(world, id, invoice);
    expect(await callStep(payInvoice, id, { invoice })).toEqual({ paymentId: `ledger-${id}` });
    expect(await callStep(payInvoice, id, { invoice })).toEqual({ paymentId: `ledger-${id}` });
    expect(await payments(id)).toHaveLength(1);
  });

  it('when the first attempt paid but could not record, the retry records the provider\'s same payment once', async () => {
    const id = 'exec-retry-unrecorded';
    await recordPolicyAutoApproval(world, id, invoice);
    // The first attempt's audit append of PaymentRecorded keeps conflicting: the step fails after paying.
    const store = world.deps.store;
    const conflicting: EventStore = {
      read: (stream) => store.read(stream),
      append: async (stream, expected, events) => {
        if (events.some((e) => e.type === 'PaymentRecorded')) throw new ConcurrencyConflict(stream, expected);
        return store.append(stream, expected, events);
      },
    };
    setDependencies({ ...world.deps, store: conflicting });
    expect(await failureOf(callStep(payInvoice, id, { invoice }))).toBeInstanceOf(ConcurrencyConflict);
    expect(await payments(id)).toHaveLength(0);

    setDependencies(world.deps);
    expect(await callStep(payInvoice, id, { invoice })).toEqual({ paymentId: `pay_${id}` });
    expect(await callStep(payInvoice, id, { invoice })).toEqual({ paymentId: `pay_${id}` });
    // Two API calls with the same Idempotency-Key (the provider answers with one payment), then none.
    expect(calls).toEqual([id, id]);
    expect(await payments(id)).toHaveLength(1);
  });

  it('records the payment even when the step fails after the provider paid', async () => {
    const id = 'exec-paid-then-failed';
    await recordPolicyAutoApproval(world, id, invoice);
    // The step fails after api.pay: here because its output would carry the API key (refused).
    paymentIdFor = () => `pay_${PAYMENTS_KEY}`;
    expect(await failureOf(callStep(payInvoice, id, { invoice }))).toBeInstanceOf(GuardTriggered);
    expect(calls).toEqual([id]);
    const recorded = await payments(id);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.data).toMatchObject({ approvalId: `${id}-1`, mode: 'http', amount: invoice.amount });
    expect(JSON.stringify(recorded[0]!.data)).not.toContain(PAYMENTS_KEY);
    const events = await world.executionEvents(id);
    expect(events.map((e) => e.type).slice(-2)).toEqual(['PaymentRecorded', 'StepFailed']);
    expect(await paySucceeded(id)).toHaveLength(0);
  });

  it('refuses a retry for other invoice facts than the recorded payment, without calling the API', async () => {
    const id = 'exec-retry-changed';
    await recordPolicyAutoApproval(world, id, invoice);
    await callStep(payInvoice, id, { invoice });
    calls = [];
    const error = await failureOf(callStep(payInvoice, id, { invoice: { ...invoice, amount: '4000.00' } }));
    expect(error).toBeInstanceOf(PaymentFailed);
    expect(error.message).toContain('amount');
    expect(error.message).not.toContain('4000.00');
    expect(error.message).not.toContain('4999.99');
    expect(calls).toEqual([]);
    expect(await payments(id)).toHaveLength(1);
  });
});
