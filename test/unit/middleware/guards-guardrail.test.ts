import { clearCache } from '@middy/util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { GuardTriggered, GuardUnavailable } from '../../../functions/shared/errors.js';
import type { StepGuards } from '../../../functions/shared/guards/declaration.js';
import { defineStep } from '../../../functions/shared/middleware/step.js';
import { applyGuardrail, readGuardrailSettings } from '../../../functions/shared/models/guardrail.js';
import { stepGuards } from '../../../functions/shared/public/guards.js';
import { setDependencies, type StepDependencies } from '../../../functions/shared/runtime.js';
import { lambdaContext, testDependencies } from './fixtures.js';

// The Bedrock call itself is tested with aws-sdk-client-mock beside the module; here only how the
// guard middleware uses its answer (and its failure) matters.
vi.mock('../../../functions/shared/models/guardrail.js', () => ({ readGuardrailSettings: vi.fn(), applyGuardrail: vi.fn() }));

const PLANTED_EMAIL = 'planted.ap-9c1e@vendor-example.com';
const TEXT = `Invoice from Acme Office Supplies, total EUR 120.00. Questions: ${PLANTED_EMAIL}`;
const SETTINGS = { guardrailId: 'gr-test123', guardrailVersion: '3' };

let deps: StepDependencies;
beforeEach(() => {
  deps = testDependencies();
  setDependencies(deps);
  vi.mocked(readGuardrailSettings).mockReturnValue(SETTINGS);
  vi.mocked(applyGuardrail).mockResolvedValue({ intervened: false, filters: [] });
});
afterEach(() => {
  clearCache();
  setDependencies(undefined);
  vi.mocked(readGuardrailSettings).mockReset();
  vi.mocked(applyGuardrail).mockReset();
});

function step(guards: StepGuards) {
  const seen: string[] = [];
  const handler = defineStep(
    { name: 'read-document', input: z.object({ documentText: z.string() }), output: z.object({ ok: z.boolean() }), guards: stepGuards(guards), logSink: () => {} },
    async (input) => {
      seen.push(input.documentText);
      return { ok: true };
    },
  );
  return { seen, call: () => handler({ executionId: 'wf:exec-g', input: { documentText: TEXT } }, lambdaContext()) };
}
const stream = () => deps.store.read('execution#wf:exec-g');

describe('stepGuards: Bedrock Guardrails as the second injection layer', () => {
  it('is asked where the environment configures a guardrail, with the redacted text the model would get', async () => {
    const { call, seen } = step({ untrusted: ['documentText'] });
    await call();
    expect(applyGuardrail).toHaveBeenCalledTimes(1);
    const [sent, settings, source] = vi.mocked(applyGuardrail).mock.calls[0]!;
    expect(sent).not.toContain(PLANTED_EMAIL);
    expect(sent).toBe(seen[0]);
    expect([settings, source]).toEqual([SETTINGS, 'INPUT']);
  });

  it('is not asked where no guardrail is configured (the local runtime)', async () => {
    vi.mocked(readGuardrailSettings).mockReturnValue(undefined);
    await step({ untrusted: ['documentText'] }).call();
    expect(applyGuardrail).not.toHaveBeenCalled();
  });

  it('is not asked by a step that turned the injection guard off', async () => {
    await step({ untrusted: ['documentText'], injection: false }).call();
    expect(applyGuardrail).not.toHaveBeenCalled();
  });

  it('an intervention takes the injection verdict: block fails the step, with the filter types on record', async () => {
    vi.mocked(applyGuardrail).mockResolvedValue({ intervened: true, filters: ['PROMPT_ATTACK'] });
    const { call, seen } = step({ untrusted: ['documentText'] });
    await expect(call()).rejects.toMatchObject({ name: 'GuardTriggered', guard: 'guardrail' });
    expect(seen).toEqual([]);
    const guard = (await stream()).find((e) => e.type === 'GuardTriggered' && e.data.guard === 'guardrail');
    expect(guard?.data).toEqual({ step: 'read-document', guard: 'guardrail', verdict: 'block', spans: [], fields: ['documentText'], filters: ['PROMPT_ATTACK'] });
  });

  it('an intervention with injection verdict human lets the step go on, marked for a person', async () => {
    vi.mocked(applyGuardrail).mockResolvedValue({ intervened: true, filters: ['PROMPT_ATTACK'] });
    const { call, seen } = step({ untrusted: ['documentText'], injection: { verdict: 'human' } });
    await call();
    expect(seen).toHaveLength(1);
    expect((await stream()).map((e) => [e.type, e.data.guard, e.data.verdict])).toContainEqual(['GuardTriggered', 'guardrail', 'human']);
  });

  it('fails closed: a guardrail that cannot be asked fails the step as GuardUnavailable, and the text goes nowhere', async () => {
    vi.mocked(applyGuardrail).mockRejectedValue(Object.assign(new Error(`AccessDenied for ${PLANTED_EMAIL}`), { name: 'AccessDeniedException' }));
    const { call, seen } = step({ untrusted: ['documentText'] });
    const error = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GuardUnavailable);
    expect(error).not.toBeInstanceOf(GuardTriggered);
    expect((error as GuardUnavailable).message).not.toContain(PLANTED_EMAIL);
    expect(seen).toEqual([]);
    expect(JSON.stringify(await stream())).not.toContain(PLANTED_EMAIL);
  });

  it('a throttle is left to the state machine to retry (TransientFailure), still without running the step', async () => {
    vi.mocked(applyGuardrail).mockRejectedValue(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } }));
    const { call, seen } = step({ untrusted: ['documentText'] });
    await expect(call()).rejects.toMatchObject({ name: 'TransientFailure' });
    expect(seen).toEqual([]);
  });
});
