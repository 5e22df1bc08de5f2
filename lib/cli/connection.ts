import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { STSClient } from '@aws-sdk/client-sts';
import { STACK_OUTPUTS, WORKFLOW_OUTPUT_SUFFIX, workflowOfStackOutput } from '../stacks/stack-outputs.js';
import { resolveDataFolder } from '../local/data-folder.js';
import { readEndpointsFile, type EndpointsFile } from '../local/runtime/services/endpoints-file.js';
import { asCliError } from './sdk-errors.js';
import { RuntimeNotRunning, StackNotFound, StackOutputMissing } from './errors.js';
import type { Target } from './options.js';
import type { WorkflowArns } from './workflows.js';
import { isProcessAlive } from '../local/process-alive.js';

/** The CloudFormation output naming the events table (the stack adds it beside the state machine ARNs). */
export const EVENTS_TABLE_OUTPUT = 'EventsTableName';

/** Everything a command needs to reach the system: the same SDK calls in local and AWS mode. */
export interface Connection {
  mode: 'local' | 'aws';
  /** For messages: which runtime or stack this is (no credentials, no account secrets). */
  where: string;
  sfn: SFNClient;
  dynamodb: DynamoDBClient;
  eventsTable: string;
  workflows: WorkflowArns;
  /**
   * The environment's tier (`dev`, `prod`): `start` refuses input marked as real data outside prod. The
   * local runtime is never prod; a stack says its tier in the output EnvironmentTier (undefined for a
   * stack deployed before it had one: record-start still refuses).
   */
  tier: string | undefined;
  /** AWS mode: STS, for who `start` runs as (GetCallerIdentity, starter-identity.ts); the local runtime has none. */
  sts?: STSClient;
  /** The audit archive (`wardflow audit`): its bucket, read through `s3`. */
  s3: S3Client;
  /** The audit bucket's name; throws StackOutputMissing when a stack does not name it, so only `audit` needs it. */
  auditBucket(): string;
  close(): void;
}

/**
 * Connects to the local runtime of a data folder (`--data-dir`, WARDFLOW_DATA_DIR, `.wardflow/`)
 * through its endpoints.json, or, when the target is AWS, to the environment's stack
 * `wardflow-<env>`, whose outputs name the events table and the state machines.
 *
 * AWS mode uses the SDK's default credential chain with the client `profile` option (the
 * same resolution as `fromIni({ profile })`, and the profile's region when --region is not
 * given). AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> are honoured by the SDK, so the same
 * mode reaches LocalStack or moto.
 *
 * @example
 * const connection = await connect({ mode: 'local', dataDir: undefined });
 * try { ... connection.sfn.send(new ListExecutionsCommand({ stateMachineArn: connection.workflows['invoice-approval'] })) ... }
 * finally { connection.close(); }
 */
export async function connect(target: Target, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  return target.mode === 'local' ? connectLocal(resolveDataFolder(target.dataDir, env)) : connectAws(target);
}

function connectLocal(dataDir: string): Connection {
  let file: EndpointsFile;
  try {
    file = readEndpointsFile(dataDir);
  } catch (error) {
    // JSON.parse's own message may quote the file; the file's name and the way out are enough.
    if (error instanceof SyntaxError) {
      throw new RuntimeNotRunning(`${dataDir}/endpoints.json is not valid JSON: the runtime may be writing it (retry), or left it broken (restart it with \`npm start\`).`);
    }
    throw new RuntimeNotRunning(error instanceof Error ? error.message : String(error));
  }
  if (!isProcessAlive(file.pid)) {
    throw new RuntimeNotRunning(
      `the local runtime of ${dataDir} (pid ${file.pid}, started ${file.startedAt}) is no longer running; its endpoints.json was left behind. Start it again with \`npm start\`.`,
    );
  }
  const client = { region: file.region, credentials: file.credentials };
  const sfn = new SFNClient({ ...client, endpoint: file.endpoints.stepfunctions });
  const dynamodb = new DynamoDBClient({ ...client, endpoint: file.endpoints.dynamodb });
  // s3rver serves buckets by path, not by host name.
  const s3 = new S3Client({ ...client, endpoint: file.endpoints.s3, forcePathStyle: true });
  return {
    mode: 'local',
    where: `the local runtime of ${dataDir}`,
    sfn,
    dynamodb,
    eventsTable: file.resources.eventsTable,
    workflows: { ...file.resources.stateMachines },
    // The local runtime enforces neither IAM nor Object Lock: it is dev, whatever it was based on (definitions.ts).
    tier: 'dev',
    s3,
    auditBucket: () => file.resources.auditBucket,
    close() {
      sfn.destroy();
      dynamodb.destroy();
      s3.destroy();
    },
  };
}

async function connectAws(target: Extract<Target, { mode: 'aws' }>): Promise<Connection> {
  const stackName = `wardflow-${target.environment}`;
  const where = [target.region ? `region ${target.region}` : 'the profile\'s region', target.profile ? `profile ${target.profile}` : 'default credentials'].join(', ');
  const config = { ...(target.region ? { region: target.region } : {}), ...(target.profile ? { profile: target.profile } : {}) };
  const cloudFormation = new CloudFormationClient(config);
  let outputs: Output[];
  try {
    const answer = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = answer.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    // CloudFormation answers a missing stack with a ValidationError "Stack with id ... does not exist".
    const name = (error as { name?: unknown } | null)?.name;
    const message = error instanceof Error ? error.message : '';
    if (name === 'ValidationError' && /does not exist/.test(message)) throw new StackNotFound(stackName, where);
    throw asCliError(error, { mode: 'aws', where, profile: target.profile });
  } finally {
    cloudFormation.destroy();
  }
  const output = (key: string): string => {
    const value = outputs.find((o) => o.OutputKey === key)?.OutputValue;
    if (value === undefined || value === '') throw new StackOutputMissing(stackName, key);
    return value;
  };
  const eventsTable = output(EVENTS_TABLE_OUTPUT);
  // Every workflow the stack deploys has an output <Name>StateMachineArn: the stack, not a list in the CLI, says which there are.
  const workflows = Object.fromEntries(
    outputs.flatMap((o) => {
      const workflow = o.OutputKey === undefined ? undefined : workflowOfStackOutput(o.OutputKey);
      return workflow === undefined || !o.OutputValue ? [] : [[workflow, o.OutputValue] as const];
    }),
  );
  if (Object.keys(workflows).length === 0) throw new StackOutputMissing(stackName, `<Workflow>${WORKFLOW_OUTPUT_SUFFIX}`);
  const sfn = new SFNClient(config);
  const dynamodb = new DynamoDBClient(config);
  const s3 = new S3Client(config);
  const sts = new STSClient(config);
  return {
    mode: 'aws',
    where: `stack ${stackName} (${where})`,
    sfn,
    dynamodb,
    eventsTable,
    workflows,
    tier: outputs.find((o) => o.OutputKey === STACK_OUTPUTS.environmentTier)?.OutputValue || undefined,
    s3,
    sts,
    auditBucket: () => output(STACK_OUTPUTS.auditBucketName),
    close() {
      sfn.destroy();
      dynamodb.destroy();
      s3.destroy();
      sts.destroy();
    },
  };
}

