import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { executionIdFormat } from '../../functions/shared/events/execution-id.js';

/**
 * Errors worth retrying: Lambda's own transient failures, ConcurrencyConflict (another writer
 * appended to the stream first; the step re-reads and appends again), TransientFailure (a service
 * call timed out, was throttled or lost its socket: the step middleware names it so), and
 * Sandbox.Timedout (the function ran out of time, for example behind a slow dependency; every
 * step is safe to run again). Everything else is a decision or a defect and goes straight to the
 * failure path.
 */
export const TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'ConcurrencyConflict',
  'TransientFailure',
  'Sandbox.Timedout',
] as const;

/** Bounded retries with exponential backoff and jitter: at most 3 retries, 2 s, 4 s, 8 s (capped at 30 s). */
export const TRANSIENT_RETRY: sfn.RetryProps = {
  errors: [...TRANSIENT_ERRORS],
  interval: Duration.seconds(2),
  maxAttempts: 3,
  backoffRate: 2,
  maxDelay: Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
};

/**
 * The execution id as the state machine builds it: `<workflow>:<$$.Execution.Name>`
 * (functions/shared/events/execution-id.ts), so the streams of one workflow's executions are
 * its own and IAM can grant them by workflow (`execution#<workflow>:*`).
 *
 * @example
 * executionIdOf('expense-claim'); // "States.Format('expense-claim:{}', $$.Execution.Name)"
 */
export function executionIdOf(workflowName: string): string {
  return sfn.JsonPath.format(executionIdFormat(workflowName), sfn.JsonPath.stringAt('$$.Execution.Name'));
}

/**
 * The payload every step receives: which execution it serves, and its input.
 * Steps key their events by `executionId` (`<workflow>:<execution name>`), never by anything in the input.
 *
 * @example
 * stepPayload('invoice-approval', { invoice: sfn.JsonPath.objectAt('$.invoice') });
 */
export function stepPayload(workflowName: string, input: Record<string, unknown> | string): sfn.TaskInput {
  return sfn.TaskInput.fromObject({
    executionId: executionIdOf(workflowName),
    input,
  });
}

export interface StepTaskProps {
  /** The workflow whose state machine this is: it qualifies the execution id the step gets. */
  readonly workflowName: string;
  /** The step's function. */
  readonly handler: lambda.IFunction;
  /** The step's input: an object of JsonPath references, or one JsonPath (e.g. `$` for the whole state). */
  readonly input: Record<string, unknown> | string;
  /** Where the function's return value goes; `sfn.JsonPath.DISCARD` keeps the state unchanged. */
  readonly resultPath: string;
  /**
   * Free text shown in the console.
   * @default - none
   */
  readonly comment?: string;
}

/**
 * A synchronous step: invoke, take the function's return value (payloadResponseOnly), retry
 * transient failures. The caller adds the Catch, so the workflow decides where failures go.
 *
 * @example
 * const applyPolicy = stepTask(this, 'ApplyPolicy', {
 *   workflowName: 'invoice-approval',
 *   handler: steps.applyPolicy,
 *   input: { invoice: sfn.JsonPath.objectAt('$.invoice') },
 *   resultPath: '$.policy',
 * });
 */
export function stepTask(scope: Construct, id: string, props: StepTaskProps): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: props.handler,
    payload: stepPayload(props.workflowName, props.input),
    payloadResponseOnly: true,
    resultPath: props.resultPath,
    // Our own bounded retry below replaces CDK's default (6 attempts on service exceptions).
    retryOnServiceExceptions: false,
    comment: props.comment,
  });
  task.addRetry(TRANSIENT_RETRY);
  return task;
}
