import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { routeHoursOf } from '../../../functions/shared/approvals/policy/route-hours.js';
import { ApprovalPolicy } from '../../../functions/shared/approvals/policy/schema.js';
import { PLATFORM_STREAM_KINDS } from '../../../functions/shared/events/stream-kinds.js';
import type { NamedEnvironment } from '../../../lib/config/environments.js';
import { governedModels } from '../../../lib/config/model-governance.js';
import { HANDLER_METADATA_KEY } from '../../../lib/constructs/handler-metadata.js';
import { STACK_OUTPUTS, workflowStackOutput } from '../../../lib/stacks/stack-outputs.js';
import type { AnyWorkflow, StepDeclaration } from '../../../lib/workflows/workflow-definition.js';
import { pascal } from '../../../lib/workflows/workflow-deployment.js';
import { type Asl, aslProblemsOf, concreteDefinition, renderDefinition, type State } from '../statemachines/asl.js';
import { actionList, executionsOf, type ExpectedFunction, hasPolicyGate, functionOf, functionsOf, functionsOfWorkflow, handlerFolderOf, type PolicyStatementJson, platformFunctionOf, resourcesOf, roleIdOf, servedWorkflowsOf, settingsContextOf, stateMachineOf, statementsOf, statementsOfRole, stepFunctionsOf, type StreamAccess, variablesOf, arnIn } from './synth.js';

/**
 * What the platform promises for the workflows an app registers, derived from their declarations
 * (steps, gates, secrets, models, streams) rather than listed: wardflow-stack.test.ts holds them for
 * the app's registry, throwaway-workflow.test.ts for the registry plus a workflow written in a test,
 * so adding a workflow cannot break them and cannot slip past them.
 */

/** A check of the whole stack, given the workflows it runs. */
export type StackCheck = (template: Template, environment: NamedEnvironment, workflows: readonly AnyWorkflow[]) => void;
/** A check of one workflow's part of the stack. */
export type WorkflowCheck = (template: Template, environment: NamedEnvironment, workflow: AnyWorkflow) => void;

// ---- reading grants ----

/**
 * `dynamodb:LeadingKeys` and sealing-context patterns of stream kinds, as WorkflowStep orders them:
 * the platform's kinds first, each once per served workflow (`execution#<workflow>:*`: execution
 * ids are `<workflow>:<name>`), then the workflow's own kinds by name (`vendor#*`).
 */
export function streamPatterns(kinds: readonly string[], workflows: readonly string[]): string[] {
  const unique = [...new Set(kinds)];
  const platform: readonly string[] = PLATFORM_STREAM_KINDS;
  return [
    ...platform.filter((kind) => unique.includes(kind)).flatMap((kind) => workflows.map((workflow) => `${kind}#${workflow}:*`)),
    ...unique.filter((kind) => !platform.includes(kind)).sort().map((kind) => `${kind}#*`),
  ];
}

/** The conditions of a sealing-key statement for these stream patterns. */
export const sealingConditions = (patterns: string[]) => ({
  'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['wardflow:stream', 'wardflow:version'] },
  Null: { 'kms:EncryptionContextKeys': 'false', 'kms:EncryptionContext:wardflow:version': 'false' },
  StringLike: { 'kms:EncryptionContext:wardflow:stream': patterns },
});

const leadingKeys = (patterns: string[]) => ({
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns },
  Null: { 'dynamodb:LeadingKeys': 'false' },
});

const actionsOf = (statements: PolicyStatementJson[]): string[] => statements.flatMap(actionList).sort();

/** Actions beyond logs, the event store, keys and X-Ray: what makes a function more than a step. */
const extrasOf = (template: Template, name: string): string[] =>
  [...new Set(actionsOf(statementsOf(template, name)).filter((a) => !/^(logs|dynamodb|kms|xray):/.test(a)))].sort();

/** A template value with references rendered as `${LogicalId}` (Fn::Join of text and Refs), e.g. a JSON environment variable. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join === undefined) {
    const ref = (value as { Ref?: string }).Ref;
    if (ref === undefined) throw new Error(`test: cannot render ${JSON.stringify(value)}`);
    return `\${${ref}}`;
  }
  return join[1].map(textOf).join(join[0]);
}

/** A workflow's state machine definition, with full logical ids in its function references. */
export function aslOf(template: Template, workflow: AnyWorkflow): Asl {
  return renderDefinition(stateMachineOf(template, workflow)[1].Properties.DefinitionString, { keepLogicalIds: true });
}

const isCallback = (state: State) => String(state.Resource).endsWith('.waitForTaskToken');

/** The logical id of the function a Task invokes. */
export function invokedFunctionOf(state: State): string {
  const reference = String(isCallback(state) ? (state.Parameters as { FunctionName: string }).FunctionName : state.Resource);
  const id = /^\$\{(\w+)\.Arn\}$/.exec(reference)?.[1];
  if (id === undefined) throw new Error(`test: a Task invokes ${reference}, not a function of the stack`);
  return id;
}

/** Each gate's timeout in seconds and number in its workflow, as the deployment computes them from the settings. */
export function gatesOf(
  workflow: AnyWorkflow,
  environment: NamedEnvironment,
): Array<{ key: string; number: number; timeoutSeconds: number; approvers: string[]; policy?: { document: ApprovalPolicy; groups: Record<string, readonly string[]>; facts: Record<string, string> } }> {
  const context = settingsContextOf(workflow, environment);
  return Object.entries(workflow.gates ?? {}).map(([key, gate], index) => {
    if (gate.policy === undefined) {
      return { key, number: index + 1, timeoutSeconds: (gate.timeoutHours?.(context) ?? environment.config.approvalTimeoutHours) * 3600, approvers: [...(gate.approvers?.(context) ?? [])] };
    }
    // A policy gate waits its policy's longest route plus an hour (route-hours.ts, unit-tested on its own).
    const document = ApprovalPolicy.parse(JSON.parse(readFileSync(gate.policy.file, 'utf8')));
    return {
      key,
      number: index + 1,
      timeoutSeconds: routeHoursOf(document) * 3600,
      approvers: [],
      policy: { document, groups: { ...gate.policy.groups(context) }, facts: { ...gate.policy.facts } },
    };
  });
}

/** What a function that schedules approval timers is told (lib/constructs/approval-timer.ts grantScheduling). */
export const SCHEDULER_VARIABLES = ['APPROVAL_TIMER_ARN', 'APPROVAL_TIMER_ROLE_ARN', 'APPROVAL_SCHEDULE_GROUP'] as const;

/** Their values in an environment: the timer function by its fixed name, the Scheduler role, the group. */
export function schedulerVariablesIn(environment: NamedEnvironment): Record<string, unknown> {
  return {
    APPROVAL_TIMER_ARN: arnIn(environment, 'lambda', `function:wardflow-${environment.name}-approval-timer`),
    APPROVAL_TIMER_ROLE_ARN: { 'Fn::GetAtt': [expect.stringMatching(/^ApprovalTimerSchedulerRole/), 'Arn'] },
    APPROVAL_SCHEDULE_GROUP: `wardflow-${environment.name}-approval-timers`,
  };
}

/** The step declarations of a workflow, by key. */
const stepsOf = (workflow: AnyWorkflow) => Object.entries(workflow.steps) as [string, StepDeclaration<unknown>][];

function expectStreamGrants(template: Template, fn: ExpectedFunction & { access: StreamAccess }): void {
  const statements = statementsOf(template, fn.name);
  const onTable = statements.filter((s) => JSON.stringify(s.Resource).includes('EventsTable'));
  expect(onTable.map((s) => s.Sid).sort(), fn.name).toEqual(['AppendEvents', 'ReadEvents']);
  const appended = ['execution', ...fn.access.append];
  expect(onTable.find((s) => s.Sid === 'AppendEvents'), fn.name).toEqual({
    Sid: 'AppendEvents',
    Effect: 'Allow',
    Action: 'dynamodb:PutItem',
    Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EventsTable/), 'Arn'] },
    Condition: leadingKeys(streamPatterns(appended, servedWorkflowsOf(fn))),
  });
  // An append reads the stream head first, so appended kinds are readable too.
  expect(onTable.find((s) => s.Sid === 'ReadEvents'), fn.name).toEqual({
    Sid: 'ReadEvents',
    Effect: 'Allow',
    Action: 'dynamodb:Query',
    Resource: { 'Fn::GetAtt': [expect.stringMatching(/^EventsTable/), 'Arn'] },
    Condition: leadingKeys(streamPatterns([...appended, ...fn.access.read], servedWorkflowsOf(fn))),
  });
  expect(statements.find((s) => s.Sid === 'UseTableKeyThroughDynamoDB'), fn.name).toMatchObject({
    Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
    Resource: { 'Fn::GetAtt': [expect.stringMatching(/^KeysTableKey/), 'Arn'] },
    Condition: { StringEquals: { 'kms:ViaService': expect.anything() } },
  });
  expect(statements.find((s) => s.Sid === 'WriteOwnLogs'), fn.name).toMatchObject({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'] });
  // Sealing (GenerateDataKey) and opening (Decrypt) exactly where declared, only under the sealer's encryption context.
  for (const [sid, action, kinds] of [
    ['SealEventFields', 'kms:GenerateDataKey', fn.access.seal],
    ['OpenSealedFields', 'kms:Decrypt', fn.access.open],
  ] as const) {
    const found = statements.filter((s) => s.Sid === sid);
    if (kinds.length === 0) expect(found, `${fn.name} ${sid}`).toEqual([]);
    else {
      expect(found, `${fn.name} ${sid}`).toEqual([
        { Sid: sid, Effect: 'Allow', Action: action, Resource: { 'Fn::GetAtt': [expect.stringMatching(/^KeysSealingKey/), 'Arn'] }, Condition: sealingConditions(streamPatterns(kinds, servedWorkflowsOf(fn))) },
      ]);
    }
  }
  // Named actions only: no service-wide wildcard, no ConditionCheckItem (the store appends with a conditional PutItem).
  expect(actionsOf(statements).filter((a) => a.includes('*')), fn.name).toEqual([]);
  expect(actionsOf(statements), fn.name).not.toContain('dynamodb:ConditionCheckItem');
}

/** The extras each platform function needs whatever the workflow; a step's follow from its declaration. */
const PLATFORM_EXTRAS: Record<Exclude<ExpectedFunction['purpose'], 'step' | 'audit-archiver' | 'secret-rotation-check' | 'empty-access-logs' | 'approvals-waiting'>, string[]> = {
  'record-start': [],
  'record-outcome': [],
  // Emails the signed links; a retried gate that finds the approval decided delivers that decision.
  'request-approval': ['ses:SendEmail', 'states:SendTaskFailure', 'states:SendTaskSuccess'],
  // Asks whether the execution still runs, then resumes the gate: no heartbeat, no email.
  'record-decision': ['states:DescribeExecution', 'states:SendTaskFailure', 'states:SendTaskSuccess'],
  'approval-page': ['states:DescribeExecution', 'states:SendTaskFailure', 'states:SendTaskSuccess'],
  // Sends what it cannot record to its dead-letter queue.
  'execution-end': ['sqs:SendMessage'],
  // Emails reminders and escalations, fails (or resumes) the waiting task, and schedules its next run.
  'approval-timer': ['iam:PassRole', 'scheduler:CreateSchedule', 'ses:SendEmail', 'states:SendTaskFailure', 'states:SendTaskSuccess'],
};

// ---- the whole stack ----

export const STACK_CHECKS: ReadonlyArray<readonly [string, StackCheck]> = [
  [
    'runs exactly the platform functions and each workflow’s, each nodejs22.x arm64 traced with its own role, named and labelled with its handler folder',
    (template, environment, workflows) => {
      const expected = functionsOf(workflows, environment);
      const fns = resourcesOf(template, 'AWS::Lambda::Function');
      expect(Object.keys(fns)).toHaveLength(expected.length);
      for (const fn of expected) {
        const [id, resource] = functionOf(template, fn.name);
        expect(resource.Metadata?.[HANDLER_METADATA_KEY], id).toBe(handlerFolderOf(fn));
        expect(resource.Properties.Description, id).toBe(`wardflow ${environment.name}: ${fn.name}`);
        expect(existsSync(path.join(fn.directory, fn.handler, 'handler.ts')), `${fn.name}: ${fn.handler}/handler.ts`).toBe(true);
        expect(resource.Properties, id).toMatchObject({
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          Handler: 'index.handler',
          LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/Logs/) } },
        });
      }
      const roles = Object.values(fns).map((fn) => JSON.stringify(fn.Properties.Role));
      expect(new Set(roles).size).toBe(expected.length);
      for (const role of Object.values(resourcesOf(template, 'AWS::IAM::Role'))) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      // Every function built like a step gets the step's base variables.
      for (const fn of stepFunctionsOf(workflows)) {
        expect(variablesOf(template, fn.name), fn.name).toMatchObject({
          WARDFLOW_ENV: environment.name,
          EVENTS_TABLE: { Ref: expect.stringMatching(/^EventsTable/) },
          DATA_KEY_ID: { 'Fn::GetAtt': [expect.stringMatching(/^KeysSealingKey/), 'Arn'] },
          SECRETS_CACHE_SECONDS: String(environment.config.secretsCacheSeconds),
          DATA_KEY_CACHE_SECONDS: String(environment.config.dataKeyCacheSeconds),
          LOG_LEVEL: environment.config.logLevel,
          POWERTOOLS_SERVICE_NAME: 'wardflow',
          POWERTOOLS_METRICS_NAMESPACE: `wardflow/${environment.name}`,
        });
      }
    },
  ],
  [
    'gives every log group the logs key and the retention: one per function, one per state machine, and the approval site’s access logs',
    (template, environment, workflows) => {
      const groups = Object.values(resourcesOf(template, 'AWS::Logs::LogGroup'));
      expect(groups).toHaveLength(functionsOf(workflows, environment).length + workflows.length + 1);
      for (const group of groups) {
        expect(group.Properties).toMatchObject({
          KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^KeysLogsKey/), 'Arn'] },
          RetentionInDays: environment.config.logRetentionDays,
        });
      }
    },
  ],
  [
    'allows Resource "*" in IAM policies only for the actions that have no resource-level permissions',
    (template, environment, workflows) => {
      const STEP = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
      // The archiver also lists the table's streams (dynamodb:ListStreams has no resource-level permission).
      const ARCHIVER = ['dynamodb:ListStreams', ...STEP];
      // Log delivery and X-Ray for each state machine.
      const MACHINE = [
        ...['CreateLogDelivery', 'DeleteLogDelivery', 'DescribeLogGroups', 'DescribeResourcePolicies', 'GetLogDelivery', 'ListLogDeliveries', 'PutResourcePolicy', 'UpdateLogDelivery'].map((a) => `logs:${a}`),
        'xray:GetSamplingRules',
        'xray:GetSamplingTargets',
        ...STEP,
      ];
      // Every traced function: the steps, and the platform's own (the rotation check, the dev bucket emptier).
      const stepRoles = new Set(
        functionsOf(workflows, environment)
          .filter((fn) => fn.purpose !== 'audit-archiver')
          .map((fn) => roleIdOf(template, fn.name)),
      );
      const archiverRole = roleIdOf(template, 'audit-archiver');
      // approvals-waiting is traced like every function: X-Ray only.
      if (functionsOf(workflows).some((fn) => fn.purpose === 'approvals-waiting')) stepRoles.add(roleIdOf(template, 'approvals-waiting'));
      const machineRoles = new Set(workflows.map((w) => (stateMachineOf(template, w)[1].Properties.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0]));
      expect(resourcesOf(template, 'AWS::IAM::ManagedPolicy')).toEqual({});
      for (const role of Object.values(resourcesOf(template, 'AWS::IAM::Role'))) expect(role.Properties.Policies).toBeUndefined();
      let wildcards = 0;
      for (const [policyId, policy] of Object.entries(resourcesOf(template, 'AWS::IAM::Policy'))) {
        const roles = (policy.Properties.Roles as Array<{ Ref: string }>).map((r) => r.Ref);
        for (const statement of (policy.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement) {
          const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
          if (!resources.includes('*')) continue;
          wildcards += 1;
          expect(resources, policyId).toEqual(['*']);
          const allowed = roles.every((r) => stepRoles.has(r)) ? STEP : roles.every((r) => machineRoles.has(r)) ? MACHINE : roles.every((r) => r === archiverRole) ? ARCHIVER : [];
          for (const action of actionList(statement)) expect(allowed, `${policyId} ${action}`).toContain(action);
        }
      }
      expect(wildcards).toBeGreaterThan(0);
    },
  ],
  [
    'grants the sealing key only as each function declares, always under the sealer’s context, and lets no function DescribeKey',
    (template, _environment, workflows) => {
      const all = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap((p) => (p.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement);
      const grants = all.filter((s) => JSON.stringify(s.Resource).includes('KeysSealingKey'));
      const declared = stepFunctionsOf(workflows).reduce((n, fn) => n + (fn.access.seal.length > 0 ? 1 : 0) + (fn.access.open.length > 0 ? 1 : 0), 0);
      expect(grants).toHaveLength(declared);
      for (const statement of grants) {
        expect(['SealEventFields', 'OpenSealedFields']).toContain(statement.Sid);
        expect(actionList(statement)).toHaveLength(1);
        expect(Object.keys(statement.Condition ?? {}).sort()).toEqual(['ForAllValues:StringEquals', 'Null', 'StringLike']);
      }
      // Only the audit archiver may DescribeKey, and only the table key: CDK's stream-read grant adds it (audit-archive.test.ts).
      expect(stepFunctionsOf(workflows).flatMap((fn) => actionsOf(statementsOf(template, fn.name)))).not.toContain('kms:DescribeKey');
    },
  ],
  [
    'lets only the gates’ request-approval functions and the approval timer sign links and send email, and only the page verify links',
    (template, _environment, workflows) => {
      // The approval timer emails reminders and escalations with signed links too.
      const requesters = [
        ...workflows.flatMap(functionsOfWorkflow).filter((fn) => fn.purpose === 'request-approval').map((fn) => roleIdOf(template, fn.name)),
        ...(workflows.some(hasPolicyGate) ? [roleIdOf(template, 'approval-timer')] : []),
      ];
      const page = roleIdOf(template, 'approval-page');
      const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy'));
      const statements = policies.flatMap((p) =>
        (p.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement.map((s): [string, PolicyStatementJson] => [(p.Properties.Roles as Array<{ Ref: string }>)[0]!.Ref, s]),
      );
      const rolesWith = (test: (action: string) => boolean) => statements.filter(([, s]) => actionList(s).some(test)).map(([role]) => role).sort();
      expect(rolesWith((a) => a === 'kms:GenerateMac')).toEqual([...requesters].sort());
      expect(rolesWith((a) => a === 'kms:VerifyMac')).toEqual([page]);
      expect(rolesWith((a) => a.startsWith('ses:'))).toEqual([...requesters].sort());
      expect(rolesWith((a) => a === 'kms:*' || a === 'ses:*')).toEqual([]);
    },
  ],
  [
    'lets only the deciders ask whether an execution runs: the page for every workflow with gates, each record-decision for its own',
    (template, _environment, workflows) => {
      const gated = workflows.filter((w) => Object.keys(w.gates ?? {}).length > 0);
      const describing = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).flatMap((p) =>
        (p.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement.filter((s) => actionList(s).some((a) => a.startsWith('states:Describe') || a === 'states:*')).map(
          (s) => `${(p.Properties.Roles as Array<{ Ref: string }>)[0]!.Ref} ${s.Sid}`,
        ),
      );
      const page = roleIdOf(template, 'approval-page');
      expect(describing.sort()).toEqual(
        [
          ...gated.map((w) => `${page} DescribeOwnExecutions${pascal(w.name)}`),
          ...gated.map((w) => `${roleIdOf(template, platformFunctionOf(w, 'record-decision').name)} DescribeOwnExecutions`),
        ].sort(),
      );
    },
  ],
  [
    'tells the approval page the state machine of every workflow with gates (WORKFLOW_STATE_MACHINES)',
    (template, _environment, workflows) => {
      const gated = workflows.filter((w) => Object.keys(w.gates ?? {}).length > 0);
      const variables = variablesOf(template, 'approval-page');
      expect(JSON.parse(textOf(variables.WORKFLOW_STATE_MACHINES))).toEqual(Object.fromEntries(gated.map((w) => [w.name, `\${${stateMachineOf(template, w)[0]}}`])));
      expect(variables.STATE_MACHINE_ARN).toBeUndefined();
    },
  ],
  [
    'outputs what the CLI and on-call read: the events table, the site URL, the audit bucket, the alarm topic and one state machine ARN per workflow',
    (template, _environment, workflows) => {
      const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
      expect(Object.keys(outputs).sort()).toEqual([...Object.values(STACK_OUTPUTS), ...workflows.map((w) => workflowStackOutput(w.name))].sort());
      for (const workflow of workflows) expect(outputs[workflowStackOutput(workflow.name)]!.Value).toEqual({ Ref: stateMachineOf(template, workflow)[0] });
    },
  ],
];

// ---- one workflow ----

export const WORKFLOW_CHECKS: ReadonlyArray<readonly [string, WorkflowCheck]> = [
  [
    'gives each of its functions a role that appends to, reads, seals and opens exactly the streams declared (its steps’) or served (the platform’s)',
    (template, _environment, workflow) => {
      for (const fn of functionsOfWorkflow(workflow)) expectStreamGrants(template, fn as ExpectedFunction & { access: StreamAccess });
    },
  ],
  [
    'grants each of its functions no extra but what its declaration or purpose calls for: models, secrets, task responses, email, dead letters',
    (template, environment, workflow) => {
      const guardrail = environment.config.guardrail !== undefined && environment.config.guardrail !== false;
      for (const fn of functionsOfWorkflow(workflow)) {
        if (fn.purpose === 'step') {
          const step = workflow.steps[fn.key!]!;
          const extras = [
            ...(step.models === true ? ['bedrock:InvokeModel', ...(guardrail ? ['bedrock:ApplyGuardrail'] : [])] : []),
            // GetSecretValue only: the secrets middleware never calls DescribeSecret.
            ...(Object.keys(step.secrets ?? {}).length > 0 ? ['secretsmanager:GetSecretValue'] : []),
          ];
          expect(extrasOf(template, fn.name), fn.name).toEqual(extras.sort());
        } else if (fn.purpose === 'request-approval' && workflow.gates?.[fn.key!]?.policy !== undefined) {
          // A policy gate's request-approval also schedules the first timer of the route.
          expect(extrasOf(template, fn.name), fn.name).toEqual([...PLATFORM_EXTRAS['request-approval'], 'iam:PassRole', 'scheduler:CreateSchedule'].sort());
        } else if (fn.purpose === 'record-decision' && Object.values(workflow.gates ?? {}).some((gate) => gate.policy !== undefined)) {
          // A vote by address on a policy gate may open the next level, whose timer it schedules at once.
          expect(extrasOf(template, fn.name), fn.name).toEqual([...PLATFORM_EXTRAS['record-decision'], 'iam:PassRole', 'scheduler:CreateSchedule'].sort());
        } else {
          expect(extrasOf(template, fn.name), fn.name).toEqual(PLATFORM_EXTRAS[fn.purpose as keyof typeof PLATFORM_EXTRAS]);
        }
      }
    },
  ],
  [
    'hands each step the variables it declares: its secrets’ ARNs, the model settings, and those computed from the settings',
    (template, environment, workflow) => {
      const context = settingsContextOf(workflow, environment);
      const config = environment.config;
      for (const [key, step] of stepsOf(workflow)) {
        const name = `${workflow.name}-${key}`;
        const variables = variablesOf(template, name);
        expect(variables, name).toMatchObject(step.environment?.(context) ?? {});
        if (step.models === true) {
          // The environment's allowed models that the workflow's classification admits (lib/config/model-governance.ts).
          const allowed = governedModels(environment, workflow.classification);
          expect(variables, name).toMatchObject({ MODEL_PROVIDER: config.modelProvider, MODEL_ID: config.modelId, ALLOWED_MODELS: allowed.join(',') });
          // The allow-list in IAM as well: one ARN per allowed model, no wildcard.
          const models = statementsOf(template, name).find((s) => s.Sid === 'InvokeAllowedModels')!;
          const arns = JSON.stringify(models.Resource);
          for (const model of allowed) expect(arns, name).toContain(`::foundation-model/${model}`);
          expect(arns, name).not.toContain('*');
          expect((Array.isArray(models.Resource) ? models.Resource : [models.Resource]).length, name).toBe(allowed.length);
          // The environment's guardrail, at its fixed version, and only it.
          const guardrails = Object.keys(resourcesOf(template, 'AWS::Bedrock::Guardrail'));
          const versions = Object.keys(resourcesOf(template, 'AWS::Bedrock::GuardrailVersion'));
          if (config.guardrail !== undefined && config.guardrail !== false) {
            expect(variables.GUARDRAIL_ID, name).toEqual({ 'Fn::GetAtt': [guardrails[0], 'GuardrailId'] });
            expect(variables.GUARDRAIL_VERSION, name).toEqual({ 'Fn::GetAtt': [versions[0], 'Version'] });
            expect(statementsOf(template, name).filter((s) => actionList(s).includes('bedrock:ApplyGuardrail')), name).toEqual([
              expect.objectContaining({ Action: 'bedrock:ApplyGuardrail', Resource: { 'Fn::GetAtt': [guardrails[0], 'GuardrailArn'] } }),
            ]);
          } else {
            for (const variable of ['GUARDRAIL_ID', 'GUARDRAIL_VERSION']) expect(variables[variable], `${name} ${variable}`).toBeUndefined();
          }
        } else {
          for (const variable of ['MODEL_PROVIDER', 'MODEL_ID', 'ALLOWED_MODELS', 'GUARDRAIL_ID', 'GUARDRAIL_VERSION']) expect(variables[variable], `${name} ${variable}`).toBeUndefined();
        }
        for (const [variable, secret] of Object.entries(step.secrets ?? {})) {
          const [secretId] = secretOf(template, environment, workflow, secret);
          expect(variables[variable], `${name} ${variable}`).toEqual({ Ref: secretId });
        }
      }
    },
  ],
  [
    'keeps its secrets under wardflow/<env>/<workflow>/<name>, encrypted with the secrets key, readable by the steps that declare them only',
    (template, environment, workflow) => {
      const prefix = `wardflow/${environment.name}/${workflow.name}/`;
      const secrets = Object.values(resourcesOf(template, 'AWS::SecretsManager::Secret')).filter((s) => String(s.Properties.Name).startsWith(prefix));
      expect(secrets.map((s) => s.Properties.Name).sort()).toEqual(Object.keys(workflow.secrets ?? {}).map((name) => `${prefix}${name}`).sort());
      for (const name of Object.keys(workflow.secrets ?? {})) {
        const [secretId, secret] = secretOf(template, environment, workflow, name);
        expect(secret.Properties).toMatchObject({
          KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^KeysSecretsKey/), 'Arn'] },
          GenerateSecretString: expect.objectContaining({ ExcludePunctuation: true }),
        });
        const readers = stepsOf(workflow)
          .filter(([, step]) => Object.values(step.secrets ?? {}).includes(name))
          .map(([key]) => roleIdOf(template, `${workflow.name}-${key}`));
        const rotationCheck = roleIdOf(template, 'secret-rotation-check');
        const granted = Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
          .filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes(`"${secretId}"`))
          .map((p) => (p.Properties.Roles as Array<{ Ref: string }>)[0]!.Ref);
        // Besides its readers, only the rotation check names it, and may only describe it (deploy-fidelity.test.ts).
        expect(granted.filter((role) => role !== rotationCheck).sort(), name).toEqual(readers.sort());
        expect(statementsOfRole(template, rotationCheck).filter((s) => JSON.stringify(s.Resource).includes(secretId)).flatMap(actionList), name).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds']);
        for (const role of readers) {
          expect(statementsOfRole(template, role).filter((s) => JSON.stringify(s.Resource).includes(secretId)), name).toEqual([
            expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: { Ref: secretId } }),
          ]);
        }
      }
    },
  ],
  [
    'asks each gate’s approvers from the settings, waits its timeout, and may deliver a recorded decision to its own state machine by ARN (no cycle)',
    (template, environment, workflow) => {
      const [machineId] = stateMachineOf(template, workflow);
      for (const gate of gatesOf(workflow, environment)) {
        const fn = platformFunctionOf(workflow, 'request-approval', gate.key);
        const variables = variablesOf(template, fn.name);
        if (gate.policy === undefined) {
          expect(variables.APPROVERS, fn.name).toBe(JSON.stringify(gate.approvers));
          for (const variable of ['APPROVER_GROUPS', ...SCHEDULER_VARIABLES]) expect(variables[variable], `${fn.name} ${variable}`).toBeUndefined();
        } else {
          // A policy gate: each group's members instead of one list, and the scheduler of its timers.
          expect(variables.APPROVERS, fn.name).toBeUndefined();
          expect(JSON.parse(String(variables.APPROVER_GROUPS)), fn.name).toEqual(gate.policy.groups);
          expect(variables, fn.name).toMatchObject(schedulerVariablesIn(environment));
        }
        expect(variables, fn.name).toMatchObject({
          APPROVAL_TIMEOUT_SECONDS: String(gate.timeoutSeconds),
          WORKFLOW_NAME: workflow.name,
          APPROVAL_SITE_URL: { 'Fn::GetAtt': [expect.stringMatching(/^ApprovalSiteApi/), 'ApiEndpoint'] },
          APPROVAL_LINK_KEY_ID: { 'Fn::GetAtt': [expect.stringMatching(/^KeysApprovalLinkKey/), 'Arn'] },
          APPROVAL_EMAIL_FROM: environment.config.approvalEmailFrom,
        });
        const statements = statementsOf(template, fn.name);
        expect(statements.find((s) => s.Sid === 'DeliverRecordedDecision'), fn.name).toEqual({
          Sid: 'DeliverRecordedDecision',
          Effect: 'Allow',
          Action: ['states:SendTaskFailure', 'states:SendTaskSuccess'],
          Resource: arnIn(environment, 'states', `stateMachine:wardflow-${environment.name}-${workflow.name}`),
        });
        expect(JSON.stringify(statements), fn.name).not.toContain(machineId);
      }
    },
  ],
  [
    'records its start with its name, its input schema (with the platform-reserved classification) and the tier, so record-start refuses a bad input, and real data outside prod, before any step runs',
    (template, environment, workflow) => {
      const variables = variablesOf(template, platformFunctionOf(workflow, 'record-start').name);
      expect(variables.WORKFLOW_NAME).toBe(workflow.name);
      expect(JSON.parse(String(variables.WORKFLOW_INPUT_SCHEMA))).toMatchObject({ type: 'object', properties: { classification: { enum: ['synthetic', 'real'] } } });
      expect(variables.ENVIRONMENT_TIER).toBe(environment.config.tier);
    },
  ],
  [
    'runs as a STANDARD, traced state machine encrypted with the state machine key, logging ALL without execution data to its own log group, bounded by its longest gate plus an hour',
    (template, environment, workflow) => {
      const name = `wardflow-${environment.name}-${workflow.name}`;
      const [, machine] = stateMachineOf(template, workflow);
      const logsId = Object.entries(resourcesOf(template, 'AWS::Logs::LogGroup')).find(([, g]) => g.Properties.LogGroupName === `/aws/vendedlogs/states/${name}`)?.[0];
      expect(logsId, `the log group of ${name}`).toBeDefined();
      expect(machine.Properties).toMatchObject({
        StateMachineName: name,
        StateMachineType: 'STANDARD',
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false, Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logsId, 'Arn'] } } }] },
        TracingConfiguration: { Enabled: true },
        EncryptionConfiguration: { Type: 'CUSTOMER_MANAGED_KMS_KEY', KmsKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^KeysStateMachineKey/), 'Arn'] } },
      });
      const longest = Math.max(0, ...gatesOf(workflow, environment).map((g) => g.timeoutSeconds));
      // The longest gate may wait its whole timeout; an hour covers every other state with its retries.
      expect(aslOf(template, workflow).TimeoutSeconds).toBe(longest + 3600);
    },
  ],
  [
    'lets the approval page and its record-decision resume only its gates, and ask only about its executions',
    (template, environment, workflow) => {
      const [machineId] = stateMachineOf(template, workflow);
      const id = pascal(workflow.name);
      const sids = [`DescribeOwnExecutions${id}`, `ResumeWaitingExecution${id}`];
      const page = statementsOf(template, 'approval-page').filter((s) => sids.includes(String(s.Sid)));
      if (Object.keys(workflow.gates ?? {}).length === 0) {
        expect(page).toEqual([]);
        expect(functionsOfWorkflow(workflow).filter((fn) => fn.purpose === 'record-decision')).toEqual([]);
        return;
      }
      expect(page).toEqual([
        { Sid: `DescribeOwnExecutions${id}`, Effect: 'Allow', Action: 'states:DescribeExecution', Resource: executionsOf(environment, machineId) },
        { Sid: `ResumeWaitingExecution${id}`, Effect: 'Allow', Action: ['states:SendTaskFailure', 'states:SendTaskSuccess'], Resource: { Ref: machineId } },
      ]);
      const recordDecision = platformFunctionOf(workflow, 'record-decision').name;
      const decider = statementsOf(template, recordDecision);
      expect(decider.filter((s) => actionList(s).some((a) => a.startsWith('states:')))).toEqual([
        { Sid: 'ResumeWaitingExecution', Effect: 'Allow', Action: ['states:SendTaskFailure', 'states:SendTaskSuccess'], Resource: { Ref: machineId } },
        { Sid: 'DescribeOwnExecutions', Effect: 'Allow', Action: 'states:DescribeExecution', Resource: executionsOf(environment, machineId) },
      ]);
      expect(variablesOf(template, recordDecision)).toMatchObject({ STATE_MACHINE_ARN: { Ref: machineId } });
    },
  ],
  [
    'records its executions that end FAILED, TIMED_OUT or ABORTED through its own rule and recorder',
    (template, environment, workflow) => {
      const [machineId] = stateMachineOf(template, workflow);
      const recorder = platformFunctionOf(workflow, 'execution-end');
      const [recorderId] = functionOf(template, recorder.name);
      const rules = Object.values(resourcesOf(template, 'AWS::Events::Rule')).filter((r) => r.Properties.Name === `wardflow-${environment.name}-${workflow.name}-execution-ends`);
      expect(rules).toHaveLength(1);
      expect(rules[0]!.Properties.EventPattern).toEqual({
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: machineId }] },
      });
      expect(rules[0]!.Properties.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [recorderId, 'Arn'] } })]);
      expect(variablesOf(template, recorder.name)).toMatchObject({ STATE_MACHINE_ARN: { Ref: machineId } });
    },
  ],
  [
    'starts with RecordStart, invokes every declared step, only its own functions, catches every error of every Task, and waits at each gate exactly its timeout',
    (template, environment, workflow) => {
      const asl = aslOf(template, workflow);
      expect(asl.StartAt).toBe('RecordStart');
      expect(asl.Comment).toBe(workflow.description);
      const own = new Map(functionsOfWorkflow(workflow).map((fn) => [functionOf(template, fn.name)[0], fn]));
      const tasks = Object.entries(asl.States).filter(([, s]) => s.Type === 'Task');
      const invoked = new Set<string>();
      for (const [name, state] of tasks) {
        const fn = own.get(invokedFunctionOf(state));
        expect(fn, `${name} invokes ${invokedFunctionOf(state)}`).toBeDefined();
        invoked.add(fn!.name);
        expect((state.Catch as Array<{ ErrorEquals: string[] }> | undefined)?.some((c) => c.ErrorEquals.includes('States.ALL')), name).toBe(true);
        expect((isCallback(state) ? (state.Parameters as { Payload: Record<string, unknown> }).Payload : (state.Parameters as Record<string, unknown>))['executionId.$'], name).toBe(`States.Format('${workflow.name}:{}', $$.Execution.Name)`);
      }
      for (const [key] of stepsOf(workflow)) expect(invoked, `no Task invokes step ${key}`).toContain(`${workflow.name}-${key}`);
      for (const gate of gatesOf(workflow, environment)) {
        const [gateId] = functionOf(template, platformFunctionOf(workflow, 'request-approval', gate.key).name);
        const states = tasks.filter(([, s]) => isCallback(s) && invokedFunctionOf(s) === gateId);
        expect(states.length, `the states of gate ${gate.key}`).toBeGreaterThan(0);
        for (const [name, state] of states) {
          expect(state.TimeoutSeconds, name).toBe(gate.timeoutSeconds);
          const input = (state.Parameters as { Payload: { input: Record<string, unknown> } }).Payload.input;
          expect(input['approvalId.$'], name).toBe(`States.Format('${workflow.name}:{}-${gate.number}', $$.Execution.Name)`);
          if (gate.policy === undefined) {
            expect(Object.keys(input).filter((k) => k.startsWith('policy') || k.startsWith('facts')), name).toEqual([]);
          } else {
            // The policy literally, and each fact read with `.$` from its JsonPath (keeping its JSON type).
            expect(input.policy, name).toEqual(gate.policy.document);
            expect(input.facts, name).toEqual(Object.fromEntries(Object.entries(gate.policy.facts).map(([fact, path]) => [`${fact}.$`, path])));
          }
        }
      }
      // Only gates wait for a token.
      const gateIds = new Set(gatesOf(workflow, environment).map((g) => functionOf(template, platformFunctionOf(workflow, 'request-approval', g.key).name)[0]));
      for (const [name, state] of tasks.filter(([, s]) => isCallback(s))) expect(gateIds.has(invokedFunctionOf(state)), name).toBe(true);
    },
  ],
  [
    'is valid Amazon States Language (asl-validator: schema, transitions, terminal states, paths, ARNs)',
    (template, _environment, workflow) => {
      expect(aslProblemsOf(concreteDefinition(stateMachineOf(template, workflow)[1].Properties.DefinitionString))).toEqual([]);
    },
  ],
];

/** A workflow's secret by name, with its logical id. */
function secretOf(template: Template, environment: NamedEnvironment, workflow: AnyWorkflow, name: string): [string, { Properties: Record<string, unknown> }] {
  const found = Object.entries(resourcesOf(template, 'AWS::SecretsManager::Secret')).filter(([, s]) => s.Properties.Name === `wardflow/${environment.name}/${workflow.name}/${name}`);
  if (found.length !== 1) throw new Error(`test: expected one secret ${workflow.name}/${name}, found ${found.length}`);
  return found[0]!;
}
