import { describe, expect, it } from 'vitest';
import { lambdaContainers } from '../../../lib/local/runtime/lambda-containers.js';

const FIXTURE = new URL('./fixtures/module-state-handler.ts', import.meta.url).href;
const context = {} as never;

describe('lambdaContainers', () => {
  it('gives concurrent invocations their own module state, as separate Lambda environments', async () => {
    const run = await lambdaContainers(FIXTURE);
    const [a, b] = (await Promise.all([run({ id: 'a', waitMs: 50 }, context), run({ id: 'b', waitMs: 10 }, context)])) as { id: string; instance: number }[];
    expect(a!.id).toBe('a');
    expect(b!.id).toBe('b');
    expect(a!.instance).not.toBe(b!.instance);
  });

  it('reuses an idle environment instead of starting another', async () => {
    const run = await lambdaContainers(FIXTURE);
    const first = (await run({ id: 'x', waitMs: 0 }, context)) as { instance: number };
    const second = (await run({ id: 'y', waitMs: 0 }, context)) as { instance: number };
    expect(second.instance).toBe(first.instance);
  });

  it('refuses a file that exports no handler', async () => {
    await expect(lambdaContainers(new URL('./fixtures/no-handler.ts', import.meta.url).href)).rejects.toThrow(/exports no handler/);
  });
});
