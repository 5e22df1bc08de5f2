import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import { metricsNamespace } from '../../functions/shared/metrics/metric-names.js';
import { FUNCTION_METADATA_KEY, HANDLER_METADATA_KEY } from './handler-metadata.js';

/** The repository root: lib/constructs/ is two levels down. */
const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where handler folders live by default: functions/<name>/handler.ts. */
export const DEFAULT_FUNCTIONS_DIRECTORY = path.join(REPOSITORY_ROOT, 'functions');

/** Variables every handler function gets from buildHandlerFunction; a caller's environment may not set them. */
export const RUNTIME_VARIABLES = ['LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'NODE_OPTIONS'] as const;

/** Levels the handlers' logger accepts. */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

// Our sources are ESM (NodeNext). The bundle is ESM too, so top-level await and import.meta work;
// the banner gives CommonJS dependencies that call require() (e.g. @aws-crypto) a working require.
const ESM_REQUIRE_BANNER =
  "import { createRequire as __wardflowCreateRequire } from 'node:module'; const require = __wardflowCreateRequire(import.meta.url);";

/** esbuild settings shared by index.mjs and the packages bundled beside it. */
const TARGET = 'node22';
const MAIN_FIELDS = ['module', 'main'];

/**
 * Packages the handlers load only with import() at first use: the Encryption SDK, at the first
 * seal or open (functions/shared/crypto/envelope-sealer.ts). Without code splitting, which needs
 * several output files where NodejsFunction makes one, esbuild inlines a dynamic import into
 * index.mjs, and V8 parses all of index.mjs when the handler loads, run or not: the SDK's 700 KB
 * cost about 60 ms of every cold start, also in steps that never seal. So each stays out of
 * index.mjs (externalModules) and is bundled alone, with the same settings, into the asset's
 * node_modules/<package>/, where the handler's import() finds it. Tests and the local runtime run
 * the sources, where the import() finds the package in the repository's node_modules.
 */
export const LOADED_AT_FIRST_USE: readonly string[] = ['@aws-crypto/client-node'];

/**
 * The shell commands that bundle `packageName` into `<outputDir>/node_modules/<packageName>/`
 * (index.mjs with its source map, and a package.json naming it), with index.mjs's settings.
 */
function bundlePackageBeside(packageName: string, outputDir: string): string[] {
  const folder = path.posix.join(outputDir, 'node_modules', packageName);
  const esbuild = [
    // How CDK itself runs the project's esbuild when bundling locally.
    'npx --no-install esbuild',
    '--bundle',
    packageName,
    '--platform=node',
    '--format=esm',
    `--target=${TARGET}`,
    '--minify',
    '--sourcemap',
    '--sources-content=false',
    `--main-fields=${MAIN_FIELDS.join(',')}`,
    `--banner:js=${ESM_REQUIRE_BANNER}`,
    '--log-level=warning',
    `--outfile=${path.posix.join(folder, 'index.mjs')}`,
  ];
  const manifest = JSON.stringify({ name: packageName, private: true, exports: './index.mjs' });
  return [
    [esbuild[0], ...esbuild.slice(1).map(shellQuote)].join(' '),
    `printf '%s' ${shellQuote(manifest)} > ${shellQuote(path.posix.join(folder, 'package.json'))}`,
  ];
}

/** One argument for the POSIX shell CDK runs the command hooks in. */
const shellQuote = (argument: string): string => `'${argument.replaceAll("'", "'\\''")}'`;

/**
 * How every handler is bundled (CDK runs esbuild with these, then the after-bundling commands).
 * Exported so `npm run bench:bundles` builds the bundles with exactly these settings instead of a
 * copy of them.
 *
 * @example
 * new NodejsFunction(scope, 'Function', { entry, bundling: HANDLER_BUNDLING });
 */
export const HANDLER_BUNDLING: Readonly<BundlingOptions> = {
  format: OutputFormat.ESM,
  target: TARGET,
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: MAIN_FIELDS,
  banner: ESM_REQUIRE_BANNER,
  // Bundle the AWS SDK too: the deployed code runs the SDK versions the tests ran, not the runtime's.
  // Only what loads at first use is left out, and bundled beside index.mjs by afterBundling.
  externalModules: [...LOADED_AT_FIRST_USE],
  commandHooks: {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) => LOADED_AT_FIRST_USE.flatMap((name) => bundlePackageBeside(name, outputDir)),
  },
};

/** Node options of every handler function; the bundle benchmark loads bundles with them too. */
export const HANDLER_NODE_OPTIONS = '--enable-source-maps';

/** Why every traced function's role allows two actions on "*" (the cdk-nag IAM5 acknowledgement repeats it). */
const XRAY_WILDCARD_REASON =
  'xray:PutTraceSegments and xray:PutTelemetryRecords (added by tracing ACTIVE) support no resource-level permissions, so they need "*".';

export interface HandlerFunctionProps {
  /** Folder under the functions directory, e.g. `record-start` or `workflows/invoice-approval/pay-invoice`; the entry is `<name>/handler.ts`. */
  readonly name: string;
  /**
   * The function's name among the environment's functions (metadata FUNCTION_METADATA_KEY), unique:
   * two workflows each have a `record-start` function from one handler folder.
   * @default - the last part of `name`
   */
  readonly functionName?: string;
  /** Environment name (`dev`, `prod`), used in descriptions. */
  readonly environmentName: string;
  /** What the role is for, for a reader of the IAM console. */
  readonly roleDescription: string;
  /**
   * The role's statements besides writing its own logs, added before the function exists so the
   * function is created only once its policy allows what it does.
   */
  readonly statements: readonly iam.PolicyStatement[];
  /**
   * The function's own variables (upper-case names, none of RUNTIME_VARIABLES).
   */
  readonly environment: Readonly<Record<string, string>>;
  /** Key of the function's own log group. */
  readonly logsKey: kms.IKey;
  /** Retention of the function's log group. */
  readonly logRetention: logs.RetentionDays;
  /**
   * Removal policy of the log group.
   * @default RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE (kept, except when the create that made it rolls back)
   */
  readonly logRemovalPolicy?: RemovalPolicy;
  /**
   * LOG_LEVEL of the function.
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * Directory holding the handler folders. Tests point it at fixtures.
   * @default DEFAULT_FUNCTIONS_DIRECTORY (functions/ at the repository root)
   */
  readonly functionsDirectory?: string;
  /** Function timeout. */
  readonly timeout: Duration;
  /** Memory in MB (128 to 10,240). */
  readonly memorySize: number;
  /**
   * Why the role also needs Resource "*" for actions other than X-Ray's, if it does. It joins the
   * X-Ray reason in the role's one cdk-nag IAM5[Resource::*] acknowledgement.
   * @default - X-Ray only
   */
  readonly extraWildcardReason?: string;
  /**
   * How failed asynchronous invocations are kept, for a function invoked asynchronously (by EventBridge,
   * a schedule): its on-failure destination or its caller's dead-letter queue. It is the reason the
   * function has no Lambda dead-letter queue of its own (cdk-nag LambdaDLQ).
   * @default - the function is invoked synchronously (a Step Functions task, API Gateway, a stream's event source mapping)
   */
  readonly asynchronousFailures?: string;
}

/** What buildHandlerFunction creates. */
export interface HandlerFunction {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
}

/**
 * One wardflow Lambda function in `scope`, as every handler is built: a Node 22 arm64 NodejsFunction
 * bundled as ESM with source maps from functions/<name>/handler.ts, traced, with its own
 * KMS-encrypted log group (`Logs`) and its own role (`Role`) that may write to that log group and
 * do what `statements` say, nothing managed. The CloudFormation metadata HANDLER_METADATA_KEY names
 * the folder, so the local runtime finds the handler to run.
 *
 * The ids `Logs`, `Role` and `Function` are created directly in `scope`, so the logical ids of
 * existing functions do not change when a construct starts using this builder.
 *
 * @example
 * const { fn, role } = buildHandlerFunction(this, {
 *   name: 'audit-archiver', environmentName: 'dev', roleDescription: 'wardflow dev audit archiver',
 *   statements: [putArchiveObjects], environment: { AUDIT_BUCKET: bucket.bucketName },
 *   logsKey, logRetention: logs.RetentionDays.TWO_WEEKS, timeout: Duration.seconds(60), memorySize: 512,
 * });
 */
export function buildHandlerFunction(scope: Construct, props: HandlerFunctionProps): HandlerFunction {
  validate(props);
  const entry = path.join(props.functionsDirectory ?? DEFAULT_FUNCTIONS_DIRECTORY, props.name, 'handler.ts');
  if (!existsSync(entry)) {
    throw new ConfigurationInvalid(
      `function ${props.name} has no handler at functions/${props.name}/handler.ts; create it (exporting "handler") or remove the function`,
    );
  }

  const logGroup = new logs.LogGroup(scope, 'Logs', {
    encryptionKey: props.logsKey,
    retention: props.logRetention,
    removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
  });

  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.roleDescription,
  });
  // No AWSLambdaBasicExecutionRole: it allows writing to every log group of the account.
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  for (const statement of props.statements) role.addToPrincipalPolicy(statement);

  const fn = new NodejsFunction(scope, 'Function', {
    entry,
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    tracing: lambda.Tracing.ACTIVE,
    role,
    logGroup,
    timeout: props.timeout,
    memorySize: props.memorySize,
    description: `wardflow ${props.environmentName}: ${functionNameOf(props)}`,
    environment: {
      ...props.environment,
      LOG_LEVEL: props.logLevel ?? 'INFO',
      POWERTOOLS_SERVICE_NAME: 'wardflow',
      // Metrics (EMF lines in the function's own log group) are emitted only where this is set
      // (functions/shared/metrics/emit.ts): on Lambda, never in tests; the local runtime disables them.
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(props.environmentName),
      // Stack traces point at the TypeScript sources through the bundled source map.
      NODE_OPTIONS: HANDLER_NODE_OPTIONS,
    },
    bundling: HANDLER_BUNDLING,
  });

  // The local runtime maps the template's function to functions/<name>/handler.ts by this metadata, and names it by the other.
  // A folder outside functions/ (a workflow kept in its own directory) is recorded relative to functions/ (`../...`).
  const folder = path.relative(DEFAULT_FUNCTIONS_DIRECTORY, path.join(props.functionsDirectory ?? DEFAULT_FUNCTIONS_DIRECTORY, props.name)).split(path.sep).join('/');
  (fn.node.defaultChild as lambda.CfnFunction).addMetadata(HANDLER_METADATA_KEY, folder);
  (fn.node.defaultChild as lambda.CfnFunction).addMetadata(FUNCTION_METADATA_KEY, functionNameOf(props));

  // X-Ray (tracing ACTIVE) adds xray:PutTraceSegments and xray:PutTelemetryRecords on "*".
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason: props.extraWildcardReason === undefined ? XRAY_WILDCARD_REASON : `${XRAY_WILDCARD_REASON} ${props.extraWildcardReason}`,
  });
  // Node 22 is pinned: it is the runtime of the local runtime and of every test (package.json "node").
  const pinnedRuntime = 'nodejs22.x is pinned on purpose to match the Node 22 that runs the local runtime and all tests; upgrade both together.';
  Validations.of(fn).acknowledge({ id: 'AwsSolutions-L1', reason: pinnedRuntime });
  Validations.of(fn).acknowledge({ id: 'Serverless-LambdaLatestVersion', reason: pinnedRuntime });
  // A Lambda dead-letter queue catches only asynchronous invocations; a synchronous caller gets the error itself.
  const noDeadLetterQueue =
    props.asynchronousFailures ??
    'Invoked synchronously (a Step Functions task, API Gateway or an event source mapping): the caller gets the error and retries or records it, and a Lambda dead-letter queue would never receive anything.';
  Validations.of(fn).acknowledge({ id: 'Serverless-LambdaDLQ', reason: noDeadLetterQueue });
  Validations.of(fn).acknowledge({ id: 'NIST.800.53.R5-LambdaDLQ', reason: noDeadLetterQueue });
  return { fn, role, logGroup };
}

/** The function's name in its environment: given, or the handler folder's last part. */
function functionNameOf(props: HandlerFunctionProps): string {
  return props.functionName ?? props.name.slice(props.name.lastIndexOf('/') + 1);
}

function validate(props: HandlerFunctionProps): void {
  if (!/^[a-z0-9][a-z0-9-]*(?:\/[a-z0-9][a-z0-9-]*)*$/.test(props.name) || props.name.length > 200) {
    throw new ConfigurationInvalid('a handler folder must be a path under functions/ of lower-case letters, digits and dashes');
  }
  if (!/^[a-z][a-z0-9-]{1,62}$/.test(functionNameOf(props))) {
    throw new ConfigurationInvalid(`function ${functionNameOf(props)}: a function name must be 2 to 63 lower-case letters, digits and dashes`);
  }
  for (const key of Object.keys(props.environment)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(key)) {
      throw new ConfigurationInvalid(`function ${props.name}: environment variable ${key} must be UPPER_SNAKE_CASE`);
    }
    if ((RUNTIME_VARIABLES as readonly string[]).includes(key)) {
      throw new ConfigurationInvalid(`function ${props.name}: environment variable ${key} is set for every function; remove it from its own variables`);
    }
  }
  if (!Number.isInteger(props.memorySize) || props.memorySize < 128 || props.memorySize > 10_240) {
    throw new ConfigurationInvalid(`function ${props.name}: memorySize must be a whole number from 128 to 10240`);
  }
}
