import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { PaymentFailed } from '../../../functions/shared/errors.js';
import { sourceDimension } from '../../../functions/shared/middleware/metrics.js';
import { defineStep } from '../../../functions/shared/middleware/step.js';
import { setDependencies } from '../../../functions/shared/runtime.js';
import { captureProcessOutput, lambdaContext, logCapture, testDependencies } from './fixtures.js';

/**
 * The step middleware's metrics, read the way CloudWatch reads them: the EMF lines Powertools
 * prints on stdout. Values planted in the input, the secrets and the error must never reach them.
 */
const PLANTED_SECRET = 'sk_live_PLANTED_metrics_9c1e';
const PLANTED_PERSON = 'alice.planted@example.com';

type Emf = { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] } } & Record<string, unknown>;

function emfRecords(output: string): Emf[] {
  return output
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Emf);
}

function record(records: Emf[], metric: string, dimensions: string[]): Emf {
  const found = records.filter((r) => r._aws.CloudWatchMetrics[0]!.Metrics.some((m) => m.Name === metric) && r._aws.CloudWatchMetrics[0]!.Dimensions.some((d) => d.join() === dimensions.join()));
  expect(found, `${metric} by ${dimensions.join(',')}`).toHaveLength(1);
  return found[0]!;
}

const Input = z.object({ source: z.string().optional(), payee: z.string(), amount: z.number() });

function step(behaviour: 'ok' | 'model' | 'throw-unknown' | 'throw-wardflow') {
  const log = logCapture();
  const handler = defineStep({ name: 'pay-invoice', input: Input, output: z.object({ ok: z.boolean() }), logSink: log.sink }, async (input, ctx) => {
    if (behaviour === 'model' || behaviour === 'throw-wardflow') {
      ctx.record(
        { type: 'ModelInvoked', actor: 'step:pay-invoice', data: { step: 'pay-invoice', modelId: 'm', provider: 'bedrock', inputTokens: 1000, outputTokens: 200, costUsd: 0.25, costKnown: true } },
        { evenOnFailure: true },
      );
    }
    if (behaviour === 'throw-unknown') throw new Error(`refused ${input.payee} with ${PLANTED_SECRET}`);
    if (behaviour === 'throw-wardflow') throw new PaymentFailed(`gateway refused ${PLANTED_SECRET}`);
    return { ok: true };
  });
  return handler;
}

const event = (input: Record<string, unknown>) => ({ executionId: 'exec-42', input: { payee: PLANTED_PERSON, amount: 12, ...input } });

beforeEach(() => {
  setDependencies(testDependencies());
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'wardflow/test');
  vi.stubEnv('WORKFLOW_NAME', 'invoice-approval');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', undefined);
  vi.stubEnv('POWERTOOLS_DEV', undefined);
});
afterEach(() => {
  setDependencies(undefined);
  vi.unstubAllEnvs();
});

describe('step metrics', () => {
  it('count a successful invocation and its duration per workflow and step, in the environment namespace', async () => {
    const { result, output } = await captureProcessOutput(() => step('ok')(event({ source: 'examples/invoice-small.json' }), lambdaContext()));
    expect(result.status).toBe('fulfilled');
    const records = emfRecords(output);
    const invocation = record(records, 'StepInvocations', ['service', 'workflow', 'step']);
    expect(invocation._aws.CloudWatchMetrics[0]!.Namespace).toBe('wardflow/test');
    expect(invocation).toMatchObject({ service: 'wardflow', workflow: 'invoice-approval', step: 'pay-invoice', StepInvocations: 1, StepFailures: 0 });
    expect(invocation.StepDuration).toEqual(expect.any(Number));
    expect(records.some((r) => 'ValidationFailed' in r)).toBe(false);
    expect(output).not.toContain(PLANTED_PERSON);
  });

  it('count model tokens and cost per step and per workflow, from the calls the step recorded, also when it fails', async () => {
    const { result, output } = await captureProcessOutput(() => step('throw-wardflow')(event({}), lambdaContext()));
    expect(result.status).toBe('rejected');
    const records = emfRecords(output);
    const model = record(records, 'ModelCostUsd', ['service', 'workflow', 'step']);
    expect(model).toMatchObject({ ModelInputTokens: 1000, ModelOutputTokens: 200, ModelCostUsd: 0.25 });
    expect(record(records, 'ModelCostUsd', ['service', 'workflow'])).toMatchObject({ workflow: 'invoice-approval', ModelCostUsd: 0.25 });
    expect(record(records, 'StepFailures', ['service', 'workflow', 'step', 'error'])).toMatchObject({ error: 'PaymentFailed', StepFailures: 1 });
    expect(output).not.toContain(PLANTED_SECRET);
    // Every line is an EMF record: no Powertools warning about dimensions.
    expect(output.split('\n').filter((line) => line.trim() !== '' && !line.includes('"_aws"'))).toEqual([]);
  });

  it('count a failure by the name Step Functions sees, never the unknown error or what it quotes', async () => {
    const { result, output } = await captureProcessOutput(() => step('throw-unknown')(event({}), lambdaContext()));
    expect(result.status).toBe('rejected');
    const records = emfRecords(output);
    expect(record(records, 'StepFailures', ['service', 'workflow', 'step'])).toMatchObject({ StepFailures: 1, StepInvocations: 1 });
    expect(record(records, 'StepFailures', ['service', 'workflow', 'step', 'error'])).toMatchObject({ error: 'StepFailed' });
    expect(output).not.toContain(PLANTED_SECRET);
    expect(output).not.toContain(PLANTED_PERSON);
  });

  it('count validation failures by the origin of the input source label', async () => {
    const { output } = await captureProcessOutput(() => step('ok')(event({ source: 's3://intake/2026/11/inv-7.pdf', amount: 'twelve' }), lambdaContext()));
    const failed = record(emfRecords(output), 'ValidationFailed', ['service', 'workflow', 'source']);
    expect(failed).toMatchObject({ source: 's3://intake', workflow: 'invoice-approval', ValidationFailed: 1 });
  });

  it('never make a dimension of a source that is not a label: it may be an address', async () => {
    const { output } = await captureProcessOutput(() => step('ok')(event({ source: PLANTED_PERSON, amount: 'twelve' }), lambdaContext()));
    expect(record(emfRecords(output), 'ValidationFailed', ['service', 'workflow', 'source'])).toMatchObject({ source: 'unknown' });
    expect(output).not.toContain(PLANTED_PERSON);
  });

  it('print nothing where no namespace is set (tests, scripts) or metrics are disabled (the local runtime)', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', undefined);
    const unset = await captureProcessOutput(() => step('ok')(event({}), lambdaContext()));
    expect(emfRecords(unset.output)).toEqual([]);
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'wardflow/local');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    const disabled = await captureProcessOutput(() => step('ok')(event({}), lambdaContext()));
    expect(emfRecords(disabled.output)).toEqual([]);
  });
});

describe('sourceDimension', () => {
  it.each([
    [{ input: { source: 'examples/invoice-small.json' } }, 'examples'],
    [{ input: { source: 's3://intake/2026/11/inv-7.pdf' } }, 's3://intake'],
    [{ input: { source: 'queue-intake' } }, 'queue-intake'],
    [{ input: { source: 'forwarded by bob@example.com' } }, 'unknown'],
    [{ input: { source: 42 } }, 'unknown'],
    [{ input: {} }, 'unknown'],
    ['not an envelope', 'unknown'],
  ])('%j → %s', (event, expected) => {
    expect(sourceDimension(event)).toBe(expected);
  });
});
