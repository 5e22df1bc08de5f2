import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildWardflowApp } from '../../../app.js';
import type { AnyWorkflow } from '../../../workflows/workflow-definition.js';
import { ENVIRONMENTS_CONTEXT_KEY, STAGES_CONTEXT_KEY } from '../../../config/environments.js';
import { FUNCTION_METADATA_KEY, HANDLER_METADATA_KEY } from '../../../constructs/handler-metadata.js';
import type { StreamMappingSettings } from '../audit-stream/stream-failure-policy.js';

/**
 * The state machines `cdk synth` produces, taken from the synthesized template and made
 * runnable locally: every `Fn::GetAtt <function>.Arn` in a definition becomes a local Lambda
 * ARN named after the handler folder (CloudFormation metadata `wardflow:handler`), so the
 * local runtime executes exactly the States, Retry, Catch and timeouts that AWS would.
 *
 * Synthesized in process with bundling skipped (no esbuild, about 5 s): the definitions do not
 * depend on the bundles, only on the constructs.
 */
export interface LocalStateMachine {
  /** `invoice-approval`: the name without the `wardflow-<env>-` prefix; what the CLI calls a workflow. */
  workflow: string;
  /** The StateMachineName, e.g. `wardflow-local-invoice-approval`. */
  name: string;
  arn: string;
  definition: Record<string, unknown>;
}

/** What the runtime needs of each Lambda function of the template. */
export interface LocalFunction {
  /** Folder under functions/ (`record-start`, `approval-page`); several functions may run one (every workflow has a record-start). */
  handler: string;
  /**
   * The function's name among the environment's functions (CloudFormation metadata `wardflow:function`,
   * `invoice-approval-record-start`), unique; its local ARN ends in `wardflow-<env>-<name>`.
   */
  name: string;
  arn: string;
  timeoutSeconds: number;
  /** The function's environment variables whose values are plain strings in the template. */
  literalEnvironment: Record<string, string>;
  /**
   * The variables whose CloudFormation references the template answers itself locally: a state
   * machine's ARN (`Ref`), alone or joined into a text, which the local runtime gives as AWS does.
   */
  resolvedEnvironment: Record<string, string>;
  /** Names of the other variables whose values are CloudFormation references (tables, keys, URLs): the runtime supplies local ones. */
  referencedEnvironment: string[];
  /** The event source mapping that feeds it a DynamoDB table's stream (the audit archiver), if one does. */
  tableStream?: LocalTableStreamMapping;
}

/** An AWS::Lambda::EventSourceMapping on a DynamoDB table's stream, with AWS's defaults for what it leaves out. */
export interface LocalTableStreamMapping extends StreamMappingSettings {
  /** Logical id of the table whose stream it reads. */
  table: string;
  /** Whether failed records have an OnFailure destination (the dead-letter queue). */
  onFailureDestination: boolean;
}

export interface LocalApplication {
  environmentName: string;
  stateMachines: LocalStateMachine[];
  functions: LocalFunction[];
}

export const LOCAL_ACCOUNT = '000000000000';
const ROOT = new URL('../../../../', import.meta.url).pathname;

type CfnValue = unknown;
type CfnResource = { Type: string; Properties?: Record<string, CfnValue>; Metadata?: Record<string, unknown> };

/**
 * Synthesizes the app for one local environment, built from the settings of `baseEnvironment`
 * in cdk.json (default `dev`), and returns its state machines and functions.
 *
 * @example
 * const app = synthesizeLocalApplication({ environmentName: 'local', region: 'us-east-1' });
 * app.stateMachines[0].definition.StartAt; // 'RecordStart'
 */
export function synthesizeLocalApplication(options: {
  environmentName: string;
  region: string;
  baseEnvironment?: string;
  /** The workflows to run. @default the app's registry (statemachines/index.ts) */
  workflows?: readonly AnyWorkflow[];
  /** Settings of workflows by name, over those of the base environment in cdk.json (a workflow cdk.json does not know yet, in a test). */
  workflowSettings?: Readonly<Record<string, unknown>>;
}): LocalApplication {
  const cdkContext = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
  const environments = cdkContext[ENVIRONMENTS_CONTEXT_KEY] as Record<string, unknown>;
  const base = options.baseEnvironment ?? 'dev';
  if (environments?.[base] === undefined) throw new Error(`cdk.json has no "${base}" environment to run locally`);
  // The local environment runs in the local account and region, whatever account the base environment pins.
  // It is never prod, whatever it is based on: it enforces neither IAM nor Object Lock, so it refuses input
  // marked as real data (record-start, ENVIRONMENT_TIER) like dev does.
  // No Bedrock locally (each step's labelled stand-in answers instead), so no Bedrock guardrail either: none is
  // synthesized, and no step gets GUARDRAIL_ID or GUARDRAIL_VERSION (functions/shared/models/guardrail.ts then
  // answers that there is none, and wardflow's own injection guard is the only layer).
  const baseSettings = { ...(environments[base] as { workflows?: Record<string, unknown> }), account: LOCAL_ACCOUNT, region: options.region, tier: 'dev', guardrail: false };
  const local = options.workflowSettings === undefined ? baseSettings : { ...baseSettings, workflows: { ...baseSettings.workflows, ...options.workflowSettings } };
  const { app } = buildWardflowApp({
    ...(options.workflows === undefined ? {} : { workflows: options.workflows }),
    context: {
      ...cdkContext,
      [ENVIRONMENTS_CONTEXT_KEY]: { [options.environmentName]: local },
      [STAGES_CONTEXT_KEY]: options.environmentName,
      'aws:cdk:bundling-stacks': [],
      'aws:cdk:disable-stack-trace': true,
    },
  });
  const assembly = app.synth();
  const stack = assembly.stacksRecursively.find((s) => s.stackName === `wardflow-${options.environmentName}`);
  if (stack === undefined) throw new Error(`synthesis produced no stack wardflow-${options.environmentName}`);
  return fromTemplate(stack.template as { Resources: Record<string, CfnResource> }, options.environmentName, options.region);
}

/** Reads state machines and functions out of a CloudFormation template (exported for tests). */
export function fromTemplate(template: { Resources: Record<string, CfnResource> }, environmentName: string, region: string): LocalApplication {
  const stateMachineArns = new Map<string, string>();
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const name = resource.Properties?.StateMachineName;
    if (resource.Type === 'AWS::StepFunctions::StateMachine' && typeof name === 'string') stateMachineArns.set(logicalId, stateMachineArnOf(region, name));
  }
  const functionArns = new Map<string, string>();
  const functions: LocalFunction[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const handler = resource.Metadata?.[HANDLER_METADATA_KEY];
    // Functions CDK adds itself (log retention, custom resources) have no wardflow handler and are not run locally.
    if (typeof handler !== 'string') continue;
    const named = resource.Metadata?.[FUNCTION_METADATA_KEY];
    const name = typeof named === 'string' ? named : handler;
    if (functions.some((fn) => fn.name === name)) throw new Error(`two functions are named ${name}; the local runtime names functions, and their ARNs, by their ${FUNCTION_METADATA_KEY} metadata`);
    const arn = `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:wardflow-${environmentName}-${name}`;
    functionArns.set(logicalId, arn);
    const variables = ((resource.Properties?.Environment as { Variables?: Record<string, CfnValue> } | undefined)?.Variables ?? {}) as Record<string, CfnValue>;
    const literalEnvironment: Record<string, string> = {};
    const resolvedEnvironment: Record<string, string> = {};
    const referencedEnvironment: string[] = [];
    for (const [variable, value] of Object.entries(variables)) {
      if (typeof value === 'string') {
        literalEnvironment[variable] = value;
        continue;
      }
      const resolved = resolveLocally(value, stateMachineArns);
      if (resolved !== undefined) resolvedEnvironment[variable] = resolved;
      else referencedEnvironment.push(variable);
    }
    const timeout = resource.Properties?.Timeout;
    functions.push({ handler, name, arn, timeoutSeconds: typeof timeout === 'number' ? timeout : 3, literalEnvironment, resolvedEnvironment, referencedEnvironment });
  }
  attachTableStreams(template, functionArns, functions);

  const stateMachines: LocalStateMachine[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const name = resource.Properties?.StateMachineName;
    if (typeof name !== 'string') throw new Error(`state machine ${logicalId} has no fixed StateMachineName; the local runtime names workflows by it`);
    const text = resolveDefinition(resource.Properties?.DefinitionString, functionArns, pseudoParameters(region), logicalId);
    const prefix = `wardflow-${environmentName}-`;
    stateMachines.push({
      workflow: name.startsWith(prefix) ? name.slice(prefix.length) : name,
      name,
      arn: stateMachineArnOf(region, name),
      definition: JSON.parse(text) as Record<string, unknown>,
    });
  }
  return { environmentName, stateMachines, functions };
}

/**
 * Gives each function its event source mapping on a DynamoDB table's stream, with the settings
 * that decide what a failure does. Settings must be literal in the template (CDK writes them so);
 * one left out takes AWS's default: BatchSize 100, MaximumRetryAttempts -1 (no limit), no bisect,
 * no ReportBatchItemFailures.
 */
function attachTableStreams(template: { Resources: Record<string, CfnResource> }, functionArns: Map<string, string>, functions: LocalFunction[]): void {
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
    const properties = resource.Properties ?? {};
    const source = (properties.EventSourceArn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
    if (source?.[1] !== 'StreamArn' || template.Resources[source[0]]?.Type !== 'AWS::DynamoDB::Table') continue;
    const target = functionLogicalId(properties.FunctionName);
    const fn = functions.find((f) => target !== undefined && f.arn === functionArns.get(target));
    if (fn === undefined) {
      throw new Error(`event source mapping ${logicalId} feeds ${JSON.stringify(properties.FunctionName)}, which is not a wardflow function; the local runtime cannot run it`);
    }
    if (fn.tableStream !== undefined) throw new Error(`function ${fn.name} has two table stream mappings; the local runtime feeds it one`);
    const literal = <T>(name: string, check: (value: unknown) => boolean, fallback: T): T => {
      const value = properties[name];
      if (value === undefined) return fallback;
      if (!check(value)) throw new Error(`event source mapping ${logicalId}: ${name} is not a literal the local runtime can read (${JSON.stringify(value)})`);
      return value as T;
    };
    const responseTypes = literal<unknown[]>('FunctionResponseTypes', Array.isArray, []);
    fn.tableStream = {
      table: source[0],
      batchSize: literal('BatchSize', (v) => Number.isInteger(v) && (v as number) >= 1, 100),
      maximumRetryAttempts: literal('MaximumRetryAttempts', (v) => Number.isInteger(v) && (v as number) >= -1, -1),
      bisectBatchOnFunctionError: literal('BisectBatchOnFunctionError', (v) => typeof v === 'boolean', false),
      reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
      onFailureDestination: (properties.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination !== undefined,
    };
  }
}

/** FunctionName as CDK writes it: `Ref` to the function or its `Fn::GetAtt` Arn. */
function functionLogicalId(value: CfnValue): string | undefined {
  const reference = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown[] } | undefined;
  if (typeof reference?.Ref === 'string') return reference.Ref;
  const attribute = reference?.['Fn::GetAtt'];
  return Array.isArray(attribute) && typeof attribute[0] === 'string' ? attribute[0] : undefined;
}

function stateMachineArnOf(region: string, name: string): string {
  return `arn:aws:states:${region}:${LOCAL_ACCOUNT}:stateMachine:${name}`;
}

/**
 * A reference the template answers locally: `Ref` to a state machine (its ARN), or `Fn::Join`
 * of strings and such references (a JSON map of workflows to state machines); undefined for
 * anything else, which the runtime supplies (handler-environment.ts) or refuses.
 */
function resolveLocally(value: CfnValue, stateMachineArns: ReadonlyMap<string, string>): string | undefined {
  if (typeof value === 'string') return value;
  const ref = (value as { Ref?: unknown } | undefined)?.Ref;
  if (typeof ref === 'string') return stateMachineArns.get(ref);
  const join = (value as { 'Fn::Join'?: unknown } | undefined)?.['Fn::Join'];
  if (!Array.isArray(join) || typeof join[0] !== 'string' || !Array.isArray(join[1])) return undefined;
  const parts = (join[1] as CfnValue[]).map((part) => resolveLocally(part, stateMachineArns));
  return parts.every((part) => part !== undefined) ? parts.join(join[0]) : undefined;
}

/** CloudFormation's pseudo parameters as the local runtime answers them. */
function pseudoParameters(region: string): Record<string, string> {
  return { 'AWS::Partition': 'aws', 'AWS::Region': region, 'AWS::AccountId': LOCAL_ACCOUNT, 'AWS::URLSuffix': 'amazonaws.com' };
}

/** DefinitionString is a string or `Fn::Join` of strings and function ARNs; anything else cannot run locally. */
function resolveDefinition(value: CfnValue, functionArns: Map<string, string>, pseudo: Record<string, string>, owner: string): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, CfnValue[]] } | undefined)?.['Fn::Join'];
  if (join === undefined) throw new Error(`state machine ${owner}: DefinitionString is neither a string nor Fn::Join`);
  const [separator, parts] = join;
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref;
      if (ref !== undefined && pseudo[ref] !== undefined) return pseudo[ref];
      const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      const arn = getAtt?.[1] === 'Arn' ? functionArns.get(getAtt[0]) : undefined;
      if (arn === undefined) {
        throw new Error(`state machine ${owner} references ${JSON.stringify(part)}, which is neither a wardflow function's ARN nor a pseudo parameter; the local runtime cannot run it`);
      }
      return arn;
    })
    .join(separator);
}
