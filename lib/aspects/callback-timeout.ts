import { Annotations, type IAspect, Token } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';

/** The message of the synth error, so tests and reviewers can find it. */
export const CALLBACK_TIMEOUT_MESSAGE =
  'waitForTaskToken task has no TimeoutSeconds or TimeoutSecondsPath: a lost callback must never leave an execution waiting for a year. Set taskTimeout on the task.';

/**
 * Fails synth when any waitForTaskToken task, in any state machine under the scope, has no timeout.
 * Step Functions' default for a callback task is the execution's own limit (a year for STANDARD), so a
 * lost email or a crashed approval page would otherwise park an invoice silently.
 *
 * It reads each state's rendered JSON, so it also catches CustomState and tasks built outside our fragments.
 *
 * @example
 * Aspects.of(stack).add(new CallbackTimeoutRequired());
 */
export class CallbackTimeoutRequired implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof sfn.State)) return;
    const json = node.toStateJson() as Record<string, unknown>;
    if (json.Type !== 'Task' || !isCallbackResource(json.Resource)) return;
    const hasTimeout = ['TimeoutSeconds', 'TimeoutSecondsPath'].some((field) => json[field] !== undefined);
    if (!hasTimeout) Annotations.of(node).addError(`${node.stateId}: ${CALLBACK_TIMEOUT_MESSAGE}`);
  }
}

/** The resource ARN ends in `.waitForTaskToken`; CDK leaves the suffix literal around the partition token. */
function isCallbackResource(resource: unknown): boolean {
  if (typeof resource !== 'string') return false;
  if (resource.endsWith('.waitForTaskToken')) return true;
  // A fully tokenized resource cannot be inspected; say so rather than pass silently.
  return Token.isUnresolved(resource) && resource.includes('waitForTaskToken');
}
