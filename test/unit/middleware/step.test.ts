import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clearCache } from '@middy/util';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PaymentFailed, SecretUnavailable, type WardflowError } from '../../../functions/shared/errors.js';
import type { EventStore } from '../../../functions/shared/events/store.js';
import { defineStep, type StepContext } from '../../../functions/shared/middleware/step.js';
import { setDependencies, type StepDependencies } from '../../../functions/shared/runtime.js';
import { captureProcessOutput, lambdaContext, logCapture, testDependencies } from './fixtures.js';

const PLANTED = 'sk_live_PLANTED_5f3c9a1e7b2d4680';
const SECRET_ID = 'wardflow/test/payments-api-key';
const TOKEN = 'AAAAKgAAAAIAAAAAPLANTED-task-token-0007';

const sm = mockClient(SecretsManagerClient);
const Input = z.object({ amount: z.number().positive(), vendor: z.string().max(50) });
const Output = z.object({ receiptId: z.string(), echo: z.string().optional() });

let deps: StepDependencies;
let store: EventStore;

beforeEach(() => {
  sm.reset();
  sm.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: PLANTED, VersionId: 'v-42' });
  deps = testDependencies();
  store = deps.store;
  setDependencies(deps);
});
afterEach(() => {
  clearCache();
  setDependencies(undefined);
});

type Behaviour = 'ok' | 'leak-output' | 'throw-wardflow' | 'throw-unknown';

function paymentStep(behaviour: Behaviour, sink: (line: string) => void) {
  const seen: StepContext[] = [];
  const handler = defineStep(
    { name: 'pay-invoice', input: Input, output: Output, secrets: () => ({ paymentsApiKey: SECRET_ID }), logSink: sink },
    async (input, ctx) => {
      seen.push(ctx);
      const key = ctx.secrets.paymentsApiKey as string;
      ctx.logger.info(`paying ${input.amount} to ${input.vendor} with key ${key}`, { apiKey: key, token: ctx.taskToken });
      ctx.record({ type: 'PaymentRecorded', actor: 'step:pay-invoice', data: { receiptId: 'r-1', debug: `key=${key}` } });
      if (behaviour === 'throw-wardflow') throw new PaymentFailed(`gateway refused key ${key}`);
      if (behaviour === 'throw-unknown') throw new Error(`boom with ${key} and ${ctx.taskToken}`);
      return { receiptId: 'r-1', ...(behaviour === 'leak-output' ? { echo: `the key is ${key}` } : {}) };
    },
  );
  return { handler, seen };
}

const event = { executionId: 'exec-42', taskToken: TOKEN, input: { amount: 12.5, vendor: 'ACME' } };

describe('defineStep', () => {
  it('hands the implementation typed input and a context, returns validated output and records the facts', async () => {
    const log = logCapture();
    const { handler, seen } = paymentStep('ok', log.sink);
    const output = await handler(event, lambdaContext('req-42'));
    expect(output).toEqual({ receiptId: 'r-1' });
    const ctx = seen[0]!;
    expect(ctx).toMatchObject({ executionId: 'exec-42', taskToken: TOKEN, secrets: { paymentsApiKey: PLANTED } });
    expect(ctx.deps).toBe(deps);
    const events = await store.read('execution#exec-42');
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['SecretRead', { step: 'pay-invoice', name: SECRET_ID, versionId: 'v-42' }],
      ['PaymentRecorded', { receiptId: 'r-1', debug: 'key=[REDACTED]' }],
      ['StepSucceeded', { step: 'pay-invoice', durationMs: expect.any(Number) }],
    ]);
    for (const r of log.records()) expect(r).toMatchObject({ executionId: 'exec-42', awsRequestId: 'req-42', step: 'pay-invoice', service: 'wardflow' });
  });

  it('reads dependencies at invocation time, so setDependencies after definition applies', async () => {
    const { handler } = paymentStep('ok', logCapture().sink);
    const later = testDependencies();
    setDependencies(later);
    await handler(event, lambdaContext());
    expect(await later.store.read('execution#exec-42')).toHaveLength(3);
    expect(await store.read('execution#exec-42')).toHaveLength(0);
  });

  it('fails with SecretUnavailable (by name) when the secret cannot be read, and records it', async () => {
    sm.reset();
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const { handler, seen } = paymentStep('ok', logCapture().sink);
    const error = await handler(event, lambdaContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretUnavailable);
    expect(seen).toHaveLength(0);
    const events = await store.read('execution#exec-42');
    expect(events.map((e) => [e.type, e.data.error])).toEqual([['StepFailed', 'SecretUnavailable']]);
  });

  describe.each<[Behaviour, string]>([
    ['leak-output', 'GuardTriggered'],
    ['throw-wardflow', 'PaymentFailed'],
    ['throw-unknown', 'StepFailed'],
  ])('a planted secret the handler logs and %s', (behaviour, expectedName) => {
    it(`appears in no log line, no event and not in the ${expectedName} thrown to the caller`, async () => {
      const log = logCapture();
      const { handler } = paymentStep(behaviour, log.sink);
      // Everything else the process prints (middy, the SDK, Powertools warnings) is captured too.
      const { result, output: processOutput } = await captureProcessOutput(() => handler(event, lambdaContext()));
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as WardflowError;
      expect(error.name).toBe(expectedName);

      const thrown = JSON.stringify({ message: error.message, stack: error.stack, details: error.details, own: { ...error } });
      const logs = log.lines.join('\n');
      const events = JSON.stringify(await store.read('execution#exec-42'));
      for (const planted of [PLANTED, TOKEN]) {
        expect(thrown).not.toContain(planted);
        expect(logs).not.toContain(planted);
        expect(processOutput).not.toContain(planted);
        expect(events).not.toContain(planted);
      }
      // The log line exists and was redacted, rather than dropped.
      expect(logs).toContain('with key [REDACTED]');
      expect(events).toContain('"type":"StepFailed"');
      expect(events).not.toContain('PaymentRecorded'); // queued events are only appended on success
    });
  });
});
