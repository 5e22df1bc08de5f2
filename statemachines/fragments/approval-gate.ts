import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import { TRANSIENT_RETRY } from './step-task.js';

export interface ApprovalGateProps {
  /** The request-approval function: it records ApprovalRequested (token sealed) and notifies approvers. */
  readonly handler: lambda.IFunction;
  /**
   * How long the gate waits for SendTaskSuccess/SendTaskFailure. Required: when it passes, the task
   * fails with States.Timeout and the workflow fails closed. Step Functions allows at most one year.
   */
  readonly taskTimeout: Duration;
  /**
   * JsonPath of the approval id chosen by the policy step.
   * @default '$.policy.approvalId'
   */
  readonly approvalIdPath?: string;
  /**
   * JsonPath of what is being approved, shown to approvers.
   * @default '$.invoice'
   */
  readonly subjectPath?: string;
  /**
   * The key under which the handler receives what is being approved (`input.<subjectKey>`);
   * it must match the handler's input schema.
   * @default 'invoice'
   */
  readonly subjectKey?: string;
  /**
   * Where the decision (the SendTaskSuccess output) goes.
   * @default '$.approval'
   */
  readonly resultPath?: string;
}

/**
 * Retries of a gate whose approval email failed (NotificationFailed) or whose link could not be
 * signed or token sealed because KMS was unreachable (SecretUnavailable): 30 s, 60 s, 120 s, with
 * jitter. Each attempt gets a new token; nothing half-written stays behind.
 */
export const NOTIFICATION_RETRY: sfn.RetryProps = {
  errors: ['NotificationFailed', 'SecretUnavailable'],
  interval: Duration.seconds(30),
  maxAttempts: 3,
  backoffRate: 2,
  jitterStrategy: sfn.JitterType.FULL,
};

/** Step Functions' ceiling for a task timeout. */
const MAX_TIMEOUT_SECONDS = 365 * 24 * 60 * 60;

/**
 * A human approval gate: invoke the request-approval step with a task token and wait for the
 * decision (waitForTaskToken). A rejection arrives as a task failure (ApprovalRejected); no
 * decision in time arrives as States.Timeout. Both must be caught by the workflow.
 *
 * @example
 * const gate = approvalGate(this, 'ApprovalGate', { handler: steps.requestApproval, taskTimeout: Duration.hours(72) });
 * gate.addCatch(recordFailure, { resultPath: '$.error' });
 */
export function approvalGate(scope: Construct, id: string, props: ApprovalGateProps): tasks.LambdaInvoke {
  // Typed as required, but JavaScript callers and `as any` exist: a gate without a timeout waits a year.
  const timeout = (props as Partial<ApprovalGateProps>).taskTimeout;
  if (timeout === undefined) {
    throw new ConfigurationInvalid(`approval gate ${id} needs taskTimeout: a lost callback must never leave an execution waiting for a year`);
  }
  const seconds = timeout.toSeconds();
  if (seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) {
    throw new ConfigurationInvalid(`approval gate ${id}: taskTimeout must be between 1 second and 365 days`);
  }
  const subjectKey = props.subjectKey ?? 'invoice';
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(subjectKey) || subjectKey === 'approvalId') {
    throw new ConfigurationInvalid(`approval gate ${id}: subjectKey must be a plain field name (letters, digits, _) other than approvalId`);
  }
  const gate = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: props.handler,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({
      executionId: sfn.JsonPath.stringAt('$$.Execution.Name'),
      // The handler seals the token into ApprovalRequested; it never travels in a link or a log.
      taskToken: sfn.JsonPath.taskToken,
      input: {
        approvalId: sfn.JsonPath.stringAt(props.approvalIdPath ?? '$.policy.approvalId'),
        [subjectKey]: sfn.JsonPath.objectAt(props.subjectPath ?? '$.invoice'),
      },
    }),
    taskTimeout: sfn.Timeout.duration(timeout),
    resultPath: props.resultPath ?? '$.approval',
    retryOnServiceExceptions: false,
    comment: 'Waits for an approver decision; times out closed.',
  });
  // Only the invocation is retried, never decisions or timeouts. A retry gets a new token, which
  // request-approval records as ApprovalTokenReplaced on the same approval.
  gate.addRetry(TRANSIENT_RETRY);
  // An approval email that could not be sent (SES throttled or down), or KMS out of reach: the approval
  // is on record or not written at all, so a retry replaces the token and sends the link again.
  // Slower than the transient retry: such outages last.
  gate.addRetry(NOTIFICATION_RETRY);
  return gate;
}
