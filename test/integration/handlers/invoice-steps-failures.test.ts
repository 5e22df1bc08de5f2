import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as applyPolicy } from '../../../functions/workflows/invoice-approval/apply-policy/handler.js';
import { handler as checkGrounding } from '../../../functions/workflows/invoice-approval/check-grounding/handler.js';
import { handler as extractInvoice } from '../../../functions/workflows/invoice-approval/extract-invoice/handler.js';
import { handler as payInvoice } from '../../../functions/workflows/invoice-approval/pay-invoice/handler.js';
import { handler as recordOutcome } from '../../../functions/record-outcome/handler.js';
import { handler as recordStart } from '../../../functions/record-start/handler.js';
import { handler as requestApproval } from '../../../functions/request-approval/handler.js';
import { GuardTriggered, ModelNotAllowed, PaymentFailed, ValidationFailed } from '../../../functions/shared/errors.js';
import { approvalStream } from '../../../functions/shared/events/event.js';
import { answerPaymentsSecret, callStep, exampleInput, failureOf, invoiceSubject, SAMPLE_INVOICE as invoice, silenceOutput, stubStepEnvironment, registerSampleVendor, undoTestStubs, useHandlerWorld, recordPolicyAutoApproval } from './harness.js';

const PAYMENTS_KEY = 'sk_test_payments_77d0b3';
const secretsManager = mockClient(SecretsManagerClient);
const bedrock = mockClient(BedrockRuntimeClient);

const world = useHandlerWorld();
// Acme's bank details in the vendor register, so its invoice can be auto-approved.
beforeAll(registerSampleVendor);
beforeEach(() => {
  stubStepEnvironment({ paymentsApiUrl: '' });
  answerPaymentsSecret(secretsManager, { secretString: PAYMENTS_KEY, versionId: 'v-7' });
  bedrock.reset();
  // The failures below are logged on purpose; keep the test output readable.
  silenceOutput();
});
afterEach(() => undoTestStubs(world));

describe('extract-invoice', () => {
  it('fails the malformed example with ValidationFailed from the model output, and still records the model call', async () => {
    const { invoiceText } = exampleInput('invoice-malformed.json');
    const error = await failureOf(callStep(extractInvoice, 'exec-malformed', { invoiceText }));
    expect(error).toBeInstanceOf(ValidationFailed);
    expect((error as ValidationFailed).source).toBe('model output');
    expect((error as ValidationFailed).issues.map((i) => i.path)).toEqual(expect.arrayContaining(['currency', 'amount', 'dueDate']));
    const events = await world.executionEvents('exec-malformed');
    expect(events.map((e) => e.type)).toEqual(['ModelInvoked', 'ValidationFailed']);
    expect(events[1]!.data).toMatchObject({ step: 'extract-invoice', source: 'model output' });
  });

  it('calls Bedrock when configured, and records tokens and cost', async () => {
    vi.stubEnv('MODEL_PROVIDER', 'bedrock');
    vi.stubEnv('MODEL_ID', 'anthropic.claude-3-haiku-20240307-v1:0');
    vi.stubEnv('ALLOWED_MODELS', 'anthropic.claude-3-haiku-20240307-v1:0');
    bedrock.on(ConverseCommand).resolves({
      output: { message: { role: 'assistant', content: [{ text: '```json\n' + JSON.stringify(invoice) + '\n```' }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: 2000, outputTokens: 100, totalTokens: 2100 },
      metrics: { latencyMs: 300 },
    });
    expect(await callStep(extractInvoice, 'exec-bedrock', { invoiceText: 'the document' })).toEqual(invoice);
    const [invoked] = await world.executionEvents('exec-bedrock');
    expect(invoked!.data).toMatchObject({ provider: 'bedrock', inputTokens: 2000, outputTokens: 100, costUsd: 0.000625, costKnown: true });
  });

  it('refuses a model that is not allowed before calling anything', async () => {
    vi.stubEnv('MODEL_PROVIDER', 'bedrock');
    vi.stubEnv('MODEL_ID', 'anthropic.claude-3-haiku-20240307-v1:0');
    vi.stubEnv('ALLOWED_MODELS', 'amazon.nova-micro-v1:0');
    expect(await failureOf(callStep(extractInvoice, 'exec-denied', { invoiceText: 'x' }))).toBeInstanceOf(ModelNotAllowed);
    expect(bedrock.calls()).toHaveLength(0);
  });

  it('refuses the local stand-in where only Bedrock models are allowed, even when it was asked for', async () => {
    vi.stubEnv('MODEL_ID', 'amazon.nova-micro-v1:0');
    vi.stubEnv('ALLOWED_MODELS', 'amazon.nova-micro-v1:0');
    expect(await failureOf(callStep(extractInvoice, 'exec-standin', { invoiceText: 'From: Acme' }))).toBeInstanceOf(ModelNotAllowed);
  });
});

describe('check-grounding', () => {
  it('blocks an invented amount and records which field, not its value', async () => {
    const { invoiceText } = exampleInput('invoice-small.json');
    const error = await failureOf(callStep(checkGrounding, 'exec-invented', { invoiceText, invoice: { ...invoice, amount: '499.99' } }));
    expect(error).toBeInstanceOf(GuardTriggered);
    expect(error.message).not.toContain('499.99');
    const events = await world.executionEvents('exec-invented');
    expect(events.map((e) => e.type)).toEqual(['GuardTriggered', 'StepFailed']);
    expect(events[0]!.data).toEqual({ step: 'check-grounding', guard: 'grounding', verdict: 'block', spans: [], fields: ['currency', 'amount'] });
    expect(JSON.stringify(events.map((e) => e.data))).not.toContain('499.99');
  });
});

describe('apply-policy', () => {
  it('is idempotent when Step Functions retries the vendor check, and never opens the approval stream', async () => {
    const first = await callStep(applyPolicy, 'exec-retry', { invoice });
    expect(await callStep(applyPolicy, 'exec-retry', { invoice })).toEqual(first);
    expect(await world.approvalEvents('exec-retry-1')).toEqual([]);
  });
});

describe('request-approval', () => {
  it('refuses to open a gate without a task token', async () => {
    const error = await failureOf(callStep(requestApproval, 'exec-notoken', { approvalId: 'exec-notoken-1', subject: invoiceSubject(invoice) }));
    expect(error).toBeInstanceOf(ValidationFailed);
    expect(await world.approvalEvents('exec-notoken-1')).toEqual([]);
  });
});

describe('pay-invoice', () => {
  let server: Server;
  let url: string;
  let seen: { headers: IncomingHttpHeaders; body: string }[] = [];
  let status = 200;
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(status === 200 ? JSON.stringify({ paymentId: 'pay_123' }) : JSON.stringify({ error: `bad key ${PAYMENTS_KEY}` }));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/payments`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen = [];
    status = 200;
  });

  it('refuses to pay without an approval on record', async () => {
    const error = await failureOf(callStep(payInvoice, 'exec-unapproved', { invoice }));
    expect(error).toBeInstanceOf(PaymentFailed);
    expect((await world.executionEvents('exec-unapproved')).some((e) => e.type === 'PaymentRecorded')).toBe(false);
  });

  it('pays over HTTP with the secret as bearer key and the execution as idempotency key', async () => {
    vi.stubEnv('PAYMENTS_API_URL', url);
    await recordPolicyAutoApproval(world, 'exec-http', invoice);
    expect(await callStep(payInvoice, 'exec-http', { invoice })).toEqual({ paymentId: 'pay_123' });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${PAYMENTS_KEY}`);
    expect(seen[0]!.headers['idempotency-key']).toBe('exec-http');
    expect(JSON.parse(seen[0]!.body)).toEqual({ vendor: invoice.vendor, invoiceNumber: invoice.invoiceNumber, currency: 'EUR', amount: '4999.99' });
    const events = await world.executionEvents('exec-http');
    expect(events.find((e) => e.type === 'PaymentRecorded')!.data).toMatchObject({ paymentId: 'pay_123', mode: 'http' });
  });

  it('turns a refusal into PaymentFailed without the response body', async () => {
    vi.stubEnv('PAYMENTS_API_URL', url);
    status = 401;
    await recordPolicyAutoApproval(world, 'exec-401', invoice);
    const error = await failureOf(callStep(payInvoice, 'exec-401', { invoice }));
    expect(error).toBeInstanceOf(PaymentFailed);
    expect(error.message).toContain('HTTP 401');
    expect(error.message).not.toContain(PAYMENTS_KEY);
    expect(JSON.stringify((await world.executionEvents('exec-401')).map((e) => e.data))).not.toContain(PAYMENTS_KEY);
  });
});

describe('record-outcome', () => {
  it('does not end a stream that an execution of another workflow started under the same name', async () => {
    await callStep(recordStart, 'exec-shared-name', exampleInput('invoice-small.json'));
    vi.stubEnv('WORKFLOW_NAME', 'vendor-bank-details');
    const error = await failureOf(callStep(recordOutcome, 'exec-shared-name', { outcome: 'failed', error: { Error: 'ConcurrencyConflict' } }));
    expect(error.name).toBe('ConcurrencyConflict');
    expect((await world.executionEvents('exec-shared-name')).some((e) => e.type === 'ExecutionFailed')).toBe(false);
  });

  it('stores the error name only, never the Cause, and replaces a name that is not one', async () => {
    await callStep(recordOutcome, 'exec-failed', { outcome: 'failed', error: { Error: 'GuardTriggered', Cause: 'vendor Acme Office Supplies' } });
    await callStep(recordOutcome, 'exec-odd', { outcome: 'failed', error: { Error: '<script>alert(1)</script>' } });
    // StepSucceeded is written last (the commit marker), so the outcome is the one before it.
    expect((await world.executionEvents('exec-failed')).at(-1)!.type).toBe('StepSucceeded');
    expect((await world.executionEvents('exec-failed')).at(-2)!.data).toEqual({ error: 'GuardTriggered' });
    expect((await world.executionEvents('exec-odd')).at(-2)!.data).toEqual({ error: 'UnrecognisedError' });
  });

  it('leaves a decided approval alone when the gate times out afterwards', async () => {
    await recordPolicyAutoApproval(world, 'exec-raced', invoice);
    await callStep(recordOutcome, 'exec-raced', { outcome: 'failed', error: { Error: 'States.Timeout' }, approvalId: 'exec-raced-1' });
    expect((await world.read(approvalStream('exec-raced-1'))).map((e) => e.type)).toEqual(['ApprovalAutoDecided']);
  });
});
