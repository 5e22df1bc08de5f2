import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { workflowStreamPattern } from '../../functions/shared/events/execution-id.js';
import { buildHandlerFunction } from './handler-function.js';
import type { SharedStepProps } from './workflow-step.js';

/** The folder of the function's handler under functions/. */
export const APPROVALS_WAITING_FUNCTION = 'approvals-waiting';

/** How often the oldest waiting approval is measured: well within the alarm's 15-minute period. */
export const APPROVALS_WAITING_SCHEDULE = Duration.minutes(5);

export interface ApprovalsWaitingProps {
  /** What every function of the environment shares (table, keys, logs). */
  readonly shared: SharedStepProps;
  /** The workflows that have a gate, each with its state machine's fixed name (`wardflow-<env>-<workflow>`). */
  readonly workflows: readonly { readonly workflow: string; readonly stateMachineName: string }[];
}

/**
 * The environment's approvals-waiting function (functions/approvals-waiting), run every five minutes
 * by an EventBridge schedule: for each workflow with a gate it emits OldestApprovalWaitPercent, which
 * each workflow's `approvals-waiting` alarm watches (see the handler for why a measurement and not a
 * metric derived from events).
 *
 * Its role may: write its own logs, list the executions of those state machines, Query the execution
 * and approval streams (never append, never open a sealed field: no sealing-key grant) and use the
 * table key only through DynamoDB. Its metrics are EMF lines in its own log group: no PutMetricData.
 *
 * @example
 * new ApprovalsWaiting(this, 'ApprovalsWaiting', { shared, workflows: [{ workflow: 'invoice-approval', stateMachineName: 'wardflow-dev-invoice-approval' }] });
 */
export class ApprovalsWaiting extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly schedule: events.Rule;

  constructor(scope: Construct, id: string, props: ApprovalsWaitingProps) {
    super(scope, id);
    const { shared } = props;
    const stack = Stack.of(this);
    const env = shared.environmentName;
    // From the fixed names, as the gates' own grants are: literal ARNs in a stack with a pinned
    // account and region, which the local runtime can read as it reads any literal variable.
    const arnOf = (stateMachineName: string) => stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const waiting = props.workflows.map(({ workflow, stateMachineName }) => ({ workflow, stateMachineArn: arnOf(stateMachineName) }));

    const statements = [
      new iam.PolicyStatement({
        sid: 'ListRunningExecutions',
        actions: ['states:ListExecutions'],
        resources: waiting.map((w) => w.stateMachineArn),
      }),
      new iam.PolicyStatement({
        sid: 'ReadExecutionAndApprovalStreams',
        actions: ['dynamodb:Query'],
        resources: [shared.table.tableArn],
        conditions: {
          // Only the gated workflows' own streams (execution ids are qualified by their workflow).
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': props.workflows.flatMap(({ workflow }) => [workflowStreamPattern('execution', workflow), workflowStreamPattern('approval', workflow)]) },
          Null: { 'dynamodb:LeadingKeys': 'false' },
        },
      }),
      new iam.PolicyStatement({
        sid: 'UseTableKeyThroughDynamoDB',
        actions: ['kms:Decrypt'],
        resources: [(shared.tableKey as kms.IKey).keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.amazonaws.com` } },
      }),
    ];

    const built = buildHandlerFunction(this, {
      name: APPROVALS_WAITING_FUNCTION,
      functionName: APPROVALS_WAITING_FUNCTION,
      environmentName: env,
      roleDescription: `wardflow ${env} approvals-waiting: list running executions, read execution and approval streams`,
      statements,
      environment: {
        WAITING_WORKFLOWS: JSON.stringify(waiting),
        WARDFLOW_ENV: env,
        EVENTS_TABLE: (shared.table as dynamodb.ITable).tableName,
        // Required by the shared step environment; this function never seals or opens (no grant on the key).
        DATA_KEY_ID: shared.sealingKey.keyArn,
        SECRETS_CACHE_SECONDS: String(shared.secretsCacheSeconds),
        DATA_KEY_CACHE_SECONDS: String(shared.dataKeyCacheSeconds),
      },
      logsKey: shared.logsKey,
      logRetention: shared.logRetention,
      logRemovalPolicy: shared.logRemovalPolicy,
      logLevel: shared.logLevel,
      functionsDirectory: shared.functionsDirectory,
      // Pages of ListExecutions and two reads per waiting execution.
      timeout: Duration.seconds(120),
      memorySize: 256,
      asynchronousFailures:
        'Invoked asynchronously by its five-minute schedule without retries: a failed run is replaced by the next, and the approvals-waiting alarms treat missing data as breaching, so a run that keeps failing alarms.',
    });
    this.fn = built.fn;
    this.role = built.role;
    this.logGroup = built.logGroup;

    this.schedule = new events.Rule(this, 'Schedule', {
      ruleName: `wardflow-${env}-approvals-waiting`,
      description: `wardflow ${env}: measure the oldest approval still waiting, per workflow with a gate`,
      schedule: events.Schedule.rate(APPROVALS_WAITING_SCHEDULE),
      // A missed run is not retried: the next one comes within five minutes and measures afresh.
      targets: [new targets.LambdaFunction(this.fn, { retryAttempts: 0, maxEventAge: Duration.minutes(5) })],
    });
    Validations.of(this.schedule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason: 'A schedule event that cannot be delivered is replaced by the next within five minutes; a dead-letter queue would hold only stale ticks, and the alarms on missing data report a schedule that stopped.',
    });
  }
}
