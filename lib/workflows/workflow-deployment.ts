import { ArnFormat, type CfnElement, CfnOutput, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import { ENVIRONMENT_TIER_VARIABLE } from '../../functions/shared/input-classification.js';
import { approvalGate } from '../../statemachines/fragments/approval-gate.js';
import { buildFailurePath } from '../../statemachines/fragments/failure-path.js';
import { stepTask } from '../../statemachines/fragments/step-task.js';
import type { NamedEnvironment } from '../config/environments.js';
import { modelsForWorkflow } from '../config/model-governance.js';
import type { AlarmTopic } from '../constructs/alarm-topic.js';
import { type ApprovalSite, grantExecutionStatus } from '../constructs/approval-site.js';
import type { ApprovalTimer } from '../constructs/approval-timer.js';
import { acknowledgeProfileRegions, invokeModelStatements } from '../constructs/bedrock-models.js';
import { ExecutionEndRecorder } from '../constructs/execution-end-recorder.js';
import type { PromptAttackGuardrail } from '../constructs/prompt-attack-guardrail.js';
import { WorkflowAlarms } from '../constructs/workflow-alarms.js';
import { type SharedStepProps, WorkflowStep } from '../constructs/workflow-step.js';
import { workflowStackOutput } from '../stacks/stack-outputs.js';
import { workflowInputJsonSchema } from './input-schema.js';
import { type PolicyGate, readPolicyGate } from './policy-gate.js';
import { checkProductionReadiness, renderedDefinition, todayOf } from './production-readiness.js';
import { type AnyWorkflow, type SettingsContext, type StepDeclaration, workflowSettings } from './workflow-definition.js';

/** What the platform hands every workflow it deploys in one environment. */
export interface WorkflowDeploymentProps {
  readonly workflow: AnyWorkflow;
  readonly environment: NamedEnvironment;
  /** Table, keys, log settings and caches every function of the environment shares. */
  readonly shared: SharedStepProps;
  /** The key of the state machines' execution history (EncryptionKeys.stateMachineKeyReference()). */
  readonly stateMachineKey: kms.IKey;
  /** The key of the workflow's secrets. */
  readonly secretsKey: kms.IKey;
  /** The approval site: gates send its links, and its page resumes this workflow's executions. */
  readonly approvalSite: ApprovalSite;
  readonly alarms: AlarmTopic;
  readonly messagingKey: kms.IKey;
  readonly removalPolicy: RemovalPolicy;
  /** The timers of policy gates: required when a gate of the workflow has a policy. @default - none */
  readonly approvalTimer?: ApprovalTimer;
  /** The environment's Bedrock guardrail, applied by the steps that call models; none where the environment has none. */
  readonly guardrail?: PromptAttackGuardrail;
}

/** Hours on top of the longest gate for every other state with its retries. */
const EXECUTION_MARGIN = Duration.hours(1);
/** A workflow without a gate: its steps with their retries end well within this. */
const EXECUTION_TIMEOUT_WITHOUT_GATE = Duration.hours(1);

/**
 * One workflow, deployed as the platform deploys every workflow: a function per step with its own
 * role (only the streams, sealing contexts, secrets and models the step declares) and log group;
 * the platform's functions that serve it (record-start, record-outcome, request-approval per gate,
 * record-decision, the execution-end recorder); its secrets; the state machine with its own KMS key
 * for execution history, X-Ray tracing, logging without execution data and a timeout, its happy path
 * wrapped in the standard start and failure path; the approval page's grants on it; and a stack
 * output the CLI finds it by.
 *
 * @example
 * new WorkflowDeployment(stack, 'InvoiceApproval', { workflow: invoiceApproval, environment, shared, ... });
 */
export class WorkflowDeployment extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /** Every function of the workflow, its steps and the platform's functions serving it, by construct id. */
  readonly functions: Readonly<Record<string, WorkflowStep>>;
  readonly secrets: Readonly<Record<string, secretsmanager.Secret>>;
  /** The function of each of the workflow's steps, by its key in `workflow.steps`. */
  readonly steps: Readonly<Record<string, WorkflowStep>>;
  /** One alarm per entry of the workflow's alarm catalog (lib/operations/alarm-catalog.ts). */
  readonly alarms: WorkflowAlarms;

  constructor(scope: Construct, id: string, props: WorkflowDeploymentProps) {
    super(scope, id);
    const { workflow, environment, shared } = props;
    const env = environment.name;
    const settings: unknown = workflowSettings(workflow, environment);
    const context: SettingsContext<unknown> = { settings, environment };
    const stack = Stack.of(this);
    const stateMachineName = `wardflow-${env}-${workflow.name}`;
    const functionPrefix = workflow.name;
    const functions: Record<string, WorkflowStep> = {};
    const make = (constructId: string, functionName: string, props2: Omit<ConstructorParameters<typeof WorkflowStep>[2], keyof SharedStepProps>) => {
      // Every function of the workflow touches this workflow's execution and approval streams only.
      const step = new WorkflowStep(this, constructId, { ...shared, ...props2, workflow: workflow.name, functionName: `${functionPrefix}-${functionName}` });
      functions[constructId] = step;
      return step;
    };

    this.secrets = this.createSecrets(props, context);

    // The models its data may go to here (lib/config/model-governance.ts); synth stops if its classification admits none it asks for.
    const modelSteps = Object.values(workflow.steps).some((step) => step.models === true);
    const models = modelSteps ? modelsForWorkflow(workflow, environment) : [];

    // ---- the workflow's own steps ----
    const steps: Record<string, WorkflowStep> = {};
    for (const [key, declaration] of Object.entries(workflow.steps) as [string, StepDeclaration<unknown>][]) {
      const step = make(pascal(key), key, {
        name: declaration.handler,
        // A workflow kept outside functions/ has its steps' folders in its own directory.
        ...(workflow.functionsDirectory === undefined ? {} : { functionsDirectory: workflow.functionsDirectory }),
        environment: this.stepEnvironment(key, declaration, context, workflow.name, { models, guardrail: props.guardrail }),
        events: { append: declaration.append ?? [], read: declaration.read ?? [] },
        sealing: { seal: declaration.seal ?? [], open: declaration.open ?? [] },
        timeout: Duration.seconds(declaration.timeoutSeconds ?? 30),
      });
      if (declaration.models === true) {
        this.grantModels(step, models);
        props.guardrail?.grantApply(step);
      }
      for (const secret of Object.values(declaration.secrets ?? {})) this.grantSecretValue(step, this.secrets[secret]!);
      steps[key] = step;
    }

    // ---- the platform's functions that serve it ----
    // RecordStart seals the input into ExecutionStarted; RecordOutcome closes an expired approval.
    const recordStart = make('RecordStart', 'record-start', {
      name: 'record-start',
      sealing: { seal: ['execution'] },
      // The tier: anywhere but prod, record-start refuses input marked as real data (functions/shared/input-classification.ts).
      environment: { WORKFLOW_NAME: workflow.name, WORKFLOW_INPUT_SCHEMA: workflowInputJsonSchema(workflow), [ENVIRONMENT_TIER_VARIABLE]: environment.config.tier },
    });
    const recordOutcome = make('RecordOutcome', 'record-outcome', { name: 'record-outcome', events: { append: ['approval'] }, environment: { WORKFLOW_NAME: workflow.name } });
    const gates = Object.entries(workflow.gates ?? {});
    const requestApprovals: Record<string, { step: WorkflowStep; timeout: Duration; number: number; policy?: PolicyGate }> = {};
    gates.forEach(([key, gate], index) => {
      // A policy gate waits as long as its policy's longest route (plus a margin); a plain gate as long as it says.
      const policy = gate.policy === undefined ? undefined : readPolicyGate({ workflow: workflow.name, gate: key, environment: env }, gate.policy, context);
      const timeout = policy !== undefined ? Duration.hours(policy.hours) : Duration.hours(gate.timeoutHours?.(context) ?? environment.config.approvalTimeoutHours);
      const asked: Record<string, string> = {};
      if (policy !== undefined) {
        asked.APPROVER_GROUPS = JSON.stringify(policy.groups);
      } else {
        const approvers = [...(gate.approvers?.(context) ?? [])];
        if (approvers.length < 1 || approvers.length > 20) {
          throw new ConfigurationInvalid(`workflow ${workflow.name}: gate ${key} in ${env} has ${approvers.length} approvers; give it 1 to 20 (its settings in cdk.json)`);
        }
        asked.APPROVERS = JSON.stringify(approvers);
      }
      const step = make(`Request${pascal(key)}Approval`, `request-${key}-approval`, {
        name: 'request-approval',
        environment: {
          ...asked,
          APPROVAL_TIMEOUT_SECONDS: String(timeout.toSeconds()),
          WORKFLOW_NAME: workflow.name,
        },
        events: { append: ['approval'] }, // ApprovalRequested, ApprovalTokenReplaced
        // Seals the task token and the approvers' addresses; opens them on a retry (to email the approvers on
        // record, or to deliver a decision made meanwhile).
        sealing: { seal: ['approval'], open: ['approval'] },
      });
      props.approvalSite.addLinkSender(step, environment.config.approvalEmailFrom);
      if (policy !== undefined) {
        // The policy's deadlines and reminders run as scheduled timers; the first is scheduled when the route starts.
        if (props.approvalTimer === undefined) throw new ConfigurationInvalid(`workflow ${workflow.name}: gate ${key} has a policy, but the stack made no approval timer for it`);
        props.approvalTimer.grantScheduling(step);
        props.approvalTimer.serveWorkflow(workflow.name, stateMachineName);
      }
      requestApprovals[key] = { step, timeout, number: index + 1, ...(policy === undefined ? {} : { policy }) };
    });
    // An operator's decision by address, for the approvals of this workflow's gates.
    const recordDecision = gates.length === 0 ? undefined : make('RecordDecision', 'record-decision', {
      name: 'record-decision',
      events: { append: ['approval'] }, // ApprovalDecided
      sealing: { seal: ['approval'], open: ['approval'] }, // seals the decider's address and comment, opens the approvers and the task token
    });
    // A vote by address on a policy gate may open the next level, whose group the timer emails at once.
    if (recordDecision !== undefined && Object.values(requestApprovals).some((gate) => gate.policy !== undefined)) props.approvalTimer?.grantScheduling(recordDecision);

    // ---- the state machine ----
    const states = new Construct(this, 'States'); // state ids read like the process and would clash with the functions'
    const failure = buildFailurePath(states, {
      workflowName: workflow.name,
      recordOutcome: recordOutcome.fn,
      successNotRecorded: workflow.successNotRecorded,
      ...(workflow.failureCause === undefined ? {} : { failureCause: workflow.failureCause }),
      succeededStateName: workflow.succeededStateName ?? `${pascal(workflow.name)}Succeeded`,
    });
    const gateFailures: Record<string, sfn.IChainable> = {};
    // Where the steps and gates land in the states graph, for the prod check of egress steps (production-readiness.ts).
    const gateStates = new Set<string>();
    const stepStates = new Map<string, string[]>();
    const longestGate = Object.values(requestApprovals).reduce((longest, gate) => Math.max(longest, gate.timeout.toSeconds()), 0);
    const happyPath = workflow.definition({
      scope: states,
      step: (stateId, key, options) => {
        const step = steps[key];
        if (step === undefined) throw new ConfigurationInvalid(`workflow ${workflow.name}: state ${stateId} names step "${key}", which is not in its steps`);
        stepStates.set(key, [...(stepStates.get(key) ?? []), stateId]);
        return stepTask(states, stateId, { workflowName: workflow.name, handler: step.fn, input: options.input, resultPath: options.resultPath, comment: options.comment }).addCatch(
          failure.onFailure,
          failure.catchAll,
        );
      },
      gate: (stateId, key, options = {}) => {
        const gate = requestApprovals[key];
        const declaration = workflow.gates?.[key];
        if (gate === undefined || declaration === undefined) throw new ConfigurationInvalid(`workflow ${workflow.name}: state ${stateId} names gate "${key}", which is not in its gates`);
        gateFailures[key] ??= failure.onGateFailure(gate.number);
        gateStates.add(stateId);
        const task = approvalGate(states, stateId, {
          workflowName: workflow.name,
          handler: gate.step.fn,
          taskTimeout: gate.timeout,
          gateNumber: gate.number,
          subject: declaration.subject,
          ...(gate.policy === undefined ? {} : { policy: gate.policy.policy, facts: gate.policy.facts }),
          ...(options.resultPath === undefined ? {} : { resultPath: options.resultPath }),
        });
        if (options.onRejected !== undefined) task.addCatch(options.onRejected, { errors: ['ApprovalRejected'], resultPath: failure.catchAll.resultPath });
        // States.Timeout included: no decision means the execution fails closed.
        return task.addCatch(gateFailures[key], failure.catchAll);
      },
      done: failure.done,
      fail: failure.onFailure,
    });

    const stateMachineLogs = new logs.LogGroup(this, 'Logs', {
      // The /aws/vendedlogs/ prefix keeps the account's CloudWatch Logs resource policy small.
      logGroupName: `/aws/vendedlogs/states/${stateMachineName}`,
      encryptionKey: shared.logsKey,
      retention: shared.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      comment: workflow.description,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(failure.start(recordStart.fn, happyPath)),
      // Execution data would carry documents and task tokens: log the events, never the data.
      logs: { destination: stateMachineLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
      // Its own key, not the logs key: execution history holds documents and task tokens.
      encryptionConfiguration: new sfn.CustomerManagedEncryptionConfiguration(props.stateMachineKey),
      // The longest gate may wait its whole timeout; the margin covers every other state with its retries.
      timeout: longestGate > 0 ? Duration.seconds(longestGate).plus(EXECUTION_MARGIN) : EXECUTION_TIMEOUT_WITHOUT_GATE,
      removalPolicy: props.removalPolicy,
    });

    // A prod environment refuses an unowned, unreviewed or ungated workflow, judged on the definition as rendered.
    checkProductionReadiness({
      workflow,
      tier: environment.config.tier,
      environmentName: env,
      today: todayOf(this),
      definition: renderedDefinition(this.stateMachine),
      states: { gates: gateStates, steps: stepStates },
    });

    // Deciding: record-decision and the approval page resume this state machine's gates, and check first that the execution still runs.
    if (recordDecision !== undefined) {
      recordDecision.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ sid: 'ResumeWaitingExecution', actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], resources: [this.stateMachine.stateMachineArn] }),
      );
      grantExecutionStatus(recordDecision, this.stateMachine);
      props.approvalSite.serveWorkflow(workflow.name, this.stateMachine);
    }
    // A retried gate delivers a decision made meanwhile. grantTaskResponse would reference the state
    // machine (Ref) from request-approval's policy, while the state machine's definition references
    // request-approval's ARN and the function depends on its policy: a CloudFormation cycle. The ARN is
    // built from the fixed name instead, which is the same ARN.
    for (const { step } of Object.values(requestApprovals)) {
      step.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'DeliverRecordedDecision',
          actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'],
          resources: [stack.formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
        }),
      );
    }

    // Endings the failure path cannot record (timeout, StopExecution, States.Runtime) reach the event store through EventBridge.
    const ends = new ExecutionEndRecorder(this, 'ExecutionEnds', {
      shared,
      stateMachine: this.stateMachine,
      messagingKey: props.messagingKey,
      alarms: props.alarms,
      workflowName: workflow.name,
    });
    functions.ExecutionEnds = ends.step;
    this.functions = functions;
    this.steps = steps;

    // The workflow's alarms, to the environment's alarm topic: what each watches is in the construct and docs/operations.md.
    this.alarms = new WorkflowAlarms(this, 'Alarms', {
      workflow,
      environmentName: env,
      alarms: props.alarms,
      stateMachine: this.stateMachine,
      steps,
      // Its steps, then the platform's functions serving it: throttles and the validation-source rule watch them all.
      functions: [...Object.values(steps), ...Object.entries(functions).filter(([, fn]) => !Object.values(steps).includes(fn)).map(([, fn]) => fn)],
    });

    new CfnOutput(stack, workflowStackOutput(workflow.name), {
      description: `workflow ${workflow.name}: its state machine (${workflow.description})`,
      value: this.stateMachine.stateMachineArn,
    });

    acknowledgeStateMachineRole(this.stateMachine, [recordStart, recordOutcome, ...Object.values(steps), ...Object.values(requestApprovals).map((g) => g.step)].map((s) => s.fn));
  }

  /** Creates the workflow's secrets: `wardflow/<env>/<workflow>/<name>`, encrypted with the secrets key. */
  private createSecrets(props: WorkflowDeploymentProps, context: SettingsContext<unknown>): Record<string, secretsmanager.Secret> {
    const secrets: Record<string, secretsmanager.Secret> = {};
    for (const [name, declaration] of Object.entries(props.workflow.secrets ?? {})) {
      const secret = new secretsmanager.Secret(this, `${pascal(name)}Secret`, {
        secretName: `wardflow/${context.environment.name}/${props.workflow.name}/${name}`,
        description: `wardflow ${context.environment.name} ${props.workflow.name}: ${declaration.description} Generated placeholder; put the real value with put-secret-value.`,
        encryptionKey: props.secretsKey,
        generateSecretString: { passwordLength: 48, excludePunctuation: true },
        removalPolicy: props.removalPolicy,
      });
      const providerIssued = `Provider-issued secret (${props.workflow.name}/${name}): a third party issues and rotates it, so no rotation Lambda can; the rotation check alarms when it is older than its policy.`;
      Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason: providerIssued });
      Validations.of(secret).acknowledge({ id: 'NIST.800.53.R5-SecretsManagerRotationEnabled', reason: providerIssued });
      secrets[name] = secret;
    }
    return secrets;
  }

  /**
   * Lets a step fetch a secret's value: secretsmanager:GetSecretValue on that secret, and kms:Decrypt
   * with the secrets key only through Secrets Manager (in the key policy, as grantRead does). Not
   * grantRead: it adds secretsmanager:DescribeSecret, which the secrets middleware never calls.
   */
  private grantSecretValue(step: WorkflowStep, secret: secretsmanager.Secret): void {
    step.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: `ReadSecret${secret.node.id}`, actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }));
    secret.encryptionKey?.grantDecrypt(new kms.ViaServicePrincipal(`secretsmanager.${Stack.of(this).region}.amazonaws.com`, step.role));
  }

  /** A step's variables: its secrets' ARNs, its model settings (the governed models, the guardrail), and its own from the workflow's settings. */
  private stepEnvironment(
    key: string,
    declaration: StepDeclaration<unknown>,
    context: SettingsContext<unknown>,
    workflowName: string,
    model: { models: readonly string[]; guardrail: PromptAttackGuardrail | undefined },
  ): Record<string, string> {
    // The step's metrics are counted per workflow (functions/shared/middleware/metrics.ts).
    const environment: Record<string, string> = { WORKFLOW_NAME: workflowName };
    for (const [variable, secret] of Object.entries(declaration.secrets ?? {})) environment[variable] = this.secrets[secret]!.secretArn;
    if (declaration.models === true) {
      const config = context.environment.config;
      Object.assign(environment, { MODEL_PROVIDER: config.modelProvider, MODEL_ID: config.modelId, ALLOWED_MODELS: model.models.join(',') }, model.guardrail?.stepEnvironment ?? {});
    }
    for (const [variable, value] of Object.entries(declaration.environment?.(context) ?? {})) {
      if (Object.hasOwn(environment, variable)) throw new ConfigurationInvalid(`step ${key}: environment variable ${variable} is set by the platform (its workflow's name, a secret, a model or guardrail setting); choose another name`);
      environment[variable] = value;
    }
    return environment;
  }

  /**
   * The allow-list is enforced in IAM as well as in code: each model the workflow's classification
   * admits (of the environment's allowedModels), a foundation model by its ARN, an inference profile
   * by its ARN plus its foundation model reached through it (lib/constructs/bedrock-models.ts); no other model.
   */
  private grantModels(step: WorkflowStep, models: readonly string[]): void {
    for (const statement of invokeModelStatements(this, models)) step.role.addToPrincipalPolicy(statement);
    acknowledgeProfileRegions(step.role, models);
  }
}

/** `expense-claim` → `ExpenseClaim`: construct ids, state names and output keys. */
export function pascal(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
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
