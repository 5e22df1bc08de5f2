import path from 'node:path';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import * as z from 'zod';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import { PLATFORM_STREAM_KINDS } from '../../functions/shared/events/stream-kinds.js';
import type { NamedEnvironment } from '../config/environments.js';

/**
 * What a team writes to run a workflow on wardflow: its name, the schema of its input, its steps
 * (each a `defineStep` handler with the streams it touches, what it seals and opens, its secrets
 * and whether it calls a model), its approval gates, the settings it needs per environment, its own
 * event types and error names, and the happy path as Step Functions states.
 *
 * The platform adds everything else (lib/workflows/workflow-deployment.ts): the first state that
 * records the start, the failure path that records every failure, the state machine's key,
 * tracing, logging without execution data and timeout, each step's role and log group, the
 * grants its own functions need to serve the workflow (the approval page, decision recording,
 * sealing contexts, stream kinds), a stack output, and the registration with the CLI and the
 * local runtime.
 */

/** A workflow's name: kebab-case words that start with a letter, e.g. `expense-claim`. It names the state machine `wardflow-<env>-<name>`. */
export const WORKFLOW_NAME = /^[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*$/;
/** A step's or gate's key: kebab-case too (`extract-invoice`), so it can name functions and log groups. */
const STEP_KEY = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
/** A handler folder under the functions directory: `workflows/expense-claim/validate`. */
const HANDLER_FOLDER = /^[a-z0-9][a-z0-9-]*(?:\/[a-z0-9][a-z0-9-]*)*$/;
/** An event type or error name: PascalCase, as Step Functions Catch clauses and the audit read them. */
const PASCAL_NAME = /^[A-Z][A-Za-z0-9]{2,63}$/;
/** A stream kind: the part before `#` in a stream name, e.g. `vendor` in `vendor#acme-1a2b`. */
const STREAM_KIND = /^[a-z][a-z0-9]{1,30}$/;
/** An environment variable a step reads. */
const VARIABLE = /^[A-Z][A-Z0-9_]*$/;

/** How sensitive a workflow's data is, from least to most. */
export const DATA_CLASSIFICATIONS = ['public', 'internal', 'confidential', 'restricted'] as const;
export type DataClassification = (typeof DATA_CLASSIFICATIONS)[number];
/** A calendar date, `YYYY-MM-DD`. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** What a function of a workflow is handed to compute its own settings. */
export interface SettingsContext<Settings> {
  /** This workflow's settings in the environment being synthesized, validated by `settings`. */
  readonly settings: Settings;
  /** The environment being synthesized (`dev`, `prod`) and its platform settings. */
  readonly environment: NamedEnvironment;
}

/** Which event streams a step touches besides its own execution stream, and which it seals into or opens. Kinds: `execution`, `approval`, or one of the workflow's `streams`. */
export interface StepAccess {
  /** Kinds of stream the step appends to (PutItem; appended kinds are readable). @default - its execution stream only */
  readonly append?: readonly string[];
  /** Kinds of stream the step only reads (Query). @default - none */
  readonly read?: readonly string[];
  /** Kinds of stream whose events this step appends with a sealed part (kms:GenerateDataKey under the sealing context). @default - none */
  readonly seal?: readonly string[];
  /** Kinds of stream whose sealed parts this step opens (kms:Decrypt under the sealing context). @default - none */
  readonly open?: readonly string[];
}

/** One Lambda step of a workflow. */
export interface StepDeclaration<Settings> extends StepAccess {
  /**
   * The step's folder under functions/ (or under the workflow's `functionsDirectory`), holding `handler.ts`
   * (which exports `handler = defineStep(...)`), e.g. `workflows/expense-claim/validate`.
   */
  readonly handler: string;
  /** What the step does, for the function's description and the generated docs. */
  readonly description?: string;
  /**
   * The workflow's secrets this step reads, by the environment variable that receives the secret's
   * ARN: `{ PAYMENTS_SECRET_ID: 'payments-api-key' }`. The step may read those secrets and nothing else.
   * @default - none
   */
  readonly secrets?: Readonly<Record<string, string>>;
  /**
   * Whether the step calls a language model: it gets MODEL_PROVIDER, MODEL_ID and ALLOWED_MODELS and
   * may invoke exactly the environment's allowed models that the workflow's `classification` admits
   * (IAM and code; lib/config/model-governance.ts); where the environment has a Bedrock guardrail, it
   * also gets GUARDRAIL_ID and GUARDRAIL_VERSION and may apply that guardrail.
   * @default false
   */
  readonly models?: boolean;
  /** Step-specific environment variables (UPPER_SNAKE_CASE), from the workflow's settings. @default - none */
  readonly environment?: (context: SettingsContext<Settings>) => Readonly<Record<string, string>>;
  /** Function timeout in seconds (1 to 900). @default 30 */
  readonly timeoutSeconds?: number;
  /**
   * Whether the step moves money (`money`: pays, transfers) or data out of the platform (`data`: sends
   * to a third party). A prod environment refuses to synthesize the workflow unless an approval gate
   * precedes the step and the step reads the approval stream (it acts only on a recorded decision).
   * @default - neither
   */
  readonly egress?: 'money' | 'data';
  /** The step's usual p90 duration in milliseconds: its latency alarm fires above twice this. @default - an anomaly detector learns it */
  readonly latencyBaselineMs?: number;
}

/** A secret a workflow's steps read: created by the platform as `wardflow/<env>/<workflow>/<name>`, encrypted with the secrets key. */
export interface SecretDeclaration {
  /** What it is and who issues it, shown in Secrets Manager. */
  readonly description: string;
  /**
   * Who rotates it. `provider`: a third party issues the value (an API key), so no rotation Lambda can;
   * the platform generates a placeholder to be replaced with put-secret-value.
   */
  readonly rotation: 'provider';
  /** Days a value may live before it must be replaced: the rotation check alarms past it. @default 90 */
  readonly rotationDays?: number;
}

/** One labelled line of what an approver sees: a JsonPath into the state at the gate. */
export interface SubjectField {
  readonly label: string;
  /** JsonPath of the value in the state, e.g. `$.invoice.vendor`; a string, number or boolean. */
  readonly path: string;
}

/** What approvers see of a request: a title and labelled fields, rendered escaped in the email, the page and `wardflow approvals`. */
export interface ApprovalSubjectDeclaration {
  /**
   * The title: plain text, or a `States.Format` template whose `{}` are filled from `args` (JsonPaths),
   * e.g. `{ format: 'Invoice {} from {}', args: ['$.invoice.invoiceNumber', '$.invoice.vendor'] }`.
   */
  readonly title: string | { readonly format: string; readonly args: readonly string[] };
  /** Up to 12 labelled fields. */
  readonly fields: readonly SubjectField[];
}

/**
 * A gate's approval policy (docs/approval-policies.md): rules as data that auto-approve, auto-reject
 * or route the request through levels of approver groups with quorums, deadlines, reminders and
 * escalation. The policy is one file for every environment; who is in each group is per environment.
 */
export interface GatePolicyDeclaration<Settings> {
  /** Absolute path of the policy's JSON file, e.g. `new URL('./approval-policy.json', import.meta.url).pathname`; read and checked at synth. */
  readonly file: string;
  /** The members (email addresses) of every group the policy names, from the workflow's settings in the environment. */
  readonly groups: (context: SettingsContext<Settings>) => Readonly<Record<string, readonly string[]>>;
  /** Every fact the policy declares: the JsonPath of its value in the state at the gate, e.g. `{ amount: '$.invoice.amount' }`. */
  readonly facts: Readonly<Record<string, string>>;
}

/**
 * A human approval gate: the execution waits (a task token) until approvers decide through signed
 * emailed links. Give either `approvers` (one list; the first decision closes the gate) or `policy`.
 */
export interface GateDeclaration<Settings> {
  /** Who is asked: 1 to 20 addresses, from the workflow's settings in the environment; the first decision closes the gate. */
  readonly approvers?: (context: SettingsContext<Settings>) => readonly string[];
  /** Rules, levels, quorums and deadlines as data, instead of `approvers`. */
  readonly policy?: GatePolicyDeclaration<Settings>;
  /** What approvers see. */
  readonly subject: ApprovalSubjectDeclaration;
  /** Hours the gate waits before the execution fails closed; not with a policy, whose deadlines say how long. @default the environment's approvalTimeoutHours */
  readonly timeoutHours?: (context: SettingsContext<Settings>) => number;
}

/** What a workflow's happy path is built with (see WorkflowDefinition.definition). */
export interface WorkflowFlow<StepKey extends string, GateKey extends string> {
  /** Where the workflow's own states go (Choice, Pass, ...): ids must not clash with the step and gate state ids. */
  readonly scope: Construct;
  /**
   * A state that invokes one of the workflow's steps with `{ executionId, input }`, retries transient
   * failures, and sends any other failure to the platform's failure path (recorded, then Fail).
   */
  step(stateId: string, step: StepKey, options: StepStateOptions): sfn.TaskStateBase;
  /** A state that opens the gate, emails its approvers and waits for their decision; a rejection or a timeout takes the failure path. */
  gate(stateId: string, gate: GateKey, options?: GateStateOptions): sfn.TaskStateBase;
  /** The end of the happy path: record ExecutionSucceeded, then Succeed. Every successful path of the workflow ends here. */
  readonly done: sfn.IChainable;
  /**
   * The platform's failure path, for a path of the workflow's own that must end failed (after a
   * gate's `onRejected` recorded why): it records ExecutionFailed with the error in `$.error`.
   */
  readonly fail: sfn.IChainable;
}

export interface StepStateOptions {
  /** The step's input: an object of JsonPath references (`sfn.JsonPath.stringAt('$.claimText')`), or one JsonPath. */
  readonly input: Record<string, unknown> | string;
  /** Where the step's output goes; `sfn.JsonPath.DISCARD` keeps the state unchanged. */
  readonly resultPath: string;
  readonly comment?: string;
}

export interface GateStateOptions {
  /** Where the decision goes. @default '$.approval' */
  readonly resultPath?: string;
  /**
   * Where a rejection goes (the error, ApprovalRejected, in `$.error`), for a workflow that records
   * something of its own about it; that path ends at `flow.fail`.
   * @default - the failure path: ExecutionFailed with ApprovalRejected
   */
  readonly onRejected?: sfn.IChainable;
}

/** A workflow as a team declares it. `defineWorkflow` checks it and returns it typed. */
export interface WorkflowDefinition<Settings = unknown, StepKey extends string = string, GateKey extends string = string> {
  /** kebab-case; the state machine is `wardflow-<env>-<name>`, the CLI calls it by this name. */
  readonly name: string;
  /** One sentence: what the workflow does. */
  readonly description: string;
  /** Who answers for the workflow: a team or person's e-mail address. Required in prod. @default - none */
  readonly owner?: string;
  /** When the workflow (its steps, policy, models, approvers) is next reviewed: `YYYY-MM-DD`, within 90 days in prod. @default - none */
  readonly reviewDate?: string;
  /**
   * How sensitive the workflow's input is (see DATA_CLASSIFICATIONS): shown in the generated docs and
   * used to choose which models may see it (the rules: lib/config/model-governance.ts).
   * @default 'internal'
   */
  readonly classification?: DataClassification;
  /** The most the workflow's model calls may cost per day, in US dollars: the cost alarm fires above it. @default - no cost alarm */
  readonly modelBudgetUsdPerDay?: number;
  /**
   * The execution's input. `wardflow start` refuses an input that fails it before anything runs; the
   * first step that reads a field validates it again (steps never trust their input).
   */
  readonly input: z.ZodType;
  /**
   * The settings this workflow needs in each environment (approvers, URLs, limits), read from cdk.json
   * `wardflow:environments.<env>.workflows.<name>` and validated at synth.
   * @default - none
   */
  readonly settings?: z.ZodType<Settings>;
  /** Kinds of event stream the workflow's steps keep besides executions and approvals, e.g. `['vendor']`. @default - none */
  readonly streams?: readonly string[];
  /** The workflow's own event types (PascalCase), with what each records; steps append them through `defineEvents`. @default - none */
  readonly events?: readonly string[];
  /** The workflow's own error names (PascalCase): errors its steps throw on purpose and its states may catch. @default - none */
  readonly errors?: readonly string[];
  /** Secrets the workflow's steps read, by name (kebab-case). @default - none */
  readonly secrets?: Readonly<Record<string, SecretDeclaration>>;
  readonly steps: Readonly<Record<StepKey, StepDeclaration<Settings>>>;
  /** @default - no gate */
  readonly gates?: Readonly<Record<GateKey, GateDeclaration<Settings>>>;
  /**
   * How the workflow ends when its work is done but recording ExecutionSucceeded fails: the error name
   * and cause of that Fail state (for a workflow that moved money: "it WAS paid, do not pay again").
   * @default { error: 'SuccessNotRecorded', cause: generic }
   */
  readonly successNotRecorded?: { readonly error: string; readonly cause: string };
  /**
   * The Cause of the workflow's Fail state, for the operator reading a failed execution: what to look
   * at, and what may already have been done (a payment recorded before a later failure).
   * @default a generic "read the ExecutionFailed event of this execution stream"
   */
  readonly failureCause?: string;
  /** The Succeed state's id. @default `<PascalName>Succeeded` */
  readonly succeededStateName?: string;
  /**
   * The directory the steps' `handler` folders are in, for a workflow kept outside functions/ (its own
   * package, a test fixture): an absolute path, e.g. `fileURLToPath(new URL('./functions', import.meta.url))`.
   * Only the workflow's own steps are looked up there; the platform's functions serving it (record-start,
   * request-approval, ...) stay in the app's functions directory.
   * @default - the app's functions directory (functions/ at the repository root)
   */
  readonly functionsDirectory?: string;
  /** Folder of example inputs with an expected.json (see lib/workflows/examples.ts), relative to the repository root. @default - none */
  readonly examples?: string;
  /** The happy path, from the state after the platform's RecordStart; every path ends at `flow.done`. */
  definition(flow: WorkflowFlow<StepKey, GateKey>): sfn.IChainable;
}

/** Any workflow, as the platform holds them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyWorkflow = WorkflowDefinition<any, string, string>;

/** Names the platform's own functions and streams use: a workflow may not take them. */
const PLATFORM_ERROR_NAMES = new Set(['ValidationFailed', 'ConcurrencyConflict', 'TamperDetected', 'SecretUnavailable', 'ModelFailed', 'ModelNotAllowed', 'GuardTriggered', 'GuardUnavailable', 'ApprovalRejected', 'ApprovalClosed', 'ApprovalExpired', 'PaymentFailed', 'NotificationFailed', 'ConfigurationInvalid', 'StepFailed', 'TransientFailure', 'FailureNotRecorded']);

/**
 * Declares a workflow: checks the declaration (names, handler folders, stream kinds, event and error
 * names, gates) and returns it unchanged, typed. A mistake is a ConfigurationInvalid naming the
 * workflow and the field, at import time, long before a deploy.
 *
 * @example
 * export const expenseClaim = defineWorkflow({
 *   name: 'expense-claim',
 *   description: 'An employee claims an expense; a manager approves it; it is recorded.',
 *   input: z.object({ claimText: z.string().max(10_000), source: SourceLabel.optional() }),
 *   settings: z.object({ approvers: z.array(z.email()).min(1) }),
 *   steps: {
 *     'read-claim': { handler: 'workflows/expense-claim/read-claim' },
 *     'record-claim': { handler: 'workflows/expense-claim/record-claim' },
 *   },
 *   gates: {
 *     manager: {
 *       approvers: ({ settings }) => settings.approvers,
 *       subject: { title: { format: 'Expense claim of {}', args: ['$.claim.amount'] }, fields: [{ label: 'Purpose', path: '$.claim.purpose' }] },
 *     },
 *   },
 *   definition: (flow) =>
 *     flow.step('ReadClaim', 'read-claim', { input: { claimText: sfn.JsonPath.stringAt('$.claimText') }, resultPath: '$.claim' })
 *       .next(flow.gate('ManagerApproval', 'manager'))
 *       .next(flow.step('RecordClaim', 'record-claim', { input: { claim: sfn.JsonPath.objectAt('$.claim') }, resultPath: sfn.JsonPath.DISCARD }))
 *       .next(flow.done),
 * });
 */
export function defineWorkflow<Settings, StepKey extends string, GateKey extends string = never>(
  definition: WorkflowDefinition<Settings, StepKey, GateKey>,
): WorkflowDefinition<Settings, StepKey, GateKey> {
  checkWorkflow(definition as unknown as AnyWorkflow);
  return definition;
}

function checkWorkflow(workflow: AnyWorkflow): void {
  const problems: string[] = [];
  const name = typeof workflow?.name === 'string' ? workflow.name : '(unnamed)';
  const problem = (text: string) => problems.push(text);
  if (!WORKFLOW_NAME.test(name) || name.length > 40) problem('name must be kebab-case words starting with a letter, at most 40 characters (e.g. "expense-claim")');
  if (typeof workflow.description !== 'string' || workflow.description.trim() === '') problem('description is required: one sentence saying what the workflow does');
  if (!(workflow.input instanceof z.ZodType)) problem('input must be a zod schema of the execution input');
  if (workflow.settings !== undefined && !(workflow.settings instanceof z.ZodType)) problem('settings must be a zod schema');
  if (typeof workflow.definition !== 'function') problem('definition must be a function (flow) => the happy path');
  if (workflow.functionsDirectory !== undefined && (typeof workflow.functionsDirectory !== 'string' || !path.isAbsolute(workflow.functionsDirectory))) {
    problem("functionsDirectory must be an absolute path, e.g. fileURLToPath(new URL('./functions', import.meta.url))");
  }

  const streams = new Set<string>(PLATFORM_STREAM_KINDS);
  for (const kind of workflow.streams ?? []) {
    if (!STREAM_KIND.test(kind)) problem(`streams: "${kind}" must be lower-case letters and digits (2 to 31), starting with a letter`);
    else if ((PLATFORM_STREAM_KINDS as readonly string[]).includes(kind)) problem(`streams: "${kind}" is the platform's own stream kind; leave it out`);
    streams.add(kind);
  }
  for (const type of workflow.events ?? []) if (!PASCAL_NAME.test(type)) problem(`events: "${type}" must be a PascalCase name of 3 to 64 letters and digits`);
  for (const error of workflow.errors ?? []) {
    if (!PASCAL_NAME.test(error)) problem(`errors: "${error}" must be a PascalCase name of 3 to 64 letters and digits`);
    else if (PLATFORM_ERROR_NAMES.has(error)) problem(`errors: "${error}" is a platform error name; throw the platform's error or choose another name`);
  }
  const secrets = workflow.secrets ?? {};
  for (const [secret, declaration] of Object.entries(secrets)) {
    if (!STEP_KEY.test(secret)) problem(`secrets: "${secret}" must be kebab-case`);
    const days = declaration?.rotationDays;
    if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 365)) problem(`secrets.${secret}.rotationDays must be a whole number of days from 1 to 365`);
  }

  const steps = Object.entries(workflow.steps ?? {}) as [string, StepDeclaration<unknown>][];
  if (steps.length === 0) problem('steps: declare at least one step');
  for (const [key, step] of steps) {
    const at = `steps.${key}`;
    if (!STEP_KEY.test(key) || key.length > 40) problem(`${at}: the key must be kebab-case, at most 40 characters`);
    if (typeof step?.handler !== 'string' || !HANDLER_FOLDER.test(step.handler)) problem(`${at}.handler must be a folder under functions/ such as "workflows/${name}/${key}"`);
    for (const field of ['append', 'read', 'seal', 'open'] as const) {
      for (const kind of step[field] ?? []) if (!streams.has(kind)) problem(`${at}.${field}: "${kind}" is not a stream kind of this workflow (execution, approval${workflow.streams?.length ? `, ${workflow.streams.join(', ')}` : ''})`);
    }
    for (const [variable, secret] of Object.entries(step.secrets ?? {})) {
      if (!VARIABLE.test(variable)) problem(`${at}.secrets: "${variable}" must be an UPPER_SNAKE_CASE environment variable`);
      if (!Object.hasOwn(secrets, secret)) problem(`${at}.secrets.${variable}: "${secret}" is not one of the workflow's secrets`);
    }
    const timeout = step.timeoutSeconds;
    if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1 || timeout > 900)) problem(`${at}.timeoutSeconds must be a whole number from 1 to 900`);
  }
  for (const [key, gate] of Object.entries(workflow.gates ?? {}) as [string, GateDeclaration<unknown>][]) {
    const at = `gates.${key}`;
    if (!STEP_KEY.test(key) || key.length > 40) problem(`${at}: the key must be kebab-case, at most 40 characters`);
    for (const text of gateApproverProblems(at, gate)) problem(text);
    const fields = gate?.subject?.fields;
    if (!Array.isArray(fields) || fields.length > 12) problem(`${at}.subject.fields must be a list of at most 12 { label, path }`);
    else {
      fields.forEach((field, i) => {
        if (typeof field.label !== 'string' || field.label.length < 1 || field.label.length > 60) problem(`${at}.subject.fields[${i}].label must be 1 to 60 characters`);
        if (typeof field.path !== 'string' || !field.path.startsWith('$.')) problem(`${at}.subject.fields[${i}].path must be a JsonPath starting with "$."`);
      });
    }
    const title = gate?.subject?.title;
    const titleOk =
      (typeof title === 'string' && title.length >= 1 && title.length <= 200) ||
      (typeof title === 'object' && title !== null && typeof title.format === 'string' && Array.isArray(title.args) && title.args.every((a) => typeof a === 'string' && a.startsWith('$')) && title.format.split('{}').length - 1 === title.args.length);
    if (!titleOk) problem(`${at}.subject.title must be text of 1 to 200 characters, or { format, args } with one JsonPath in args per {} of format`);
  }
  if (workflow.owner !== undefined && !z.email().safeParse(workflow.owner).success) problem('owner must be the e-mail address of the team or person who answers for the workflow');
  if (workflow.reviewDate !== undefined && (typeof workflow.reviewDate !== 'string' || !ISO_DATE.test(workflow.reviewDate) || Number.isNaN(Date.parse(`${workflow.reviewDate}T00:00:00Z`)))) problem('reviewDate must be a date YYYY-MM-DD');
  if (workflow.classification !== undefined && !(DATA_CLASSIFICATIONS as readonly string[]).includes(workflow.classification)) problem(`classification must be one of ${DATA_CLASSIFICATIONS.join(', ')}`);
  const budget = workflow.modelBudgetUsdPerDay;
  if (budget !== undefined && (typeof budget !== 'number' || !Number.isFinite(budget) || budget <= 0)) problem('modelBudgetUsdPerDay must be a positive number of US dollars');
  for (const [key, step] of steps) {
    if (step.egress !== undefined && step.egress !== 'money' && step.egress !== 'data') problem(`steps.${key}.egress must be "money" or "data"`);
    const baseline = step.latencyBaselineMs;
    if (baseline !== undefined && (!Number.isInteger(baseline) || baseline < 1)) problem(`steps.${key}.latencyBaselineMs must be a whole number of milliseconds`);
  }
  if (workflow.successNotRecorded !== undefined && !PASCAL_NAME.test(workflow.successNotRecorded.error)) problem('successNotRecorded.error must be a PascalCase name');
  if (problems.length > 0) throw new ConfigurationInvalid(`workflow ${name}: ${problems.join('; ')}`);
}

/**
 * Who a gate asks: exactly one of `approvers` (a function) or `policy` (its file, its groups
 * function, and a "$."-JsonPath per fact). The policy's content is checked at synth, against each
 * environment's groups (workflow-deployment.ts), since reading the file here would tie importing
 * a workflow to the file system.
 */
function gateApproverProblems(at: string, gate: GateDeclaration<unknown> | undefined): string[] {
  const approvers = gate?.approvers;
  const policy = gate?.policy;
  if (approvers !== undefined && policy !== undefined) return [`${at}: give either approvers or policy, not both (a policy names its groups of approvers itself)`];
  if (policy === undefined) {
    return typeof approvers === 'function' ? [] : [`${at}.approvers must be a function of the settings returning the approvers' addresses (or give a policy instead)`];
  }
  if (typeof policy !== 'object' || policy === null) return [`${at}.policy must be { file, groups, facts }`];
  const problems: string[] = [];
  if (typeof policy.file !== 'string' || !path.isAbsolute(policy.file) || !policy.file.endsWith('.json')) {
    problems.push(`${at}.policy.file must be the absolute path of the policy's .json file, e.g. new URL('./approval-policy.json', import.meta.url).pathname`);
  }
  if (typeof policy.groups !== 'function') problems.push(`${at}.policy.groups must be a function of the settings returning each group's addresses`);
  const facts: unknown = policy.facts;
  if (typeof facts !== 'object' || facts === null || Array.isArray(facts)) {
    problems.push(`${at}.policy.facts must be a record of each fact the policy declares to the JsonPath of its value, e.g. { amount: '$.invoice.amount' }`);
  } else {
    for (const [fact, jsonPath] of Object.entries(facts)) {
      if (typeof jsonPath !== 'string' || !jsonPath.startsWith('$.') || jsonPath.length > 200) problems.push(`${at}.policy.facts.${fact} must be a JsonPath starting with "$."`);
    }
  }
  if (gate?.timeoutHours !== undefined) problems.push(`${at}.timeoutHours does not apply to a policy gate: its policy's deadlines say how long it waits`);
  return problems;
}

/**
 * The settings of one workflow in one environment: `wardflow:environments.<env>.workflows.<name>`,
 * validated with the workflow's schema. Throws ConfigurationInvalid naming each bad key (never its value).
 *
 * @example
 * const settings = workflowSettings(invoiceApproval, environment); // { approvers: ['approvers-dev@example.com'] }
 */
export function workflowSettings<Settings>(workflow: WorkflowDefinition<Settings, string, string>, environment: NamedEnvironment): Settings {
  const raw = environment.config.workflows[workflow.name];
  if (workflow.settings === undefined) {
    if (raw !== undefined && (typeof raw !== 'object' || raw === null || Object.keys(raw).length > 0)) {
      throw new ConfigurationInvalid(`wardflow:environments.${environment.name}.workflows.${workflow.name} is set, but the workflow declares no settings; remove it`);
    }
    return undefined as Settings;
  }
  const parsed = workflow.settings.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const at = `wardflow:environments.${environment.name}.workflows.${workflow.name}`;
  const issues = parsed.error.issues.map((issue) => `${[at, ...issue.path.map(String)].join('.')} ${issue.message}`);
  throw new ConfigurationInvalid(`${issues.join('; ')}. Fix these keys in cdk.json`);
}
