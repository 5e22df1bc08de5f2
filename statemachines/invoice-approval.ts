import type { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { approvalGate } from './fragments/approval-gate.js';
import { stepTask } from './fragments/step-task.js';

/** The functions the invoice workflow calls, one per step. */
export interface InvoiceApprovalSteps {
  readonly recordStart: lambda.IFunction;
  readonly extractInvoice: lambda.IFunction;
  readonly checkGrounding: lambda.IFunction;
  readonly applyPolicy: lambda.IFunction;
  readonly requestApproval: lambda.IFunction;
  readonly payInvoice: lambda.IFunction;
  readonly recordOutcome: lambda.IFunction;
}

export interface InvoiceApprovalOptions {
  /** How long the approval gate waits for a decision before the execution fails closed. */
  readonly approvalTimeout: Duration;
}

/** Where a caught error lands in the state, for RecordFailure. */
const ERROR_PATH = '$.error';

/**
 * The invoice approval process:
 *
 *   RecordStart -> ExtractInvoice -> CheckGrounding -> ApplyPolicy
 *     -> auto-approved?  yes: PayInvoice
 *                        no:  ApprovalGate (wait for a human, fail closed on timeout) -> PayInvoice
 *     -> RecordSuccess -> Succeeded
 *
 * Any failure (after bounded retries of transient errors), a rejection or a gate timeout goes to
 * RecordFailure, which records ExecutionFailed (with the approval id once ApplyPolicy has run),
 * and the execution ends in a Fail state named after the original error.
 *
 * One exception: when RecordSuccess fails, the payment has already been made and recorded
 * (PaymentRecorded). Recording ExecutionFailed and saying "not paid" would invite paying twice, so
 * the execution ends in PaidButNotRecorded instead, without RecordFailure.
 *
 * Execution input: `{ invoiceText: string, ... }`.
 *
 * @example
 * const definition = buildInvoiceApproval(this, steps, { approvalTimeout: Duration.hours(72) });
 * new sfn.StateMachine(this, 'InvoiceApproval', { definitionBody: sfn.DefinitionBody.fromChainable(definition) });
 */
export function buildInvoiceApproval(scope: Construct, steps: InvoiceApprovalSteps, options: InvoiceApprovalOptions): sfn.IChainable {
  // ---- the failure path: describe the failure, record it, end failed ----
  const failed = new sfn.Fail(scope, 'InvoiceApprovalFailed', {
    comment: 'Ends with the name of the error that stopped the workflow; details are in the execution stream.',
    errorPath: `${ERROR_PATH}.Error`,
    cause:
      'The workflow failed. Read the ExecutionFailed event of this execution stream for the reason; a PaymentRecorded event there means the invoice was paid and must not be paid again.',
  });
  const failureNotRecorded = new sfn.Fail(scope, 'FailureNotRecorded', {
    error: 'FailureNotRecorded',
    cause: 'The workflow failed and recording the failure failed too. Check the record-outcome logs for this execution.',
  });
  const recordFailure = stepTask(scope, 'RecordFailure', {
    handler: steps.recordOutcome,
    input: sfn.JsonPath.stringAt('$.failure'),
    resultPath: sfn.JsonPath.DISCARD,
  })
    .addCatch(failureNotRecorded, { errors: [sfn.Errors.ALL], resultPath: '$.recordFailureError' })
    .next(failed);
  // A JsonPath that does not exist fails the state, so the approval id is copied only when it is there:
  // apply-policy always returns one (an auto-approval is recorded on its approval stream too), so it is
  // present for every failure from ApplyPolicy's successful return on, and absent before.
  const describeFailureWithApproval = new sfn.Pass(scope, 'DescribeFailureWithApproval', {
    parameters: {
      outcome: 'failed',
      error: sfn.JsonPath.objectAt(ERROR_PATH),
      approvalId: sfn.JsonPath.stringAt('$.policy.approvalId'),
    },
    resultPath: '$.failure',
  }).next(recordFailure);
  const describeFailure = new sfn.Pass(scope, 'DescribeFailure', {
    parameters: { outcome: 'failed', error: sfn.JsonPath.objectAt(ERROR_PATH) },
    resultPath: '$.failure',
  }).next(recordFailure);
  const onFailure = new sfn.Choice(scope, 'WasApprovalOpened')
    .when(sfn.Condition.isPresent('$.policy.approvalId'), describeFailureWithApproval)
    .otherwise(describeFailure);
  const catchAll = { errors: [sfn.Errors.ALL], resultPath: ERROR_PATH };

  // An execution input that is not an object (null, a string, a number) has nowhere to hold
  // `$.error`: RecordStart's failure replaces the whole state instead, so a bad start still
  // reaches RecordFailure and ends on the record (ValidationFailed, then ExecutionFailed).
  const describeStartFailure = new sfn.Pass(scope, 'DescribeStartFailure', {
    parameters: {
      error: sfn.JsonPath.objectAt('$'),
      failure: { outcome: 'failed', error: sfn.JsonPath.objectAt('$') },
    },
  }).next(recordFailure);

  // ---- the happy path ----
  const recordStart = stepTask(scope, 'RecordStart', {
    handler: steps.recordStart,
    input: sfn.JsonPath.entirePayload,
    resultPath: sfn.JsonPath.DISCARD,
    // No ResultPath: the default, `$`, replaces the state with the error whatever the input was.
  }).addCatch(describeStartFailure, { errors: [sfn.Errors.ALL] });
  const extractInvoice = stepTask(scope, 'ExtractInvoice', {
    handler: steps.extractInvoice,
    input: { invoiceText: sfn.JsonPath.stringAt('$.invoiceText') },
    resultPath: '$.invoice',
  }).addCatch(onFailure, catchAll);
  const checkGrounding = stepTask(scope, 'CheckGrounding', {
    handler: steps.checkGrounding,
    input: { invoiceText: sfn.JsonPath.stringAt('$.invoiceText'), invoice: sfn.JsonPath.objectAt('$.invoice') },
    resultPath: sfn.JsonPath.DISCARD,
  }).addCatch(onFailure, catchAll);
  const applyPolicy = stepTask(scope, 'ApplyPolicy', {
    handler: steps.applyPolicy,
    input: { invoice: sfn.JsonPath.objectAt('$.invoice') },
    resultPath: '$.policy',
  }).addCatch(onFailure, catchAll);
  const gate = approvalGate(scope, 'ApprovalGate', {
    handler: steps.requestApproval,
    taskTimeout: options.approvalTimeout,
  }).addCatch(onFailure, catchAll); // States.Timeout included: no decision means no payment
  const payInvoice = stepTask(scope, 'PayInvoice', {
    handler: steps.payInvoice,
    input: { invoice: sfn.JsonPath.objectAt('$.invoice') },
    resultPath: '$.payment',
  }).addCatch(onFailure, catchAll);
  // After PayInvoice the money has moved: a failure here must not be reported as "not paid".
  const paidButNotRecorded = new sfn.Fail(scope, 'PaidButNotRecorded', {
    error: 'PaidButNotRecorded',
    cause:
      'The invoice WAS paid, but recording the success failed. Do not pay it again: the PaymentRecorded event of this execution stream holds the payment; check the record-outcome logs for this execution.',
  });
  const recordSuccess = stepTask(scope, 'RecordSuccess', {
    handler: steps.recordOutcome,
    input: { outcome: 'succeeded' },
    resultPath: sfn.JsonPath.DISCARD,
  }).addCatch(paidButNotRecorded, catchAll);
  const succeeded = new sfn.Succeed(scope, 'InvoicePaid');

  payInvoice.next(recordSuccess).next(succeeded);
  gate.next(payInvoice);

  return recordStart
    .next(extractInvoice)
    .next(checkGrounding)
    .next(applyPolicy)
    .next(
      new sfn.Choice(scope, 'IsAutoApproved')
        .when(sfn.Condition.stringEquals('$.policy.decision', 'auto-approve'), payInvoice)
        .otherwise(gate),
    );
}
