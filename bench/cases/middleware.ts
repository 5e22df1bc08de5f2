/**
 * The step middleware cases, shared by `bench/run.ts` (median of 5 in the one table) and
 * `bench/middleware.bench.ts` (vitest bench). After middy's index.bench.js: a warm handler,
 * so the numbers are the middleware's own overhead (validation, redaction, logging, one
 * in-memory append per event), not cold start.
 */
import { z } from 'zod';
import { Redactor } from '../../functions/shared/middleware/redact.js';
import { defineStep } from '../../functions/shared/middleware/step.js';
import { setDependencies } from '../../functions/shared/runtime.js';
import { lambdaContext, testDependencies } from '../../test/unit/middleware/fixtures.js';

export interface MiddlewareCase {
  name: string;
  /** One operation: one invocation, or one redaction. */
  run: () => Promise<unknown> | unknown;
}

/**
 * Builds the cases. Sets the process-wide step dependencies to in-memory test doubles
 * (a base64 "sealer", an in-memory store), so call it before timing and nowhere else.
 *
 * @example
 * for (const c of middlewareCases()) await c.run();
 */
export function middlewareCases(): MiddlewareCase[] {
  setDependencies(testDependencies({ config: { ...testDependencies().config, logLevel: 'ERROR' } }));

  const step = defineStep(
    { name: 'bench-step', input: z.object({ text: z.string().max(1000) }), output: z.object({ length: z.number() }), logSink: () => undefined },
    async (input) => ({ length: input.text.length }),
  );

  const redactor = new Redactor();
  for (let i = 0; i < 20; i++) redactor.register(`sk_live_bench_secret_${i}_${'x'.repeat(20)}`);
  const logItem = { message: 'paying vendor', nested: { list: Array.from({ length: 20 }, (_, i) => `item ${i} sk_live_bench_secret_3_${'x'.repeat(20)}`) }, apiKey: 'k' };

  let n = 0;
  return [
    {
      name: 'defineStep: valid invocation (validate, log, audit 1 event)',
      run: () => step({ executionId: `bench-${n++}`, input: { text: 'hello' } }, lambdaContext()),
    },
    {
      name: 'defineStep: invalid invocation (ValidationFailed recorded)',
      run: () => step({ executionId: `bench-${n++}`, input: { text: 5 } }, lambdaContext()).catch(() => undefined),
    },
    { name: 'Redactor.redact: 20 secrets over a 20-item log item', run: () => redactor.redact(logItem) },
  ];
}
