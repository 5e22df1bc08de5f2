import { Annotations, type IAspect, Stack, Token } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { IConstruct } from 'constructs';

/** The message of the synth error, so tests and reviewers can find it. */
export const CALLBACK_TIMEOUT_MESSAGE =
  'waitForTaskToken task has no TimeoutSeconds or TimeoutSecondsPath: a lost callback must never leave an execution waiting for a year. Set taskTimeout on the task.';

/** The message of the synth warning for a Task whose Resource is a CloudFormation expression we cannot read. */
export const UNINSPECTABLE_RESOURCE_MESSAGE =
  'Task Resource is a CloudFormation expression that cannot be read at synth, so CallbackTimeoutRequired cannot tell whether it is a waitForTaskToken integration. Write the ".waitForTaskToken" suffix literally, or set TimeoutSeconds anyway.';

/**
 * Fails synth when any waitForTaskToken task, in any state machine under the scope, has no timeout.
 * Step Functions' default for a callback task is the execution's own limit (a year for STANDARD), so a
 * lost email or a crashed approval page would otherwise park an invoice silently.
 *
 * It reads each state's rendered JSON, so it also catches CustomState and tasks built outside our fragments.
 * A Task without a timeout whose Resource cannot be read (an import, a parameter) gets a warning.
 *
 * @example
 * Aspects.of(stack).add(new CallbackTimeoutRequired());
 */
export class CallbackTimeoutRequired implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof sfn.State)) return;
    const json = node.toStateJson() as Record<string, unknown>;
    if (json.Type !== 'Task') return;
    const hasTimeout = ['TimeoutSeconds', 'TimeoutSecondsPath'].some((field) => json[field] !== undefined);
    if (hasTimeout) return;
    const kind = resourceKind(node, json.Resource);
    if (kind === 'callback') Annotations.of(node).addError(`${node.stateId}: ${CALLBACK_TIMEOUT_MESSAGE}`);
    // A fully tokenized resource cannot be inspected; say so rather than pass silently.
    if (kind === 'unknown') Annotations.of(node).addWarningV2('wardflow:callback-timeout-uninspectable', `${node.stateId}: ${UNINSPECTABLE_RESOURCE_MESSAGE}`);
  }
}

/**
 * What a Task's Resource is: a callback integration (`...waitForTaskToken`), something else, or
 * unknown. CDK leaves the suffix literal around tokens such as the partition, so a string or an
 * Fn::Join whose last part is literal can be read; a resource's own ARN (Fn::GetAtt ... Arn, e.g. a
 * Lambda function invoked directly) is never a callback; anything else cannot be inspected.
 */
function resourceKind(node: IConstruct, resource: unknown): 'callback' | 'other' | 'unknown' {
  if (typeof resource !== 'string') return 'unknown';
  if (!Token.isUnresolved(resource)) return resource.endsWith('.waitForTaskToken') ? 'callback' : 'other';
  const resolved: unknown = Stack.of(node).resolve(resource);
  if (typeof resolved === 'string') return resolved.endsWith('.waitForTaskToken') ? 'callback' : 'other';
  const intrinsic = resolved as { 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, unknown[]] };
  if (intrinsic['Fn::GetAtt']?.[1] === 'Arn') return 'other';
  const last = intrinsic['Fn::Join']?.[1].at(-1);
  if (typeof last === 'string') return last.endsWith('.waitForTaskToken') ? 'callback' : 'other';
  return 'unknown';
}
