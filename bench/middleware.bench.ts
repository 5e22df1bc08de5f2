/**
 * Cost of the step middleware per invocation, with vitest's bench runner
 * (`npx vitest bench --run bench/middleware.bench.ts`). The same cases run in `npm run bench`
 * (bench/run.ts), which reports a median of 5 beside the event store numbers.
 */
import { bench, describe } from 'vitest';
import { middlewareCases } from './cases/middleware.js';

describe('step middleware', () => {
  for (const { name, run } of middlewareCases()) {
    bench(name, async () => {
      await run();
    });
  }
});
