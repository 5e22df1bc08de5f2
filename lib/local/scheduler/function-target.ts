import { invokeLocalLambda, type LocalLambda } from '../runtime/lambda/lambda-invoke.js';
import { ScheduleTargetMissing, type ScheduleTargetInvoker } from './local-scheduler.js';

/**
 * How the local Scheduler reaches its targets: the local function whose ARN the schedule names,
 * invoked through its pool like every other invocation (bounded environments, its own variables,
 * its timeout). Looked up when a schedule fires, not when it is created: a schedule for a
 * function the application lacks is refused then, with a message naming the ARN and the handler
 * folder approval timers need, rather than stopping the start.
 *
 * @example
 * const scheduler = LocalScheduler.open({ dataDir, invoke: functionTarget(functions, 'approval-timer') });
 */
export function functionTarget(functions: readonly LocalLambda[], expectedHandler: string): ScheduleTargetInvoker {
  return async ({ arn, input }) => {
    const target = functions.find((fn) => fn.arn === arn);
    if (target === undefined) {
      throw new ScheduleTargetMissing(
        `no function of this application has the ARN ${arn}; approval timers invoke the function whose handler folder is ${expectedHandler} (functions/${expectedHandler}/handler.ts)`,
      );
    }
    await invokeLocalLambda(target, input);
  };
}
