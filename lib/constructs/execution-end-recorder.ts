import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  RECORDED_STATUSES,
  STATUS_CHANGE_DETAIL_TYPE,
  STATUS_CHANGE_SOURCE,
} from '../../functions/record-execution-end/status-change.js';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import type { AlarmTopic } from './alarm-topic.js';
import { type SharedStepProps, WorkflowStep } from './workflow-step.js';
import { deadLetterQueue } from './dead-letter-queue.js';

/** The folder of the recorder's handler under functions/. */
export const EXECUTION_END_RECORDER_FUNCTION = 'record-execution-end';

export interface ExecutionEndRecorderProps {
  /** What every function of the environment shares (table, keys, logs): the recorder is built like a step. */
  readonly shared: SharedStepProps;
  /** The workflow's state machine: the rule matches only its executions, and the handler checks it again. */
  readonly stateMachine: sfn.IStateMachine;
  /** The workflow the state machine runs: it names the rule, the queue's alarm and the function. */
  readonly workflowName: string;
  /**
   * Key of the dead-letter queue. Its key policy gets a statement letting EventBridge encrypt to the
   * queue for this rule, so it must be a key of this app (EncryptionKeys.messagingKey).
   */
  readonly messagingKey: kms.IKey;
  /** Where the dead-letter alarm goes. */
  readonly alarms: AlarmTopic;
}

/**
 * Records in the event store the endings the state machine's own failure path cannot: the execution
 * timing out, StopExecution, a States.Runtime error, a Fail state reached because recording the
 * failure failed. An EventBridge rule on "Step Functions Execution Status Change" (FAILED, TIMED_OUT,
 * ABORTED of this one state machine) invokes functions/record-execution-end, which appends the ending
 * to the execution's stream unless it is already there.
 *
 * Delivery is retried twice over: EventBridge retries invoking (up to a day), Lambda retries a failed
 * invocation (twice, up to six hours); what still fails lands in a KMS-encrypted dead-letter queue
 * (the event: names, status, and the execution's input, so it is encrypted like the table), whose
 * depth raises `wardflow-<env>-execution-end-dead-letters`.
 *
 * Its role may: write its own logs, read and append to its workflow's execution streams only (no approval stream, no
 * sealing key: it seals and opens nothing), use the table key only through DynamoDB, and send dead
 * letters.
 *
 * @example
 * new ExecutionEndRecorder(this, 'ExecutionEnds', { shared, stateMachine, messagingKey: keys.messagingKey, alarms });
 */
export class ExecutionEndRecorder extends Construct {
  readonly step: WorkflowStep;
  readonly rule: events.Rule;
  readonly deadLetters: sqs.Queue;
  readonly deadLetterAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ExecutionEndRecorderProps) {
    super(scope, id);
    const env = props.shared.environmentName;
    const stack = Stack.of(this);
    const region = stack.region;

    this.deadLetters = deadLetterQueue(this, props.messagingKey, 'the execution-end recorder');

    this.step = new WorkflowStep(this, 'Recorder', {
      ...props.shared,
      name: EXECUTION_END_RECORDER_FUNCTION,
      functionName: `${props.workflowName}-${EXECUTION_END_RECORDER_FUNCTION}`,
      // Execution streams only (the WorkflowStep default), of this workflow's executions: it never touches approvals, and seals nothing.
      workflow: props.workflowName,
      environment: { STATE_MACHINE_ARN: props.stateMachine.stateMachineArn, WORKFLOW_NAME: props.workflowName },
      asynchronousFailures:
        'Invoked asynchronously by its EventBridge rule: after two retries a failed event goes to its on-failure destination, the encrypted dead-letter queue of this recorder, which alarms.',
    });
    // What Lambda needs to put a failed event into the encrypted queue: SendMessage, and the key for the
    // message (GenerateDataKey and Decrypt, as SQS requires of every producer). Not SqsDestination: it
    // would also grant GetQueueAttributes, GetQueueUrl and kms:Encrypt/ReEncrypt* without a condition.
    this.step.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'SendDeadLetters', actions: ['sqs:SendMessage'], resources: [this.deadLetters.queueArn] }),
    );
    this.step.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'UseMessagingKeyThroughSQS',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.messagingKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${region}.amazonaws.com` } },
      }),
    );
    // EventBridge invokes asynchronously: Lambda retries a failed invocation, then sends the event here.
    this.step.fn.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: { bind: () => ({ destination: this.deadLetters.queueArn }) },
    });

    // A fixed name, so the key policy below can name the rule without referring to it (the rule refers to
    // the queue, which refers to the key: a reference back would be a CloudFormation cycle).
    const ruleName = `wardflow-${env}-${props.workflowName}-execution-ends`.slice(0, 64);
    this.rule = new events.Rule(this, 'Rule', {
      ruleName,
      description: `wardflow ${env}: executions of the ${props.workflowName} state machine that ended FAILED, TIMED_OUT or ABORTED, to record their end`,
      eventPattern: {
        source: [STATUS_CHANGE_SOURCE],
        detailType: [STATUS_CHANGE_DETAIL_TYPE],
        detail: { status: [...RECORDED_STATUSES], stateMachineArn: [props.stateMachine.stateMachineArn] },
      },
    });
    this.rule.addTarget(
      new targets.LambdaFunction(this.step.fn, {
        // Failing to invoke (throttled, Lambda unavailable) is retried for a day; then the event is a dead letter.
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
        deadLetterQueue: this.deadLetters,
      }),
    );
    // EventBridge sends dead letters itself, so the key policy must let it encrypt them, for this rule only
    // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
    const allowed = props.messagingKey.addToResourcePolicy(
      new iam.PolicyStatement({
        // One statement per workflow's rule: a key policy's Sids must be unique.
        sid: `AllowExecutionEndRuleToEncryptDeadLetters${props.workflowName.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('')}`,
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          ArnEquals: { 'aws:SourceArn': stack.formatArn({ service: 'events', resource: 'rule', resourceName: ruleName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }) },
        },
      }),
    );
    if (!allowed.statementAdded) {
      throw new ConfigurationInvalid(
        'ExecutionEndRecorder.messagingKey must be a KMS key defined in this app (e.g. EncryptionKeys.messagingKey): its key policy has to let EventBridge encrypt dead letters',
      );
    }

    this.deadLetterAlarm = props.alarms.alarm(this, 'DeadLetterAlarm', {
      alarmName: `wardflow-${env}-${props.workflowName}-execution-end-dead-letters`,
      alarmDescription:
        'An execution ended (FAILED, TIMED_OUT or ABORTED) and its end could not be recorded in the event store after every retry; the audit shows it running. ' +
        "Read the dead-letter message (the status-change event), fix the cause (the recorder's log group names the error), and invoke record-execution-end with the message again.",
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
  }
}
