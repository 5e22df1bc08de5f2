import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler as applyPolicy } from '../../../functions/workflows/invoice-approval/apply-policy/handler.js';
import { handler as payInvoice } from '../../../functions/workflows/invoice-approval/pay-invoice/handler.js';
import { handler as recordOutcome } from '../../../functions/record-outcome/handler.js';
import { handler as recordStart } from '../../../functions/record-start/handler.js';
import { ConcurrencyConflict, SecretUnavailable } from '../../../functions/shared/errors.js';
import type { NewEvent } from '../../../functions/shared/events/event.js';
import type { EventStore } from '../../../functions/shared/events/store.js';
import { LOCAL_INVOICE_PARSER_ID, LocalInvoiceParserGateway } from '../../../functions/workflows/invoice-approval/domain/local-invoice-parser.js';
import { selectGateway } from '../../../functions/shared/models/select-gateway.js';
import { setDependencies } from '../../../functions/shared/runtime.js';
import { answerPaymentsSecret, callStep, exampleInput, failureOf, SAMPLE_INVOICE as invoice, silenceOutput, STEP_ENV, stubStepEnvironment, registerSampleVendor, undoTestStubs, useHandlerWorld, recordPolicyAutoApproval } from './harness.js';

/**
 * Step Functions retries a task whose invocation failed after its write landed
 * (Lambda.ServiceException, a failed audit write). These tests replay such retries
 * against dynalite and check that the record stays single and the answers stay the recorded ones.
 */
const PAYMENTS_KEY = 'sk_test_payments_retry_5e21';
const secretsManager = mockClient(SecretsManagerClient);

const world = useHandlerWorld();
// Acme's bank details in the vendor register, so its invoice can be auto-approved.
beforeAll(registerSampleVendor);
beforeEach(() => {
  stubStepEnvironment({ paymentsApiUrl: '' });
  answerPaymentsSecret(secretsManager, { secretString: PAYMENTS_KEY, versionId: 'v-3' });
  silenceOutput();
});
afterEach(() => undoTestStubs(world));

/** The world's store, except that the next `failures` appends matching `fails` throw a service error. */
function flakyStore(fails: (events: NewEvent[]) => boolean, failures = 1): EventStore {
  const store = world.deps.store;
  let left = failures;
  return {
    append: async (stream, expected, events) => {
      if (left > 0 && fails(events)) {
        left--;
        throw Object.assign(new Error('service unavailable'), { name: 'ServiceUnavailable' });
      }
      return store.append(stream, expected, events);
    },
    read: (stream) => store.read(stream),
  };
}

describe('record-start retried', () => {
  it('succeeds when its ExecutionStarted landed but the audit write failed, with one ExecutionStarted and one StepSucceeded', async () => {
    const { invoiceText, source } = exampleInput('invoice-small.json');
    setDependencies({ ...world.deps, store: flakyStore((events) => events.some((e) => e.type === 'StepSucceeded')) });
    expect(await failureOf(callStep(recordStart, 'exec-start-retry', { invoiceText, source }))).toBeDefined();
    expect((await world.executionEvents('exec-start-retry')).map((e) => e.type)).toEqual(['ExecutionStarted']);

    expect(await callStep(recordStart, 'exec-start-retry', { invoiceText, source })).toEqual({});
    expect((await world.executionEvents('exec-start-retry')).map((e) => e.type)).toEqual(['ExecutionStarted', 'StepSucceeded']);
  });

  it('refuses a start when the stream was opened by another workflow', async () => {
    const { invoiceText, source } = exampleInput('invoice-small.json');
    await world.deps.store.append('execution#exec-start-other', 0, [
      { type: 'ExecutionStarted', actor: 'step:record-start', data: { workflow: 'another-workflow', source } },
    ]);
    expect(await failureOf(callStep(recordStart, 'exec-start-other', { invoiceText, source }))).toBeInstanceOf(ConcurrencyConflict);
    expect((await world.executionEvents('exec-start-other')).filter((e) => e.type === 'ExecutionStarted')).toHaveLength(1);
  });
});

describe('apply-policy retried', () => {
  it('checks again and answers the same, writing nothing: the gate records the decision, not the vendor check', async () => {
    const first = await callStep(applyPolicy, 'exec-check-retried', { invoice });
    expect(first).toMatchObject({ knownVendor: true, check: 'registered-account', approvalId: 'exec-check-retried-1' });
    expect(await callStep(applyPolicy, 'exec-check-retried', { invoice })).toEqual(first);
    expect(await world.approvalEvents('exec-check-retried-1')).toEqual([]);
  });

  it('refuses to check for an execution whose stream already ended: a reused execution name', async () => {
    // One at a time: dynalite has no transactions.
    await world.deps.store.append('execution#exec-reused', 0, [{ type: 'ExecutionStarted', actor: 'step:record-start', data: { workflow: 'invoice-approval', source: 'examples/invoice-small.json' } }]);
    await world.deps.store.append('execution#exec-reused', 1, [{ type: 'ExecutionSucceeded', actor: 'step:record-outcome', data: {} }]);
    expect(await failureOf(callStep(applyPolicy, 'exec-reused', { invoice }))).toBeInstanceOf(ConcurrencyConflict);
  });

  it('finds an unregistered vendor unknown, and writes nothing on the approval stream', async () => {
    expect(await callStep(applyPolicy, 'exec-unknown-vendor', { invoice: { ...invoice, vendor: 'Unknown Vendor GmbH' } })).toMatchObject({
      knownVendor: false,
      check: 'vendor-not-registered',
      approvalId: 'exec-unknown-vendor-1',
    });
    expect(await world.approvalEvents('exec-unknown-vendor-1')).toEqual([]);
  });
});

describe('record-outcome retried', () => {
  it('ends the stream once when the audit write of the first attempt failed after the outcome landed', async () => {
    const id = 'exec-outcome-retry';
    setDependencies({ ...world.deps, store: flakyStore((events) => events.some((e) => e.type === 'StepSucceeded')) });
    expect(await failureOf(callStep(recordOutcome, id, { outcome: 'succeeded' }))).toBeDefined();
    expect((await world.executionEvents(id)).map((e) => e.type)).toEqual(['ExecutionSucceeded']);

    setDependencies(world.deps);
    expect(await callStep(recordOutcome, id, { outcome: 'succeeded' })).toEqual({ outcome: 'succeeded' });
    expect((await world.executionEvents(id)).map((e) => e.type)).toEqual(['ExecutionSucceeded', 'StepSucceeded']);
  });

  it('answers a retry with the recorded end, not a second ExecutionFailed', async () => {
    const id = 'exec-outcome-failed-twice';
    const failed = { outcome: 'failed', error: { Error: 'PaymentFailed' } };
    expect(await callStep(recordOutcome, id, failed)).toEqual({ outcome: 'failed' });
    expect(await callStep(recordOutcome, id, failed)).toEqual({ outcome: 'failed' });
    // A retry with another input still answers with what was recorded first.
    expect(await callStep(recordOutcome, id, { outcome: 'succeeded' })).toEqual({ outcome: 'failed' });
    const events = await world.executionEvents(id);
    expect(events.filter((e) => e.type === 'ExecutionFailed' || e.type === 'ExecutionSucceeded').map((e) => [e.type, e.data.error])).toEqual([
      ['ExecutionFailed', 'PaymentFailed'],
    ]);
    expect(events.filter((e) => e.type === 'StepSucceeded')).toHaveLength(3);
  });
});

describe('pay-invoice without a usable key', () => {
  it('fails with SecretUnavailable naming the secret, and pays nothing, when the secret is empty', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '', VersionId: 'v-4' });
    await recordPolicyAutoApproval(world, 'exec-empty-key', invoice);
    const error = await failureOf(callStep(payInvoice, 'exec-empty-key', { invoice }));
    expect(error).toBeInstanceOf(SecretUnavailable);
    expect(error.message).toContain(STEP_ENV.PAYMENTS_SECRET_ID);
    expect(error.message).toContain('empty or was not loaded');
    const events = await world.executionEvents('exec-empty-key');
    expect(events.some((e) => e.type === 'PaymentRecorded')).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'StepFailed', data: { step: 'pay-invoice', error: 'SecretUnavailable' } });
  });
});

describe('selectGateway', () => {
  it('reuses one gateway per provider in a container, and uses an injected client as is', () => {
    const standIn = { id: LOCAL_INVOICE_PARSER_ID, create: () => new LocalInvoiceParserGateway() };
    expect(selectGateway('bedrock')).toBe(selectGateway('bedrock'));
    expect(selectGateway('local', { standIn })).toBe(selectGateway('local', { standIn }));
    expect(selectGateway('bedrock')).not.toBe(selectGateway('local', { standIn }));
    const injected = new BedrockRuntimeClient({ region: 'us-east-1' });
    expect(selectGateway('bedrock', { bedrockClient: injected })).not.toBe(selectGateway('bedrock'));
  });
});
