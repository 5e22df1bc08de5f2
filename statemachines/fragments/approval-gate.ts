import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import { executionIdFormat } from '../../functions/shared/events/execution-id.js';
import { executionIdOf, TRANSIENT_RETRY } from './step-task.js';

/** What approvers see, built from the state with JsonPath (lib/workflows/workflow-definition.ts ApprovalSubjectDeclaration). */
export interface GateSubject {
  /** Literal text, or a States.Format template with one JsonPath per `{}`. */
  readonly title: string | { readonly format: string; readonly args: readonly string[] };
  /** Labelled values: a label, and the JsonPath of the value in the state. */
  readonly fields: ReadonlyArray<{ readonly label: string; readonly path: string }>;
}

export interface ApprovalGateProps {
  /** The workflow whose state machine this is: it qualifies the execution and approval ids. */
  readonly workflowName: string;
  /** The gate's request-approval function: it records ApprovalRequested (token sealed) and notifies approvers. */
  readonly handler: lambda.IFunction;
  /**
   * How long the gate waits for SendTaskSuccess/SendTaskFailure. Required: when it passes, the task
   * fails with States.Timeout and the workflow fails closed. Step Functions allows at most one year.
   */
  readonly taskTimeout: Duration;
  /**
   * The gate's number in its workflow (1 for the first gate): the approval is named
   * `<workflow>:<execution name>-<number>` (functions/shared/approvals/approval-id.ts approvalIdFor), so every
   * step finds the same approval stream without passing state around.
   * @default 1
   */
  readonly gateNumber?: number;
  /** What approvers see. */
  readonly subject: GateSubject;
  /**
   * The gate's approval policy (functions/shared/approvals/policy), checked at synth: carried in the
   * payload literally, so request-approval evaluates the very policy this definition was built with.
   * @default - none: the approvers in request-approval's environment decide, the first decision closes the gate
   */
  readonly policy?: object;
  /**
   * With a policy: each fact it declares, by the JsonPath of its value in the state at the gate.
   * Read with `.$`, which keeps the value's JSON type (a boolean stays a boolean).
   * @default - none
   */
  readonly facts?: Readonly<Record<string, string>>;
  /**
   * Where the decision (the SendTaskSuccess output) goes.
   * @default '$.approval'
   */
  readonly resultPath?: string;
}

/**
 * The approval id of a gate as a States.Format expression: `<workflow>:<execution name>-<gate number>`,
 * the same id approvalIdFor(executionId, gate) gives a step (its executionId is `<workflow>:<execution name>`).
 *
 * @example
 * gateApprovalId('expense-claim', 1); // "States.Format('expense-claim:{}-1', $$.Execution.Name)"
 */
export function gateApprovalId(workflowName: string, gateNumber: number): string {
  return sfn.JsonPath.format(executionIdFormat(workflowName, `-${gateNumber}`), sfn.JsonPath.stringAt('$$.Execution.Name'));
}

/** The subject as a payload template: the title formatted by Step Functions, each field's value read from the state. */
function subjectPayload(subject: GateSubject): Record<string, unknown> {
  const title =
    typeof subject.title === 'string'
      ? subject.title
      : sfn.JsonPath.format(subject.title.format, ...subject.title.args.map((arg) => sfn.JsonPath.stringAt(arg)));
  return { title, fields: subject.fields.map((field) => ({ label: field.label, value: sfn.JsonPath.stringAt(field.path) })) };
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
 * const gate = approvalGate(this, 'ApprovalGate', {
 *   workflowName: 'expense-claim', handler: requestApproval, taskTimeout: Duration.hours(72),
 *   subject: { title: 'Expense claim', fields: [{ label: 'Amount', path: '$.claim.amount' }] },
 * });
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
  const gateNumber = props.gateNumber ?? 1;
  if (!Number.isInteger(gateNumber) || gateNumber < 1 || gateNumber > 99) {
    throw new ConfigurationInvalid(`approval gate ${id}: gateNumber must be a whole number from 1 to 99`);
  }
  if ((props.policy === undefined) !== (props.facts === undefined)) {
    throw new ConfigurationInvalid(`approval gate ${id}: give policy and facts together (a policy reads its facts from the state)`);
  }
  const policyInput =
    props.policy === undefined || props.facts === undefined
      ? {}
      : { policy: props.policy, facts: Object.fromEntries(Object.entries(props.facts).map(([fact, path]) => [fact, sfn.JsonPath.stringAt(path)])) };
  const gate = new tasks.LambdaInvoke(scope, id, {
    lambdaFunction: props.handler,
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    payload: sfn.TaskInput.fromObject({
      executionId: executionIdOf(props.workflowName),
      // The handler seals the token into ApprovalRequested; it never travels in a link or a log.
      taskToken: sfn.JsonPath.taskToken,
      input: { approvalId: gateApprovalId(props.workflowName, gateNumber), subject: subjectPayload(props.subject), ...policyInput },
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
