import { describe, expect, it } from 'vitest';
import { lambdaContainers } from '../../../lib/local/runtime/lambda/lambda-containers.js';
import { invokeLocalLambda, type LocalLambda } from '../../../lib/local/runtime/lambda/lambda-invoke.js';

const FIXTURE = new URL('./fixtures/module-state-handler.ts', import.meta.url).href;
const context = {} as never;
type Answer = { id: string; instance: number };

describe('lambdaContainers', () => {
  it('gives concurrent invocations their own module state, as separate Lambda environments', async () => {
    const { run } = await lambdaContainers(FIXTURE);
    const [a, b] = (await Promise.all([run({ id: 'a', waitMs: 50 }, context), run({ id: 'b', waitMs: 10 }, context)])) as Answer[];
    expect(a!.id).toBe('a');
    expect(b!.id).toBe('b');
    expect(a!.instance).not.toBe(b!.instance);
  });

  it('reuses an idle environment instead of starting another', async () => {
    const { run } = await lambdaContainers(FIXTURE);
    const first = (await run({ id: 'x', waitMs: 0 }, context)) as { instance: number };
    const second = (await run({ id: 'y', waitMs: 0 }, context)) as { instance: number };
    expect(second.instance).toBe(first.instance);
  });

  it('runs at most maxEnvironments invocations at once; the rest wait their turn and all finish', async () => {
    const pool = await lambdaContainers(FIXTURE, 2);
    const fn: LocalLambda = { handler: 'fixture', arn: 'arn:aws:lambda:us-east-1:000000000000:function:fixture', timeoutSeconds: 60, ...pool };
    const answers = (await Promise.all(Array.from({ length: 6 }, (_, n) => invokeLocalLambda(fn, { id: `e${n}`, waitMs: 20 })))) as Answer[];
    expect(answers.map((a) => a.id)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4', 'e5']);
    expect(new Set(answers.map((a) => a.instance)).size).toBeLessThanOrEqual(2);
  });

  it("starts an invocation's timeout when it gets an environment, not while it waits for one", async () => {
    // One environment, four invocations of 1.5 s under a 5 s timeout: the last waits 4.5 s, then runs 1.5 s.
    // Timed from the call, it would end Sandbox.Timedout; timed from its start, as Lambda does, none does.
    const pool = await lambdaContainers(FIXTURE, 1);
    const fn: LocalLambda = { handler: 'fixture', arn: 'arn:aws:lambda:us-east-1:000000000000:function:fixture', timeoutSeconds: 5, ...pool };
    const answers = (await Promise.all(Array.from({ length: 4 }, (_, n) => invokeLocalLambda(fn, { id: `q${n}`, waitMs: 1500 })))) as Answer[];
    expect(answers.map((a) => a.id)).toEqual(['q0', 'q1', 'q2', 'q3']);
  });

  it('refuses a file that exports no handler', async () => {
    await expect(lambdaContainers(new URL('./fixtures/no-handler.ts', import.meta.url).href)).rejects.toThrow(/exports no handler/);
  });
});
