/**
 * Cost of the step middleware per invocation (run: `npx vitest bench --run bench/middleware.bench.ts`).
 * After middy's index.bench.js: a warm handler, so the numbers are the middleware's own
 * overhead (validation, redaction, logging, one in-memory append per event), not cold start.
 */
import { bench, describe } from 'vitest';
import { z } from 'zod';
import { Redactor } from '../functions/shared/middleware/redact.js';
import { defineStep } from '../functions/shared/middleware/step.js';
import { setDependencies } from '../functions/shared/runtime.js';
import { lambdaContext, testDependencies } from '../test/unit/middleware/fixtures.js';

setDependencies(testDependencies({ config: { ...testDependencies().config, logLevel: 'ERROR' } }));

const step = defineStep(
  { name: 'bench-step', input: z.object({ text: z.string().max(1000) }), output: z.object({ length: z.number() }), logSink: () => undefined },
  async (input) => ({ length: input.text.length }),
);

const redactor = new Redactor();
for (let i = 0; i < 20; i++) redactor.register(`sk_live_bench_secret_${i}_${'x'.repeat(20)}`);
const logItem = { message: 'paying vendor', nested: { list: Array.from({ length: 20 }, (_, i) => `item ${i} sk_live_bench_secret_3_${'x'.repeat(20)}`) }, apiKey: 'k' };

describe('step middleware', () => {
  let n = 0;
  bench('defineStep: valid invocation (validate, log, audit 1 event)', async () => {
    await step({ executionId: `bench-${n++}`, input: { text: 'hello' } }, lambdaContext());
  });
  bench('defineStep: invalid invocation (ValidationFailed recorded)', async () => {
    await step({ executionId: `bench-${n++}`, input: { text: 5 } }, lambdaContext()).catch(() => undefined);
  });
  bench('Redactor.redact: 20 secrets over a 20-item log item', () => {
    redactor.redact(logItem);
  });
});
