import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { Template } from 'aws-cdk-lib/assertions';
import { type WardflowApp, buildWardflowApp } from '../../../lib/app.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repositoryRoot = path.resolve(here, '..', '..', '..');

/** Stand-in handlers: template tests skip bundling, so only the entry files' existence matters. */
export const FIXTURE_FUNCTIONS = path.join(here, 'fixtures', 'functions');
/** The context of cdk.json: the same environments and feature flags `cdk synth` uses. */
export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(readFileSync(path.join(repositoryRoot, 'cdk.json'), 'utf8')).context;

/**
 * Builds the app exactly as bin/app.ts does, from cdk.json's context, with bundling skipped
 * (`aws:cdk:bundling-stacks: []`) so no esbuild runs and handlers need not exist yet.
 */
export function synthWardflow(extraContext: Record<string, unknown> = {}, outdir?: string): WardflowApp {
  return buildWardflowApp({
    ...(outdir === undefined ? {} : { outdir }),
    functionsDirectory: FIXTURE_FUNCTIONS,
    // Stack traces on construct metadata cost seconds per synth and tests never read them.
    context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-stack-trace': true, ...extraContext },
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
export type TemplateResource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, unknown> };
type Resources = Record<string, TemplateResource>;

/** Every resource of a type, by logical id. */
export const resourcesOf = (template: Template, type: string): Resources => template.findResources(type) as Resources;

/** The steps of the invoice workflow, by folder name. */
export const STEP_NAMES = [
  'record-start',
  'extract-invoice',
  'check-grounding',
  'apply-policy',
  'request-approval',
  'record-decision',
  'pay-invoice',
  'record-outcome',
] as const;

/** The approval site's function: not a state machine step, but built like one (WorkflowStep). */
export const APPROVAL_PAGE = 'approval-page';

/** The recorder of execution endings: invoked by an EventBridge rule, not a state machine step, but built like one (WorkflowStep). */
export const EXECUTION_END_RECORDER = 'record-execution-end';

/** The functions built by WorkflowStep (the steps, the approval page and the execution-end recorder), by folder name under functions/. */
export const FUNCTION_NAMES = [...STEP_NAMES, APPROVAL_PAGE, EXECUTION_END_RECORDER] as const;

/** The audit archiver: on the events table's stream, built by AuditArchiver, not a step. */
export const AUDIT_ARCHIVER = 'audit-archiver';

/** Every Lambda function of the stack, by folder name under functions/. */
export const ALL_FUNCTION_NAMES = [...FUNCTION_NAMES, AUDIT_ARCHIVER] as const;

/** The logical id of the role of the step whose function description ends in `: <step>`. */
export function roleIdOfStep(template: Template, step: string): string {
  const fns = Object.values(template.findResources('AWS::Lambda::Function') as Resources).filter((f) =>
    String(f.Properties.Description).endsWith(`: ${step}`),
  );
  if (fns.length !== 1) throw new Error(`test setup: expected one function for ${step}, found ${fns.length}`);
  return (fns[0]!.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
}

/** Every statement of every AWS::IAM::Policy attached to the given role. */
export function statementsOfRole(template: Template, roleId: string): PolicyStatementJson[] {
  return Object.values(template.findResources('AWS::IAM::Policy') as Resources)
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement);
}

/** Every statement of the policies attached to one step's role. */
export function statementsOfStep(template: Template, step: string): PolicyStatementJson[] {
  return statementsOfRole(template, roleIdOfStep(template, step));
}

/** A statement's actions as a list. */
export const actionList = (statement: PolicyStatementJson): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];
