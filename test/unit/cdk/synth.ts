import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Template } from 'aws-cdk-lib/assertions';
import { type WardflowApp, buildWardflowApp } from '../../../lib/app.js';
import { type NamedEnvironment, parseEnvironments } from '../../../lib/config/environments.js';
import { DEFAULT_FUNCTIONS_DIRECTORY } from '../../../lib/constructs/handler-function.js';
import { FUNCTION_METADATA_KEY } from '../../../lib/constructs/handler-metadata.js';
import { type AnyWorkflow, type SettingsContext, type StepDeclaration, workflowSettings } from '../../../lib/workflows/workflow-definition.js';
import { pascal } from '../../../lib/workflows/workflow-deployment.js';
import { WORKFLOWS } from '../../../statemachines/index.js';
import { TEST_TODAY } from '../../support/test-today.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repositoryRoot = path.resolve(here, '..', '..', '..');

/** The context of cdk.json: the same environments and feature flags `cdk synth` uses. */
export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(readFileSync(path.join(repositoryRoot, 'cdk.json'), 'utf8')).context;

export interface SynthOptions {
  /** Where the cloud assembly goes (a real `app.synth()` writes it). @default - a temporary directory of CDK's */
  readonly outdir?: string;
  /** The workflows the app runs. @default WORKFLOWS, the app's registry */
  readonly workflows?: readonly AnyWorkflow[];
}

/**
 * Builds the app exactly as bin/app.ts does, from cdk.json's context and the real functions/,
 * with bundling skipped (`aws:cdk:bundling-stacks: []`) so no esbuild runs: only the handler
 * entry files must exist, which the synth checks itself.
 */
export function synthWardflow(extraContext: Record<string, unknown> = {}, options: SynthOptions = {}): WardflowApp {
  return buildWardflowApp({
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
    ...(options.workflows === undefined ? {} : { workflows: options.workflows }),
    // Stack traces on construct metadata cost seconds per synth and tests never read them.
    // "Today" pinned: prod checks review dates against it (lib/workflows/production-readiness.ts).
    context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-stack-trace': true, 'wardflow:today': TEST_TODAY, ...extraContext },
  });
}

/** The CloudFormation template of one environment's stack. */
export function templateOf(app: WardflowApp, environmentName: string): Template {
  const stage = app.stages.find((s) => s.stack.stackName === `wardflow-${environmentName}`);
  if (stage === undefined) throw new Error(`test setup: no stage for ${environmentName}`);
  return Template.fromStack(stage.stack);
}

/** The dev and prod templates of one synth of the app, as most template tests need both. */
export function devAndProdTemplates(): { dev: Template; prod: Template } {
  const app = synthWardflow();
  return { dev: templateOf(app, 'dev'), prod: templateOf(app, 'prod') };
}

/** An environment of an app's context (cdk.json's by default), validated as the app validates it. */
export function environmentOf(name: string, context: Record<string, unknown> = CDK_CONTEXT): NamedEnvironment {
  const environment = parseEnvironments(context['wardflow:environments']).find((e) => e.name === name);
  if (environment === undefined) throw new Error(`test setup: no environment ${name}`);
  return environment;
}

/** What a workflow's settings functions are handed in an environment: its validated settings, and the environment. */
export function settingsContextOf(workflow: AnyWorkflow, environment: NamedEnvironment): SettingsContext<unknown> {
  return { settings: workflowSettings(workflow, environment), environment };
}

/** One statement of an IAM policy document, as synthesized. */
export type PolicyStatementJson = {
  Sid?: string;
  Effect?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
  Principal?: unknown;
};

/** One resource of a synthesized template, with the parts tests read. */
export type TemplateResource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown>; DependsOn?: string | string[]; DeletionPolicy?: string };
type Resources = Record<string, TemplateResource>;

/** Every resource of a type, by logical id. */
export const resourcesOf = (template: Template, type: string): Resources => template.findResources(type) as Resources;

// ---- What the stack should hold, derived from the workflows registered ----

/** Kinds of event stream a function appends to, reads, seals into and opens, besides its own execution stream. */
export interface StreamAccess {
  readonly append: readonly string[];
  readonly read: readonly string[];
  readonly seal: readonly string[];
  readonly open: readonly string[];
}

/** What a function is for: a workflow's own step, one of the platform's functions serving a workflow, or one serving them all. */
export type FunctionPurpose =
  | 'step'
  | 'record-start'
  | 'record-outcome'
  | 'request-approval'
  | 'record-decision'
  | 'execution-end'
  | 'approval-page'
  | 'audit-archiver'
  | 'secret-rotation-check'
  | 'empty-access-logs'
  | 'approvals-waiting'
  | 'approval-timer';

/** A function the stack must have. */
export interface ExpectedFunction {
  /** Its unique name in the environment (metadata `wardflow:function`, and its description `wardflow <env>: <name>`). */
  readonly name: string;
  /** Its handler folder (metadata `wardflow:handler`). */
  readonly handler: string;
  /** The directory the handler folder is in. */
  readonly directory: string;
  readonly purpose: FunctionPurpose;
  /** The workflow it serves; none for the approval page and the audit archiver, which serve every workflow. */
  readonly workflow?: AnyWorkflow;
  /** The step's key, or the gate's for request-approval. */
  readonly key?: string;
  /** The streams its role is granted, for functions built by WorkflowStep; none for the audit archiver (not a step). */
  readonly access?: StreamAccess;
}

const access = (declared: Partial<StreamAccess>): StreamAccess => ({
  append: declared.append ?? [],
  read: declared.read ?? [],
  seal: declared.seal ?? [],
  open: declared.open ?? [],
});

/**
 * The platform's functions and what each does with streams, whatever the workflow (their handlers'
 * contract): record-start seals the input into ExecutionStarted; record-outcome closes an expired
 * approval; request-approval, record-decision and the approval page record approvals, sealing the
 * token, the approvers and the decider's comment and opening them again; the execution-end recorder
 * touches execution streams only.
 */
export const PLATFORM_ACCESS = {
  'record-start': access({ seal: ['execution'] }),
  'record-outcome': access({ append: ['approval'] }),
  'request-approval': access({ append: ['approval'], seal: ['approval'], open: ['approval'] }),
  'record-decision': access({ append: ['approval'], seal: ['approval'], open: ['approval'] }),
  'execution-end': access({}),
  'approval-page': access({ append: ['approval'], seal: ['approval'], open: ['approval'] }),
  // Appends reminders, escalations and expiry; opens the approvers (to email them) and the token (to fail the task); seals nothing.
  'approval-timer': access({ append: ['approval'], open: ['approval'] }),
} as const;

/** Whether a workflow has a gate with an approval policy (its timers need the approval-timer function). */
export const hasPolicyGate = (workflow: AnyWorkflow): boolean => Object.values(workflow.gates ?? {}).some((gate) => gate.policy !== undefined);

/** The functions one workflow brings: its steps, and the platform's functions serving it. */
export function functionsOfWorkflow(workflow: AnyWorkflow): ExpectedFunction[] {
  const named = (suffix: string) => `${workflow.name}-${suffix}`;
  const platform = (purpose: keyof typeof PLATFORM_ACCESS, handler: string, suffix: string, key?: string): ExpectedFunction => ({
    name: named(suffix),
    handler,
    directory: DEFAULT_FUNCTIONS_DIRECTORY,
    purpose,
    workflow,
    ...(key === undefined ? {} : { key }),
    access: PLATFORM_ACCESS[purpose],
  });
  const steps = (Object.entries(workflow.steps) as [string, StepDeclaration<unknown>][]).map(
    ([key, step]): ExpectedFunction => ({
      name: named(key),
      handler: step.handler,
      directory: workflow.functionsDirectory ?? DEFAULT_FUNCTIONS_DIRECTORY,
      purpose: 'step',
      workflow,
      key,
      access: access(step),
    }),
  );
  const gates = Object.keys(workflow.gates ?? {});
  return [
    ...steps,
    platform('record-start', 'record-start', 'record-start'),
    platform('record-outcome', 'record-outcome', 'record-outcome'),
    ...gates.map((gate) => platform('request-approval', 'request-approval', `request-${gate}-approval`, gate)),
    ...(gates.length > 0 ? [platform('record-decision', 'record-decision', 'record-decision')] : []),
    platform('execution-end', 'record-execution-end', 'record-execution-end'),
  ];
}

/**
 * Every function of the stack: each workflow's, then the approval page and the audit archiver;
 * approvals-waiting when a workflow has a gate; the secret rotation check when a workflow has secrets;
 * in an environment without deletion protection, the function that empties the access-log bucket when
 * the stack is deleted.
 */
export function functionsOf(workflows: readonly AnyWorkflow[] = WORKFLOWS, environment?: NamedEnvironment): ExpectedFunction[] {
  const platform = (name: string, handler: string, purpose: FunctionPurpose): ExpectedFunction => ({ name, handler, directory: DEFAULT_FUNCTIONS_DIRECTORY, purpose });
  const gated = workflows.some((workflow) => Object.keys(workflow.gates ?? {}).length > 0);
  return [
    ...workflows.flatMap(functionsOfWorkflow),
    { name: 'approval-page', handler: 'approval-page', directory: DEFAULT_FUNCTIONS_DIRECTORY, purpose: 'approval-page', access: PLATFORM_ACCESS['approval-page'] },
    platform('audit-archiver', 'audit-archiver', 'audit-archiver'),
    // Not built by WorkflowStep (no access): it only reads, and its own statements say so (approvals-waiting.test.ts).
    ...(workflows.some(hasPolicyGate) ? [{ ...platform('approval-timer', 'approval-timer', 'approval-timer'), access: PLATFORM_ACCESS['approval-timer'] }] : []),
    ...(gated ? [{ ...platform('approvals-waiting', 'approvals-waiting', 'approvals-waiting'), access: access({ read: ['execution', 'approval'] }) }] : []),
    ...(workflows.some((w) => Object.keys(w.secrets ?? {}).length > 0) ? [platform('secret-rotation-check', 'secret-rotation-check', 'secret-rotation-check')] : []),
    ...(environment?.config.deletionProtection === false ? [platform('empty-access-logs', 'empty-bucket-on-delete', 'empty-access-logs')] : []),
  ];
}

/**
 * What the function's `wardflow:handler` metadata says: its handler folder relative to functions/
 * (`workflows/invoice-approval/pay-invoice`, or `../test/fixtures/...` for a workflow kept elsewhere),
 * which is how the local runtime finds the handler.
 */
export function handlerFolderOf(fn: ExpectedFunction): string {
  return path.relative(DEFAULT_FUNCTIONS_DIRECTORY, path.join(fn.directory, fn.handler)).split(path.sep).join('/');
}

/** The functions built by WorkflowStep (every one but the audit archiver), with the streams each is granted. */
export function stepFunctionsOf(workflows: readonly AnyWorkflow[] = WORKFLOWS): Array<ExpectedFunction & { access: StreamAccess }> {
  return functionsOf(workflows).filter((f): f is ExpectedFunction & { access: StreamAccess } => f.access !== undefined);
}

/**
 * The workflows whose execution and approval streams a function's role is granted
 * (`execution#<workflow>:*`, `approval#<workflow>:*`): its own workflow, or for the approval page
 * every gated workflow of the app, in the app's order (the order the stack serves them in).
 */
export function servedWorkflowsOf(fn: ExpectedFunction, workflows: readonly AnyWorkflow[] = WORKFLOWS): string[] {
  if (fn.workflow !== undefined) return [fn.workflow.name];
  // The approval page and approvals-waiting serve every workflow with a gate.
  if (fn.purpose === 'approval-page' || fn.purpose === 'approvals-waiting') return workflows.filter((w) => Object.keys(w.gates ?? {}).length > 0).map((w) => w.name);
  // The timer serves the workflows whose gates have a policy.
  if (fn.purpose === 'approval-timer') return workflows.filter(hasPolicyGate).map((w) => w.name);
  return [];
}

/** The one function of a workflow with a purpose (its record-start, its record-decision, ...). */
export function platformFunctionOf(workflow: AnyWorkflow, purpose: Exclude<FunctionPurpose, 'step' | 'approval-page' | 'audit-archiver' | 'approvals-waiting' | 'approval-timer'>, key?: string): ExpectedFunction {
  const found = functionsOfWorkflow(workflow).filter((f) => f.purpose === purpose && (key === undefined || f.key === key));
  if (found.length !== 1) throw new Error(`test setup: ${workflow.name} has ${found.length} ${purpose} functions`);
  return found[0]!;
}

// ---- Reading the template by those names ----

/** The function named `name` (metadata `wardflow:function`), with its logical id. */
export function functionOf(template: Template, name: string): [string, TemplateResource] {
  const found = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(([, f]) => f.Metadata?.[FUNCTION_METADATA_KEY] === name);
  if (found.length !== 1) throw new Error(`test: expected one function named ${name}, found ${found.length}`);
  return found[0]!;
}

/** The Environment.Variables of the function named `name`. */
export function variablesOf(template: Template, name: string): Record<string, unknown> {
  return (functionOf(template, name)[1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
}

/** The logical id of the role of the function named `name`. */
export function roleIdOf(template: Template, name: string): string {
  return (functionOf(template, name)[1].Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

/** Every statement of every AWS::IAM::Policy attached to the given role. */
export function statementsOfRole(template: Template, roleId: string): PolicyStatementJson[] {
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement);
}

/** Every statement of the policies attached to the role of the function named `name`. */
export function statementsOf(template: Template, name: string): PolicyStatementJson[] {
  return statementsOfRole(template, roleIdOf(template, name));
}

/** A statement's actions as a list. */
export const actionList = (statement: PolicyStatementJson): string[] => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);

/** A workflow's state machine (`<PascalName>StateMachine<hash>`), with its logical id. */
export function stateMachineOf(template: Template, workflow: AnyWorkflow): [string, TemplateResource] {
  const id = new RegExp(`^${pascal(workflow.name)}StateMachine[0-9A-F]{8}$`);
  const found = Object.entries(resourcesOf(template, 'AWS::StepFunctions::StateMachine')).filter(([logicalId]) => id.test(logicalId));
  if (found.length !== 1) throw new Error(`test: expected one state machine for ${workflow.name}, found ${found.length}`);
  return found[0]!;
}

/**
 * An ARN as CDK renders it in a stack pinned to an environment's account and region (lib/stage.ts):
 * `arn:aws:<service>:<region>:<account>:<rest>`, a plain string, or a Fn::Join where `rest` holds tokens.
 */
export function arnIn(environment: NamedEnvironment | string, service: string, ...rest: unknown[]): unknown {
  const { account, region } = (typeof environment === 'string' ? environmentOf(environment) : environment).config;
  const parts: unknown[] = [];
  for (const part of [`arn:aws:${service}:${region}:${account}:`, ...rest]) {
    const last = parts.length - 1;
    if (typeof part === 'string' && typeof parts[last] === 'string') parts[last] = `${parts[last] as string}${part}`;
    else parts.push(part);
  }
  return parts.length === 1 ? parts[0] : { 'Fn::Join': ['', parts] };
}

/** `arn:<partition>:states:<region>:<account>:execution:<the state machine's name>:*`, as synthesized. */
export const executionsOf = (environment: NamedEnvironment | string, machineId: string) => arnIn(environment, 'states', 'execution:', { 'Fn::GetAtt': [machineId, 'Name'] }, ':*');
