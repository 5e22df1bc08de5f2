import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

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
 * The payload every step receives: which execution it serves, and its input.
 * Steps key their events by `executionId` (the execution name), never by anything in the input.
 *
 * @example
 * stepPayload({ invoice: sfn.JsonPath.objectAt('$.invoice') });
 */
export function stepPayload(input: Record<string, unknown> | string): sfn.TaskInput {
  return sfn.TaskInput.fromObject({
    executionId: sfn.JsonPath.stringAt('$$.Execution.Name'),
    input,
  });
}

export interface StepTaskProps {
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
 *   handler: steps.applyPolicy,
 *   input: { invoice: sfn.JsonPath.objectAt('$.invoice') },
 *   resultPath: '$.policy',
 * });
 */
export function stepTask(scope: Construct, id: string, props: StepTaskProps): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: props.handler,
    payload: stepPayload(props.input),
    payloadResponseOnly: true,
    resultPath: props.resultPath,
    // Our own bounded retry below replaces CDK's default (6 attempts on service exceptions).
    retryOnServiceExceptions: false,
    comment: props.comment,
  });
  task.addRetry(TRANSIENT_RETRY);
  return task;
}
