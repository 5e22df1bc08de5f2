import { afterEach, describe, expect, it } from 'vitest';
import { installFunctionEnvironments } from '../../../lib/local/runtime/lambda/function-environment.js';
import { lambdaContainers } from '../../../lib/local/runtime/lambda/lambda-containers.js';
import type { LocalLambda } from '../../../lib/local/runtime/lambda/lambda-invoke.js';
import { functionTarget } from '../../../lib/local/scheduler/function-target.js';
import { ScheduleTargetMissing } from '../../../lib/local/scheduler/local-scheduler.js';

const FIXTURE = new URL('./fixtures/timer-handler.ts', import.meta.url).href;
const TIMER_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:wardflow-local-approval-timer';
type Received = Array<{ event: unknown; offset: string | undefined; marker: string | undefined }>;

describe('functionTarget: what the local Scheduler invokes', () => {
  let restore: (() => void) | undefined;
  afterEach(() => {
    restore?.();
    restore = undefined;
  });

  it("invokes the function with the schedule's ARN through its pool, in its own environment, with the parsed Input", async () => {
    restore = installFunctionEnvironments();
    const environment = { WARDFLOW_LOCAL_RUNTIME: '1', WARDFLOW_LOCAL_CLOCK_OFFSET_MS: '90000000' };
    const pool = await lambdaContainers(FIXTURE, 1, { function: { name: 'approval-timer', environment } });
    let acquired = 0;
    const timer: LocalLambda = {
      handler: 'approval-timer',
      arn: TIMER_ARN,
      timeoutSeconds: 30,
      environment,
      run: pool.run,
      acquire: async () => {
        acquired += 1;
        return pool.acquire();
      },
    };
    const other: LocalLambda = { handler: 'record-start', arn: `${TIMER_ARN}-not`, timeoutSeconds: 30, run: async () => expect.unreachable('the other function was invoked') };
    await functionTarget([other, timer], 'approval-timer')({ arn: TIMER_ARN, input: { executionId: 'e1', input: { approvalId: 'e1-1' } } });
    expect(acquired).toBe(1);
    const received = (globalThis as { timerFixtureReceived?: Received }).timerFixtureReceived;
    expect(received).toEqual([{ event: { executionId: 'e1', input: { approvalId: 'e1-1' } }, offset: '90000000', marker: '1' }]);
  });

  it('fails with ScheduleTargetMissing naming the ARN and the handler folder when no function has it', async () => {
    const invoke = functionTarget([], 'approval-timer');
    const error = await invoke({ arn: TIMER_ARN, input: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScheduleTargetMissing);
    expect((error as Error).message).toBe(
      `no function of this application has the ARN ${TIMER_ARN}; approval timers invoke the function whose handler folder is approval-timer (functions/approval-timer/handler.ts)`,
    );
  });
});
