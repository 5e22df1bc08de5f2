import { Duration, Lazy, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CACHE_SECONDS_BOUNDS } from '../../functions/shared/config.js';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import { workflowStreamPattern } from '../../functions/shared/events/execution-id.js';
import { PLATFORM_STREAM_KINDS, streamOf } from '../../functions/shared/events/stream-kinds.js';
import { buildHandlerFunction, DEFAULT_FUNCTIONS_DIRECTORY, type LogLevel, RUNTIME_VARIABLES } from './handler-function.js';

export { DEFAULT_FUNCTIONS_DIRECTORY };

/** Variables every step gets from this construct; a step's extras may not replace them. */
const BASE_VARIABLES = [
  'WARDFLOW_ENV',
  'EVENTS_TABLE',
  'DATA_KEY_ID',
  'SECRETS_CACHE_SECONDS',
  'DATA_KEY_CACHE_SECONDS',
  ...RUNTIME_VARIABLES,
] as const;

/**
 * A kind of event stream: `execution` (`execution#<id>`), `approval`, or one a workflow declares
 * (`vendor`, see functions/shared/events/stream-kinds.ts).
 */
export type StreamKind = string;

/**
 * A pattern no stream id matches (stream ids have no `/`, functions/shared/events/event-validation.ts
 * STREAM_PATTERN): the platform kinds of a function that serves no workflow yet (the approval page of
 * an app without gates), so its grant on them matches nothing rather than every workflow's streams.
 */
const NO_WORKFLOW = '/no-workflow';

/**
 * The patterns of the streams of these kinds, in a fixed order (the platform's first, then by name,
 * each platform kind per workflow in the order served), without repeats, so statements do not
 * depend on how a caller lists them. The platform's kinds are per workflow: an execution id is
 * `<workflow>:<name>` (functions/shared/events/execution-id.ts), so `execution#<workflow>:*` is that
 * workflow's executions only; a workflow's own kinds (`vendor#*`) are its entities, named by it.
 */
function patternsOf(kinds: readonly StreamKind[], workflows: readonly string[]): string[] {
  const unique = [...new Set(kinds)];
  const platform = PLATFORM_STREAM_KINDS.filter((kind) => unique.includes(kind));
  const others = unique.filter((kind) => !(PLATFORM_STREAM_KINDS as readonly string[]).includes(kind)).sort();
  const served = [...new Set(workflows)];
  return [
    ...platform.flatMap((kind) => (served.length === 0 ? [streamOf(kind, NO_WORKFLOW)] : served.map((workflow) => workflowStreamPattern(kind, workflow)))),
    ...others.map((kind) => streamOf(kind, '*')),
  ];
}

/**
 * The encryption context the sealer (functions/shared/crypto/envelope-sealer.ts) binds to every
 * sealed field and that therefore reaches KMS on GenerateDataKey and Decrypt:
 * `{ 'wardflow:stream': 'execution#<id>' | 'approval#<id>', 'wardflow:version': '<n>' }`.
 * Its committing suite signs nothing, so the Encryption SDK adds no `aws-crypto-public-key`.
 * The sealing key grants are bound to exactly this shape and to the stream kinds the step
 * declares, so a step role cannot use the key as a general-purpose encryption service
 * (no context, other keys, other streams, or opening what it only ever seals).
 */
const SEALING_CONTEXT_KEYS = ['wardflow:stream', 'wardflow:version'] as const;

/**
 * Conditions of a sealing-key statement (a fresh object per statement). All must hold:
 * - ForAllValues:StringEquals: every context key is one of ours (no extra key slips in);
 * - Null false: a context is present, with a version (ForAllValues alone is true for none);
 * - StringLike: the stream is of one of the given kinds.
 */
function sealingContextConditions(patterns: string[]): Record<string, Record<string, string | string[]>> {
  return {
    'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [...SEALING_CONTEXT_KEYS] },
    Null: { 'kms:EncryptionContextKeys': 'false', 'kms:EncryptionContext:wardflow:version': 'false' },
    StringLike: { 'kms:EncryptionContext:wardflow:stream': patterns },
  };
}

/**
 * Conditions of an event-store statement: every partition key (`stream`) the request touches is
 * a stream of the given kinds. Null false because ForAllValues alone is true for a request with no key.
 */
function leadingKeyConditions(patterns: string[]): Record<string, Record<string, string | string[]>> {
  return {
    'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns },
    Null: { 'dynamodb:LeadingKeys': 'false' },
  };
}

/** Which sealed fields a step writes and reads, by stream kind. */
export interface StepSealing {
  /**
   * Kinds of stream whose events this step appends with a `sensitive` part (kms:GenerateDataKey).
   * @default - none
   */
  readonly seal?: readonly StreamKind[];
  /**
   * Kinds of stream whose sealed parts this step opens (kms:Decrypt; the Encryption SDK decrypts only to open).
   * @default - none
   */
  readonly open?: readonly StreamKind[];
}

/** Which event streams a step touches, beyond its own execution stream (always both appended and read). */
export interface StepEvents {
  /**
   * Extra kinds of stream the step appends to (PutItem). An append reads the stream head first,
   * so these are readable too.
   * @default - execution only
   */
  readonly append?: readonly StreamKind[];
  /**
   * Extra kinds of stream the step reads (Query).
   * @default - execution only
   */
  readonly read?: readonly StreamKind[];
}

export interface WorkflowStepProps {
  /** Folder under the functions directory, e.g. `record-start` or `workflows/invoice-approval/extract-invoice`; the entry is `<name>/handler.ts`. */
  readonly name: string;
  /**
   * The function's own name in this environment, unique among its functions (`invoice-approval-record-start`):
   * the local runtime names the function by it, and descriptions and roles say it.
   * @default - the last part of `name`
   */
  readonly functionName?: string;
  /** Environment name (`dev`, `prod`), passed as WARDFLOW_ENV. */
  readonly environmentName: string;
  /**
   * The workflow whose execution and approval streams (`execution#<workflow>:*`, `approval#<workflow>:*`)
   * this function may touch; a function serving several (the approval page) adds each with serveWorkflow.
   * @default - none until serveWorkflow: its grants on execution and approval streams match no stream
   */
  readonly workflow?: string;
  /** The events table: the step may Query and PutItem on it, only on the streams `events` names. */
  readonly table: dynamodb.ITable;
  /**
   * The streams the step appends to and reads, enforced with dynamodb:LeadingKeys. Every step
   * appends to and reads its execution stream (the audit middleware records each invocation there).
   * @default - its execution stream only
   */
  readonly events?: StepEvents;
  /** Key of the events table: Encrypt/Decrypt/GenerateDataKey only through DynamoDB (kms:ViaService). */
  readonly tableKey: kms.IKey;
  /**
   * Key that wraps the data keys of sealed event fields, passed to the step as DATA_KEY_ID by ARN
   * (so no kms:DescribeKey is needed). The step may use it only as `sealing` declares, and only with
   * the sealer's encryption context (wardflow:stream of a declared kind, wardflow:version).
   */
  readonly sealingKey: kms.IKey;
  /**
   * Which stream kinds the step seals fields into (GenerateDataKey) and opens fields of (Decrypt).
   * @default - none: the step may neither seal nor open
   */
  readonly sealing?: StepSealing;
  /** Key of the step's own log group. */
  readonly logsKey: kms.IKey;
  /** Retention of the step's log group. */
  readonly logRetention: logs.RetentionDays;
  /** SECRETS_CACHE_SECONDS: how long a fetched secret lives in memory. */
  readonly secretsCacheSeconds: number;
  /** DATA_KEY_CACHE_SECONDS: how long a data key is reused. */
  readonly dataKeyCacheSeconds: number;
  /**
   * LOG_LEVEL of the step.
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * Step-specific variables (upper-case names). They may not replace the base variables.
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * Directory holding the step folders. Tests point it at fixtures.
   * @default DEFAULT_FUNCTIONS_DIRECTORY (functions/ at the repository root)
   */
  readonly functionsDirectory?: string;
  /**
   * Function timeout.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Memory in MB.
   * @default 512
   */
  readonly memorySize?: number;
  /** For a function invoked asynchronously: where its failed invocations go (see HandlerFunctionProps.asynchronousFailures). @default - invoked synchronously */
  readonly asynchronousFailures?: string;
  /**
   * Removal policy of the log group.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * What every function of an environment shares (table, keys, logs, caches, functions directory):
 * WorkflowStepProps less what each function decides for itself.
 */
export type SharedStepProps = Omit<WorkflowStepProps, 'name' | 'events' | 'sealing' | 'environment' | 'timeout' | 'workflow'>;

/**
 * One Lambda step of a workflow: a NodejsFunction bundled from functions/<name>/handler.ts with
 * its own role and its own KMS-encrypted log group. The role starts with only what every step
 * needs (write its logs, append to and read its workflow's execution streams) plus what it declares in
 * `events` and `sealing`; anything more is granted by the caller on `role`, one named action at a time.
 *
 * @example
 * const step = new WorkflowStep(this, 'ExtractInvoice', {
 *   name: 'extract-invoice', environmentName: 'dev', sealing: { seal: ['execution'] }, ...shared,
 * });
 * step.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: [modelArn] }));
 */
export class WorkflowStep extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The workflows whose execution and approval streams it may touch; read when the template is made. */
  readonly #workflows: string[] = [];

  constructor(scope: Construct, id: string, props: WorkflowStepProps) {
    super(scope, id);
    validate(props);
    if (props.workflow !== undefined) this.#workflows.push(props.workflow);
    // Resolved at synthesis, so workflows added with serveWorkflow after construction are in every statement.
    const patterns = (kinds: readonly StreamKind[]) => Lazy.list({ produce: () => patternsOf(kinds, this.#workflows) });
    const statements: iam.PolicyStatement[] = [];
    // Appends and reads are split so a step that only reads a kind of stream cannot write to it.
    // No ConditionCheckItem: the store appends with a conditional PutItem (or TransactWriteItems of Puts).
    const appended: StreamKind[] = ['execution', ...(props.events?.append ?? [])];
    statements.push(
      new iam.PolicyStatement({
        sid: 'AppendEvents',
        actions: ['dynamodb:PutItem'],
        resources: [props.table.tableArn],
        conditions: leadingKeyConditions(patterns(appended)),
      }),
      new iam.PolicyStatement({
        sid: 'ReadEvents',
        actions: ['dynamodb:Query'],
        resources: [props.table.tableArn],
        // An append reads the stream head first (expected-version check), so appended kinds are readable.
        conditions: leadingKeyConditions(patterns([...appended, ...(props.events?.read ?? [])])),
      }),
      new iam.PolicyStatement({
        sid: 'UseTableKeyThroughDynamoDB',
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [props.tableKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    // Sealing calls GenerateDataKey only; opening calls Decrypt only. A step gets neither unless it declares it.
    const seal = props.sealing?.seal ?? [];
    if (seal.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'SealEventFields',
          actions: ['kms:GenerateDataKey'],
          resources: [props.sealingKey.keyArn],
          conditions: sealingContextConditions(patterns(seal)),
        }),
      );
    }
    const open = props.sealing?.open ?? [];
    if (open.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'OpenSealedFields',
          actions: ['kms:Decrypt'],
          resources: [props.sealingKey.keyArn],
          conditions: sealingContextConditions(patterns(open)),
        }),
      );
    }

    const built = buildHandlerFunction(this, {
      name: props.name,
      ...(props.functionName === undefined ? {} : { functionName: props.functionName }),
      environmentName: props.environmentName,
      roleDescription: `wardflow ${props.environmentName} step ${props.functionName ?? props.name}: only the actions this step declares`,
      statements,
      environment: {
        ...props.environment,
        WARDFLOW_ENV: props.environmentName,
        EVENTS_TABLE: props.table.tableName,
        DATA_KEY_ID: props.sealingKey.keyArn,
        SECRETS_CACHE_SECONDS: String(props.secretsCacheSeconds),
        DATA_KEY_CACHE_SECONDS: String(props.dataKeyCacheSeconds),
      },
      logsKey: props.logsKey,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      logLevel: props.logLevel,
      functionsDirectory: props.functionsDirectory,
      timeout: props.timeout ?? Duration.seconds(30),
      memorySize: props.memorySize ?? 512,
      ...(props.asynchronousFailures === undefined ? {} : { asynchronousFailures: props.asynchronousFailures }),
    });
    this.fn = built.fn;
    this.role = built.role;
    this.logGroup = built.logGroup;
  }

  /**
   * Lets the function touch the execution and approval streams of one more workflow's executions,
   * in every grant it has on those kinds (the approval page, which decides for every gated workflow).
   *
   * @example
   * page.serveWorkflow('invoice-approval');
   */
  serveWorkflow(workflow: string): void {
    if (!/^[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*$/.test(workflow)) throw new ConfigurationInvalid(`WorkflowStep ${this.node.path}: workflow "${workflow}" is not a kebab-case workflow name`);
    if (!this.#workflows.includes(workflow)) this.#workflows.push(workflow);
  }
}

function validate(props: WorkflowStepProps): void {
  if (props.workflow !== undefined && !/^[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*$/.test(props.workflow)) {
    throw new ConfigurationInvalid(`WorkflowStep ${props.name}: workflow "${props.workflow}" is not a kebab-case workflow name`);
  }
  if (!/^[a-z0-9][a-z0-9-]*(?:\/[a-z0-9][a-z0-9-]*)*$/.test(props.name) || props.name.length > 200) {
    throw new ConfigurationInvalid('WorkflowStep.name must be a folder under functions/ of lower-case letters, digits and dashes (e.g. workflows/expense-claim/read-claim)');
  }
  for (const key of Object.keys(props.environment ?? {})) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(key)) {
      throw new ConfigurationInvalid(`WorkflowStep ${props.name}: environment variable ${key} must be UPPER_SNAKE_CASE`);
    }
    if ((BASE_VARIABLES as readonly string[]).includes(key)) {
      throw new ConfigurationInvalid(
        `WorkflowStep ${props.name}: environment variable ${key} is set by WorkflowStep itself; remove it from the step's extras`,
      );
    }
  }
  for (const [field, value, min, max] of [
    ['secretsCacheSeconds', props.secretsCacheSeconds, CACHE_SECONDS_BOUNDS.secrets.min, CACHE_SECONDS_BOUNDS.secrets.max],
    ['dataKeyCacheSeconds', props.dataKeyCacheSeconds, CACHE_SECONDS_BOUNDS.dataKey.min, CACHE_SECONDS_BOUNDS.dataKey.max],
    ['memorySize', props.memorySize ?? 512, 128, 10_240],
  ] as const) {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigurationInvalid(`WorkflowStep ${props.name}: ${field} must be a whole number from ${min} to ${max}`);
    }
  }
}
