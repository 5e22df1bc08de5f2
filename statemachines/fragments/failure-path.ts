import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { gateApprovalId } from './approval-gate.js';
import { stepTask } from './step-task.js';

/** Where a caught error lands in the state, for RecordFailure. */
export const ERROR_PATH = '$.error';

export interface FailurePathProps {
  /** The workflow's name, e.g. `invoice-approval`: its Fail state is `<PascalName>Failed`. */
  readonly workflowName: string;
  /** record-outcome: records ExecutionSucceeded or ExecutionFailed (and closes an expired approval). */
  readonly recordOutcome: lambda.IFunction;
  /** The Succeed state's id. */
  readonly succeededStateName: string;
  /** The Cause of the Fail state. @default a generic pointer to the ExecutionFailed event */
  readonly failureCause?: string;
  /**
   * How the workflow ends when its work is done but recording the success fails.
   * @default { error: 'SuccessNotRecorded', cause: ... }
   */
  readonly successNotRecorded?: { readonly error: string; readonly cause: string };
}

/** The standard start, end and failure path every workflow gets. */
export interface FailurePath {
  /** RecordStart, then the workflow's happy path. */
  start(recordStart: lambda.IFunction, happyPath: sfn.IChainable): sfn.IChainable;
  /** Where every step's Catch goes: describe the failure, record it, end failed. */
  readonly onFailure: sfn.IChainable;
  /** The same for a gate, with the gate's approval id, so a timed-out approval is closed as expired. */
  onGateFailure(gateNumber: number): sfn.IChainable;
  /** The Catch every task uses: any error, into `$.error`. */
  readonly catchAll: sfn.CatchProps;
  /** The end of the happy path: RecordSuccess, then Succeed. */
  readonly done: sfn.IChainable;
}

/**
 * The states the platform wraps around every workflow's happy path:
 *
 *   RecordStart -> (the workflow's states) -> RecordSuccess -> <Name>Succeeded
 *
 * Any failure (after bounded retries of transient errors), a rejection or a gate timeout goes to
 * RecordFailure, which records ExecutionFailed (and, for a gate, closes its approval when it timed
 * out), and the execution ends in a Fail state named after the original error. When recording the
 * failure fails too, the execution ends in FailureNotRecorded (record-execution-end then records it
 * from EventBridge's status-change event).
 *
 * When RecordSuccess fails, the work is done (a payment made, a record changed): reporting
 * "failed" would invite doing it twice, so the execution ends in the workflow's `successNotRecorded`
 * state instead, without RecordFailure.
 *
 * @example
 * const path = buildFailurePath(scope, { workflowName: 'expense-claim', recordOutcome, succeededStateName: 'ExpenseClaimSucceeded' });
 * const definition = path.start(recordStart, readClaim.next(path.done));
 */
export function buildFailurePath(scope: Construct, props: FailurePathProps): FailurePath {
  const name = props.workflowName
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  const failed = new sfn.Fail(scope, `${name}Failed`, {
    comment: 'Ends with the name of the error that stopped the workflow; details are in the execution stream.',
    errorPath: `${ERROR_PATH}.Error`,
    cause: props.failureCause ?? 'The workflow failed. Read the ExecutionFailed event of this execution stream for the reason, and what the workflow did before it.',
  });
  const failureNotRecorded = new sfn.Fail(scope, 'FailureNotRecorded', {
    error: 'FailureNotRecorded',
    cause: 'The workflow failed and recording the failure failed too. Check the record-outcome logs for this execution.',
  });
  const recordFailure = stepTask(scope, 'RecordFailure', {
    workflowName: props.workflowName,
    handler: props.recordOutcome,
    input: sfn.JsonPath.stringAt('$.failure'),
    resultPath: sfn.JsonPath.DISCARD,
  })
    .addCatch(failureNotRecorded, { errors: [sfn.Errors.ALL], resultPath: '$.recordFailureError' })
    .next(failed);
  const onFailure = new sfn.Pass(scope, 'DescribeFailure', {
    parameters: { outcome: 'failed', error: sfn.JsonPath.objectAt(ERROR_PATH) },
    resultPath: '$.failure',
  }).next(recordFailure);
  const onGateFailure = (gateNumber: number): sfn.IChainable =>
    new sfn.Pass(scope, gateNumber === 1 ? 'DescribeGateFailure' : `DescribeGate${gateNumber}Failure`, {
      parameters: { outcome: 'failed', error: sfn.JsonPath.objectAt(ERROR_PATH), approvalId: gateApprovalId(props.workflowName, gateNumber) },
      resultPath: '$.failure',
    }).next(recordFailure);

  // An execution input that is not an object (null, a string, a number) has nowhere to hold
  // `$.error`: RecordStart's failure replaces the whole state instead, so a bad start still
  // reaches RecordFailure and ends on the record (ValidationFailed, then ExecutionFailed).
  const describeStartFailure = new sfn.Pass(scope, 'DescribeStartFailure', {
    parameters: {
      error: sfn.JsonPath.objectAt('$'),
      failure: { outcome: 'failed', error: sfn.JsonPath.objectAt('$') },
    },
  }).next(recordFailure);

  const successNotRecorded = new sfn.Fail(scope, props.successNotRecorded?.error ?? 'SuccessNotRecorded', {
    error: props.successNotRecorded?.error ?? 'SuccessNotRecorded',
    cause:
      props.successNotRecorded?.cause ??
      'The workflow DID its work, but recording the success failed. Do not run it again for the same input: the execution stream holds what was done; check the record-outcome logs for this execution.',
  });
  const catchAll: sfn.CatchProps = { errors: [sfn.Errors.ALL], resultPath: ERROR_PATH };
  const done = stepTask(scope, 'RecordSuccess', {
    workflowName: props.workflowName,
    handler: props.recordOutcome,
    input: { outcome: 'succeeded' },
    resultPath: sfn.JsonPath.DISCARD,
  })
    .addCatch(successNotRecorded, catchAll)
    .next(new sfn.Succeed(scope, props.succeededStateName));

  return {
    start: (recordStart, happyPath) =>
      stepTask(scope, 'RecordStart', {
        workflowName: props.workflowName,
        handler: recordStart,
        input: sfn.JsonPath.entirePayload,
        resultPath: sfn.JsonPath.DISCARD,
        // No ResultPath: the default, `$`, replaces the state with the error whatever the input was.
      })
        .addCatch(describeStartFailure, { errors: [sfn.Errors.ALL] })
        .next(happyPath),
    onFailure,
    onGateFailure,
    catchAll,
    done,
  };
}
