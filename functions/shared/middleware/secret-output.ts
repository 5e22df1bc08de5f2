import type middy from '@middy/core';
import { GuardTriggered } from '../errors.js';
import type { Redactor } from './redact.js';

/**
 * after: refuses a response that contains a secret value or the task token.
 *
 * A step's output becomes Step Functions state and execution history, readable by anyone
 * who can read the execution: redacting it would silently hand the next step wrong data,
 * so the step fails instead, with a message that names the rule, not the value.
 *
 * @example
 * ```ts
 * middy(handler).use(refuseSecretOutput({ step: 'pay', redactor }));
 * ```
 */
export function refuseSecretOutput(options: { step: string; redactor: Redactor }): middy.MiddlewareObj<unknown, unknown, Error> {
  const after: middy.MiddlewareFn<unknown, unknown, Error> = async (request) => {
    if (options.redactor.contains(request.response)) {
      request.response = undefined;
      throw new GuardTriggered('secret-in-output', `the output of step ${options.step} contains a secret value and was withheld`, {
        step: options.step,
      });
    }
  };
  return { after, name: 'refuseSecretOutput' };
}
