import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArnFormat, Aspects, type CfnElement, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import { buildInvoiceApproval } from '../../statemachines/invoice-approval.js';
import { CallbackTimeoutRequired } from '../aspects/callback-timeout.js';
import type { NamedEnvironment } from '../config/environments.js';
import { AlarmTopic } from '../constructs/alarm-topic.js';
import { ApprovalSite, grantExecutionStatus } from '../constructs/approval-site.js';
import { AuditArchiver } from '../constructs/audit-archiver.js';
import { AuditBucket } from '../constructs/audit-bucket.js';
import { EncryptionKeys } from '../constructs/encryption-keys.js';
import { EventStoreTable } from '../constructs/event-store-table.js';
import { ExecutionEndRecorder } from '../constructs/execution-end-recorder.js';
import { type SharedStepProps, type StepEvents, type StepSealing, WorkflowStep } from '../constructs/workflow-step.js';
import { STACK_OUTPUTS } from './stack-outputs.js';

/** statemachines/invoice-approval/policy.json: the auto-approval policy, as data. */
export const DEFAULT_APPROVAL_POLICY_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'statemachines',
  'invoice-approval',
  'policy.json',
);

/** Lambda allows 4 KB of environment variables per function; keep room for the others. */
const MAX_POLICY_BYTES = 2_048;

export interface WardflowStackProps extends StackProps {
  /** The environment this stack serves, with its validated settings. */
  readonly environment: NamedEnvironment;
  /**
   * Directory holding the step folders (`<step>/handler.ts`).
   * @default functions/ at the repository root
   */
  readonly functionsDirectory?: string;
  /**
   * The approval policy JSON handed to apply-policy as APPROVAL_POLICY.
   * @default DEFAULT_APPROVAL_POLICY_FILE
   */
  readonly approvalPolicyFile?: string;
}

/**
 * Everything one environment runs: keys, the event store, the audit bucket and the archiver that fills
 * it, the alarm topic, the payments secret, one Lambda per step, the invoice-approval state machine
 * and the approval site its emails link to.
 * Environment-agnostic (no lookups), so it synthesizes offline; the account and region come from the
 * deploy credentials.
 */
export class WardflowStack extends Stack {
  readonly keys: EncryptionKeys;
  readonly events: EventStoreTable;
  readonly audit: AuditBucket;
  readonly alarms: AlarmTopic;
  readonly auditArchiver: AuditArchiver;
  readonly paymentsSecret: secretsmanager.Secret;
  readonly steps: Readonly<Record<string, WorkflowStep>>;
  readonly invoiceApproval: sfn.StateMachine;
  readonly approvalSite: ApprovalSite;

  constructor(scope: Construct, id: string, props: WardflowStackProps) {
    super(scope, id, props);
    const { name: env, config } = props.environment;
    const removalPolicy = config.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const approvalTimeout = Duration.hours(config.approvalTimeoutHours);
    const approvalPolicy = readApprovalPolicy(props.approvalPolicyFile ?? DEFAULT_APPROVAL_POLICY_FILE);

    this.keys = new EncryptionKeys(this, 'Keys', { environmentName: env, removalPolicy });
    this.events = new EventStoreTable(this, 'Events', {
      encryptionKey: this.keys.tableKey,
      deletionProtection: config.deletionProtection,
    });
    this.audit = new AuditBucket(this, 'Audit', {
      encryptionKey: this.keys.auditKey,
      retentionDays: config.auditRetentionDays,
      // Who read or wrote the archive is part of the audit trail: kept as long as the archive itself.
      accessLogRetentionDays: config.auditRetentionDays,
    });
    this.alarms = new AlarmTopic(this, 'Alarms', { environmentName: env, encryptionKey: this.keys.messagingKey });
    this.auditArchiver = new AuditArchiver(this, 'AuditArchiver', {
      environmentName: env,
      table: this.events.table,
      bucket: this.audit.bucket,
      auditKey: this.keys.auditKey,
      messagingKey: this.keys.messagingKey,
      alarms: this.alarms,
      logsKey: this.keys.logsKey,
      logRetention: config.logRetentionDays as logs.RetentionDays,
      logRemovalPolicy: removalPolicy,
      logLevel: config.logLevel,
      functionsDirectory: props.functionsDirectory,
    });

    this.paymentsSecret = new secretsmanager.Secret(this, 'PaymentsApiKey', {
      secretName: `wardflow/${env}/payments-api-key`,
      description: `wardflow ${env}: payments API key. Generated placeholder; put the provider's key with put-secret-value.`,
      encryptionKey: this.keys.secretsKey,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
      removalPolicy,
    });
    Validations.of(this.paymentsSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Third-party payments API key: the provider issues and rotates it, so no rotation Lambda can; a later issue adds a rotation-overdue alarm.',
    });

    // What every function of this environment shares: the steps and the approval page alike.
    const shared: SharedStepProps = {
      environmentName: env,
      table: this.events.table,
      tableKey: this.keys.tableKey,
      sealingKey: this.keys.sealingKey,
      logsKey: this.keys.logsKey,
      logRetention: config.logRetentionDays as logs.RetentionDays,
      logRemovalPolicy: removalPolicy,
      secretsCacheSeconds: config.secretsCacheSeconds,
      dataKeyCacheSeconds: config.dataKeyCacheSeconds,
      logLevel: config.logLevel,
      functionsDirectory: props.functionsDirectory,
    };
    type StepExtras = { environment?: Record<string, string>; timeout?: Duration; events?: StepEvents; sealing?: StepSealing };
    const step = (stepId: string, name: string, extra: StepExtras = {}) => new WorkflowStep(this, stepId, { ...shared, name, ...extra });

    // Streams and sealing per step, as the handlers use them (functions/<step>/handler.ts). Every step
    // appends to and reads its execution stream; the rest is declared here and enforced in IAM.
    const recordStart = step('RecordStart', 'record-start', { sealing: { seal: ['execution'] } }); // ExecutionStarted.invoiceText
    const extractInvoice = step('ExtractInvoice', 'extract-invoice', {
      environment: {
        MODEL_PROVIDER: config.modelProvider,
        MODEL_ID: config.modelId,
        ALLOWED_MODELS: config.allowedModels.join(','),
      },
      sealing: { seal: ['execution'] }, // ModelInvoked.prompt
      timeout: Duration.seconds(120),
    });
    // The allow-list is enforced in IAM as well as in code: one ARN per allowed model, no wildcard.
    extractInvoice.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeAllowedModels',
        actions: ['bedrock:InvokeModel'],
        resources: config.allowedModels.map((modelId) =>
          this.formatArn({ service: 'bedrock', account: '', resource: 'foundation-model', resourceName: modelId }),
        ),
      }),
    );
    const checkGrounding = step('CheckGrounding', 'check-grounding');
    const applyPolicy = step('ApplyPolicy', 'apply-policy', {
      environment: { APPROVAL_POLICY: approvalPolicy },
      events: { append: ['approval'] }, // ApprovalAutoDecided
    });
    const requestApproval = step('RequestApproval', 'request-approval', {
      environment: {
        APPROVER_EMAIL: config.approverEmail,
        APPROVAL_TIMEOUT_SECONDS: String(approvalTimeout.toSeconds()),
      },
      events: { append: ['approval'] }, // ApprovalRequested, ApprovalTokenReplaced
      // Seals the task token and the approvers' addresses; opens them on a retry (to email the approvers on
      // record, or to deliver a decision made meanwhile).
      sealing: { seal: ['approval'], open: ['approval'] },
    });
    const recordDecision = step('RecordDecision', 'record-decision', {
      events: { append: ['approval'] }, // ApprovalDecided
      sealing: { seal: ['approval'], open: ['approval'] }, // seals the decider's address and comment, opens the approvers and the task token
    });
    const payInvoice = step('PayInvoice', 'pay-invoice', {
      environment: {
        PAYMENTS_SECRET_ID: this.paymentsSecret.secretArn,
        ...(config.paymentsApiUrl === undefined ? {} : { PAYMENTS_API_URL: config.paymentsApiUrl }),
      },
      events: { read: ['approval'] }, // pays only what the approval stream says was approved
    });
    this.paymentsSecret.grantRead(payInvoice.role);
    const recordOutcome = step('RecordOutcome', 'record-outcome', { events: { append: ['approval'] } }); // ApprovalExpired
    this.steps = { recordStart, extractInvoice, checkGrounding, applyPolicy, requestApproval, recordDecision, payInvoice, recordOutcome };

    const stateMachineLogs = new logs.LogGroup(this, 'InvoiceApprovalLogs', {
      // The /aws/vendedlogs/ prefix keeps the account's CloudWatch Logs resource policy small.
      logGroupName: `/aws/vendedlogs/states/wardflow-${env}-invoice-approval`,
      encryptionKey: this.keys.logsKey,
      retention: config.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    });
    const stateMachineName = `wardflow-${env}-invoice-approval`;
    this.invoiceApproval = new sfn.StateMachine(this, 'InvoiceApproval', {
      stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(
        // States get their own scope: their ids (RecordStart, ...) read like the process and would clash with the steps.
        buildInvoiceApproval(new Construct(this, 'InvoiceApprovalStates'), {
          recordStart: recordStart.fn,
          extractInvoice: extractInvoice.fn,
          checkGrounding: checkGrounding.fn,
          applyPolicy: applyPolicy.fn,
          requestApproval: requestApproval.fn,
          payInvoice: payInvoice.fn,
          recordOutcome: recordOutcome.fn,
        }, { approvalTimeout }),
      ),
      // Execution data would carry invoice text and task tokens: log the events, never the data.
      logs: { destination: stateMachineLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
      // Its own key, not the logs key: execution history holds invoice text and task tokens.
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(this.keys.stateMachineKeyReference()),
      // The gate may wait approvalTimeout; the hour on top covers every other step with its retries.
      timeout: approvalTimeout.plus(Duration.hours(1)),
      removalPolicy,
    });
    // record-decision resumes executions waiting at the gate: SendTaskSuccess / SendTaskFailure only.
    this.invoiceApproval.grantTaskResponse(recordDecision.role);
    // ... and decides only while the execution still runs: DescribeExecution on this state machine's executions.
    grantExecutionStatus(recordDecision, this.invoiceApproval);
    // request-approval delivers a decision too, when a retried gate finds the approval already decided.
    // grantTaskResponse would reference the state machine (Ref) from request-approval's policy, while the
    // state machine's definition references request-approval's ARN and the function depends on its
    // policy: a CloudFormation cycle. The ARN is built from the fixed name instead, which is the same ARN.
    requestApproval.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeliverRecordedDecision',
        actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
        resources: [
          this.formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
        ],
      }),
    );

    // Endings the failure path cannot record (timeout, StopExecution, States.Runtime) reach the event store through EventBridge.
    new ExecutionEndRecorder(this, 'ExecutionEnds', { shared, stateMachine: this.invoiceApproval, messagingKey: this.keys.messagingKey, alarms: this.alarms });

    // The page approvers reach through the emailed links; request-approval signs and sends those links.
    this.approvalSite = new ApprovalSite(this, 'ApprovalSite', {
      page: shared,
      linkKey: this.keys.approvalLinkKey,
      stateMachine: this.invoiceApproval,
    });
    this.approvalSite.addLinkSender(requestApproval, config.approvalEmailFrom);

    new CfnOutput(this, STACK_OUTPUTS.eventsTableName, {
      description: 'The events table (event store): execution and approval streams',
      value: this.events.table.tableName,
    });
    new CfnOutput(this, STACK_OUTPUTS.invoiceApprovalStateMachineArn, {
      description: 'The invoice-approval state machine',
      value: this.invoiceApproval.stateMachineArn,
    });
    new CfnOutput(this, STACK_OUTPUTS.approvalSiteUrl, {
      description: 'Base URL of the approval site that emailed links point to',
      value: this.approvalSite.url,
    });
    new CfnOutput(this, STACK_OUTPUTS.auditBucketName, {
      description: 'The audit archive bucket (Object Lock, compliance mode)',
      value: this.audit.bucket.bucketName,
    });
    new CfnOutput(this, STACK_OUTPUTS.alarmTopicArn, {
      description: 'The alarm topic: subscribe on-call here (the stack creates no subscription)',
      value: this.alarms.topic.topicArn,
    });

    acknowledgeStateMachineRole(
      this.invoiceApproval,
      [recordStart, extractInvoice, checkGrounding, applyPolicy, requestApproval, payInvoice, recordOutcome].map((s) => s.fn),
    );
    Aspects.of(this).add(new CallbackTimeoutRequired());
  }
}

/** Reads the approval policy, proves it is JSON, and returns it compact for the environment variable. */
function readApprovalPolicy(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigurationInvalid(
      `approval policy file ${path.basename(file)} cannot be read; create statemachines/invoice-approval/policy.json or pass approvalPolicyFile`,
    );
  }
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    throw new ConfigurationInvalid(`approval policy file ${path.basename(file)} is not valid JSON; fix its syntax`);
  }
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) {
    throw new ConfigurationInvalid(`approval policy file ${path.basename(file)} must hold a JSON object`);
  }
  const compact = JSON.stringify(policy);
  if (Buffer.byteLength(compact, 'utf8') > MAX_POLICY_BYTES) {
    throw new ConfigurationInvalid(
      `approval policy file ${path.basename(file)} is larger than ${MAX_POLICY_BYTES} bytes compacted; Lambda environments hold 4 KB in all`,
    );
  }
  return compact;
}

/**
 * The wildcards CDK puts on the state machine role, each for a reason AWS imposes. cdk-nag 3 has no
 * prefix match, so every `<function arn>:*` finding is acknowledged by name.
 */
function acknowledgeStateMachineRole(stateMachine: sfn.StateMachine, invoked: lambda.IFunction[]): void {
  const validations = Validations.of(stateMachine);
  // Log delivery and X-Ray actions have no resource-level permissions, so CDK grants them on "*".
  validations.acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Log delivery (logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) and X-Ray (PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) support no resource-level permissions.',
  });
  for (const fn of invoked) {
    const logicalId = Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement);
    // LambdaInvoke grants lambda:InvokeFunction on `<arn>:*` too, so versions and aliases of that one function can be called.
    validations.acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
      reason: `lambda:InvokeFunction on the versions and aliases (":*") of one named step function, ${fn.node.scope?.node.id ?? logicalId}, added by LambdaInvoke.`,
    });
  }
}
