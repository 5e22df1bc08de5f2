import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { WardflowError } from '../../../functions/shared/errors.js';
import { defineStep } from '../../../functions/shared/middleware/step.js';
import { setDependencies } from '../../../functions/shared/runtime.js';
import { lambdaContext, testDependencies } from './fixtures.js';

/**
 * After middy's index.fuzz.js: throw random values at a wrapped handler and assert only that
 * it never fails in an unplanned way. Every rejection must be a WardflowError that Step
 * Functions can Catch by name: ValidationFailed for bad events, StepFailed for anything else.
 */
const step = defineStep(
  {
    name: 'fuzzed-step',
    input: z.object({ text: z.string().max(100), count: z.number().int().min(0).optional(), tags: z.array(z.string()).max(5).default([]) }),
    output: z.object({ length: z.number() }),
    logSink: () => undefined,
  },
  async (input, ctx) => {
    ctx.record({ type: 'ModelInvoked', actor: 'step:fuzzed-step', data: { tags: input.tags.length } });
    return { length: input.text.length + (input.count ?? 0) };
  },
);

const events = fc.oneof(
  fc.anything(),
  fc.record({ executionId: fc.string(), input: fc.anything() }),
  fc.record({ executionId: fc.stringMatching(/^[A-Za-z0-9_:-]{1,80}$/), taskToken: fc.anything(), input: fc.anything() }, { requiredKeys: ['executionId', 'input'] }),
  fc.record({
    executionId: fc.stringMatching(/^[A-Za-z0-9_:-]{1,80}$/),
    input: fc.record({ text: fc.string(), count: fc.anything(), tags: fc.array(fc.anything(), { maxLength: 7 }) }, { requiredKeys: [] }),
  }),
  // Near-valid events, so the handler, output validation and the audit append run often too.
  fc.record({
    executionId: fc.stringMatching(/^[A-Za-z0-9_:-]{1,80}$/),
    input: fc.record({ text: fc.string({ maxLength: 120 }), count: fc.option(fc.integer({ min: -2, max: 1e6 }), { nil: undefined }), tags: fc.array(fc.string(), { maxLength: 6 }) }),
  }),
);

describe('defineStep under fuzzing', () => {
  beforeAll(() => setDependencies(testDependencies({ config: { ...testDependencies().config, logLevel: 'ERROR' } })));
  afterAll(() => setDependencies(undefined));

  it('never fails in an unplanned way on 2,000 random events', async () => {
    const outcomes = { ok: 0, ValidationFailed: 0, StepFailed: 0 };
    await fc.assert(
      fc.asyncProperty(events, async (event) => {
        try {
          const output = await step(event, lambdaContext());
          expect(output).toEqual({ length: expect.any(Number) });
          outcomes.ok++;
        } catch (error) {
          expect(error).toBeInstanceOf(WardflowError);
          const name = (error as WardflowError).name;
          expect(['ValidationFailed', 'StepFailed']).toContain(name);
          outcomes[name as 'ValidationFailed' | 'StepFailed']++;
        }
      }),
      { numRuns: 2_000 },
    );
    // The generator reaches both sides: some events pass, many are refused.
    expect(outcomes.ok).toBeGreaterThan(100);
    expect(outcomes.ValidationFailed).toBeGreaterThan(0);
  });
});
