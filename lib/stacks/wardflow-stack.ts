import { Aspects, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import { CallbackTimeoutRequired } from '../aspects/callback-timeout.js';
import type { NamedEnvironment } from '../config/environments.js';
import { AlarmTopic } from '../constructs/alarm-topic.js';
import { ApprovalSite } from '../constructs/approval-site.js';
import { ApprovalTimer } from '../constructs/approval-timer.js';
import { ApprovalsWaiting } from '../constructs/approvals-waiting.js';
import { AuditArchiver } from '../constructs/audit-archiver.js';
import { AuditBucket } from '../constructs/audit-bucket.js';
import { EncryptionKeys } from '../constructs/encryption-keys.js';
import { EmptyBucketOnDelete } from '../constructs/empty-bucket-on-delete.js';
import { EventStoreTable } from '../constructs/event-store-table.js';
import { SecretRotationCheck, type WatchedSecret } from '../constructs/secret-rotation-check.js';
import { OperationsDashboard } from '../constructs/operations-dashboard.js';
import { PromptAttackGuardrail } from '../constructs/prompt-attack-guardrail.js';
import type { SharedStepProps } from '../constructs/workflow-step.js';
import type { AnyWorkflow } from '../workflows/workflow-definition.js';
import { pascal, WorkflowDeployment } from '../workflows/workflow-deployment.js';
import { acknowledgeStackWideDecisions } from './compliance-decisions.js';
import { STACK_OUTPUTS } from './stack-outputs.js';

export interface WardflowStackProps extends StackProps {
  /** The environment this stack serves, with its validated settings. */
  readonly environment: NamedEnvironment;
  /**
   * Directory holding the step folders (`<step>/handler.ts`).
   * @default functions/ at the repository root
   */
  readonly functionsDirectory?: string;
  /** The workflows this environment runs (the app's registry, statemachines/index.ts). */
  readonly workflows: readonly AnyWorkflow[];
}

/**
 * Everything one environment runs: keys, the event store, the audit bucket and the archiver that fills
 * it, the alarm topic, the approval site, and each workflow of the app deployed the same way
 * (lib/workflows/workflow-deployment.ts): its functions, secrets and state machine.
 * No lookups, so it synthesizes offline; the account and region are the environment's pinned ones
 * (lib/stage.ts), so a deploy with another account's credentials is refused.
 */
export class WardflowStack extends Stack {
  readonly keys: EncryptionKeys;
  readonly events: EventStoreTable;
  readonly audit: AuditBucket;
  readonly alarms: AlarmTopic;
  readonly auditArchiver: AuditArchiver;
  /** Each workflow's functions, secrets and state machine, by workflow name. */
  readonly workflows: Readonly<Record<string, WorkflowDeployment>>;
  readonly approvalSite: ApprovalSite;
  /** The timers of policy gates (schedule group, Scheduler's role, the approval-timer function); absent when no gate has a policy. */
  readonly approvalTimer?: ApprovalTimer;
  /** The daily check of provider-issued secrets, when the environment has any. */
  readonly secretRotation: SecretRotationCheck | undefined;
  /** Absent when no workflow has a gate. */
  readonly approvalsWaiting?: ApprovalsWaiting;
  readonly dashboard: OperationsDashboard;
  /** The Bedrock guardrail the model steps apply; absent where the environment has none or no step calls a model. */
  readonly guardrail?: PromptAttackGuardrail;

  constructor(scope: Construct, id: string, props: WardflowStackProps) {
    super(scope, id, props);
    const { name: env, config } = props.environment;
    // A protected environment keeps its keys, log groups, state machines and secrets when they leave the
    // stack, except when the operation that created them rolls back: RetainExceptOnCreate. Plain Retain
    // would leave the state machines, their log groups and the secrets behind on a failed first create,
    // and since their names are fixed, the retry would fail with "already exists". (CloudFormation takes
    // RetainExceptOnCreate on every resource type that takes a DeletionPolicy.) The events table and the
    // audit archive stay plain Retain on purpose: event-store-table.ts and audit-bucket.ts say why.
    const removalPolicy = config.deletionProtection ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY;

    this.keys = new EncryptionKeys(this, 'Keys', { environmentName: env, removalPolicy });
    // How every platform function outside a workflow (archiver, rotation check, bucket emptier) logs and is found.
    const platformFunction = {
      logsKey: this.keys.logsKey,
      logRetention: config.logRetentionDays as logs.RetentionDays,
      logRemovalPolicy: removalPolicy,
      logLevel: config.logLevel,
      functionsDirectory: props.functionsDirectory,
    };
    this.events = new EventStoreTable(this, 'Events', {
      encryptionKey: this.keys.tableKey,
      deletionProtection: config.deletionProtection,
    });
    this.audit = new AuditBucket(this, 'Audit', {
      encryptionKey: this.keys.auditKey,
      retentionDays: config.auditRetentionDays,
      // Who read or wrote the archive is part of the audit trail: kept as long as the archive itself.
      accessLogRetentionDays: config.auditRetentionDays,
      // An unprotected environment (dev) deletes the access-log bucket with the stack; the archive itself cannot go (audit-bucket.ts).
      deleteAccessLogsWithStack: !config.deletionProtection,
    });
    if (!config.deletionProtection) {
      new EmptyBucketOnDelete(this, 'EmptyAccessLogs', {
        environmentName: env,
        bucket: this.audit.accessLogsBucket,
        ...platformFunction,
      });
    }
    this.alarms = new AlarmTopic(this, 'Alarms', { environmentName: env, encryptionKey: this.keys.messagingKey, subscribers: config.alarmSubscribers });
    this.auditArchiver = new AuditArchiver(this, 'AuditArchiver', {
      environmentName: env,
      table: this.events.table,
      bucket: this.audit.bucket,
      auditKey: this.keys.auditKey,
      messagingKey: this.keys.messagingKey,
      alarms: this.alarms,
      ...platformFunction,
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

    // The page approvers reach through the emailed links; each workflow's gates sign and send those links.
    this.approvalSite = new ApprovalSite(this, 'ApprovalSite', { page: shared, linkKey: this.keys.approvalLinkKey });

    // Policy gates remind, escalate and expire on EventBridge Scheduler timers; the page schedules the next one after a vote.
    const policyGated = props.workflows.some((workflow) => Object.values(workflow.gates ?? {}).some((gate) => gate.policy !== undefined));
    if (policyGated) {
      this.approvalTimer = new ApprovalTimer(this, 'ApprovalTimer', { shared, site: this.approvalSite, emailFrom: config.approvalEmailFrom, removalPolicy });
      this.approvalTimer.grantScheduling(this.approvalSite.page);
    }

    // One guardrail per environment, applied by every step that calls a model.
    const callsModels = props.workflows.some((workflow) => Object.values(workflow.steps).some((step) => step.models === true));
    if (config.guardrail !== undefined && config.guardrail !== false && callsModels) {
      this.guardrail = new PromptAttackGuardrail(this, 'Guardrail', { environmentName: env, strength: config.guardrail.promptAttack });
    }

    const names = new Set<string>();
    const workflows: Record<string, WorkflowDeployment> = {};
    for (const workflow of props.workflows) {
      if (names.has(workflow.name)) throw new ConfigurationInvalid(`two workflows are named ${workflow.name}; workflow names must be unique`);
      names.add(workflow.name);
      workflows[workflow.name] = new WorkflowDeployment(this, pascal(workflow.name), {
        workflow,
        environment: props.environment,
        shared,
        stateMachineKey: this.keys.stateMachineKeyReference(),
        secretsKey: this.keys.secretsKey,
        approvalSite: this.approvalSite,
        ...(this.approvalTimer === undefined ? {} : { approvalTimer: this.approvalTimer }),
        alarms: this.alarms,
        messagingKey: this.keys.messagingKey,
        removalPolicy,
        ...(this.guardrail === undefined ? {} : { guardrail: this.guardrail }),
      });
    }
    this.workflows = workflows;

    // Provider-issued secrets cannot be rotated by a Lambda: a daily check alarms when one outlives its policy.
    const watched: WatchedSecret[] = props.workflows.flatMap((workflow) =>
      Object.entries(workflow.secrets ?? {}).map(([name, declaration]) => ({
        name: `${workflow.name}/${name}`,
        secret: workflows[workflow.name]!.secrets[name]!,
        ...(declaration.rotationDays === undefined ? {} : { rotationDays: declaration.rotationDays }),
      })),
    );
    this.secretRotation =
      watched.length === 0
        ? undefined
        : new SecretRotationCheck(this, 'SecretRotation', {
            environmentName: env,
            secrets: watched,
            alarms: this.alarms,
            ...platformFunction,
          });
    // Measures the oldest waiting approval of every workflow with a gate, for its approvals-waiting alarm.
    const gated = props.workflows.filter((workflow) => Object.keys(workflow.gates ?? {}).length > 0);
    if (gated.length > 0) {
      this.approvalsWaiting = new ApprovalsWaiting(this, 'ApprovalsWaiting', {
        shared,
        workflows: gated.map((workflow) => ({ workflow: workflow.name, stateMachineName: `wardflow-${env}-${workflow.name}` })),
      });
    }
    this.dashboard = new OperationsDashboard(this, 'Dashboard', { environmentName: env, workflows: Object.values(workflows), auditArchiver: this.auditArchiver });

    new CfnOutput(this, STACK_OUTPUTS.eventsTableName, {
      description: 'The events table (event store): execution and approval streams',
      value: this.events.table.tableName,
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
      description: "The alarm topic: every alarm of this environment notifies it; its subscribers are the environment's alarmSubscribers in cdk.json",
      value: this.alarms.topic.topicArn,
    });

    new CfnOutput(this, STACK_OUTPUTS.environmentTier, {
      description: 'The environment tier: outside prod, input marked as real data is refused',
      value: config.tier,
    });

    Aspects.of(this).add(new CallbackTimeoutRequired());
    acknowledgeStackWideDecisions(this);
  }
}

