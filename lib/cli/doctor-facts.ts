import { CloudFormationClient, DescribeStacksCommand, paginateListStackResources, type Output, type StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeKeyCommand, GetKeyRotationStatusCommand, KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient, paginateListEventSourceMappings } from '@aws-sdk/client-lambda';
import { DescribeSecretCommand, ListSecretVersionIdsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { paginateListSubscriptionsByTopic, SNSClient } from '@aws-sdk/client-sns';
import { STACK_OUTPUTS } from '../stacks/stack-outputs.js';
import { ARCHIVE_LAG_WINDOW_MINUTES, currentValueSince, DEFAULT_ROTATION_DAYS, type KeyFact, type MappingFact, type SecretFact, type SubscriptionFact } from './doctor-checks.js';
import { StackNotFound } from './errors.js';

/**
 * Everything `wardflow doctor` reads from a deployed stack, found from the stack itself
 * (DescribeStacks for its outputs, ListStackResources for its resources): no name is guessed
 * but the stack's. Every call is a read; none reads a secret's value or any event.
 */

/** The clients doctor uses, so a test can point them anywhere. */
export interface DoctorClients {
  cloudFormation: CloudFormationClient;
  sns: SNSClient;
  secrets: SecretsManagerClient;
  lambda: LambdaClient;
  cloudWatch: CloudWatchClient;
  kms: KMSClient;
}

/** The audit archiver's construct id in the stack (lib/stacks/wardflow-stack.ts): its function's logical id starts with it. */
const ARCHIVER_LOGICAL_PREFIX = 'AuditArchiver';

export function doctorClients(config: { region?: string; profile?: string }): DoctorClients & { destroy(): void } {
  const clients = {
    cloudFormation: new CloudFormationClient(config),
    sns: new SNSClient(config),
    secrets: new SecretsManagerClient(config),
    lambda: new LambdaClient(config),
    cloudWatch: new CloudWatchClient(config),
    kms: new KMSClient(config),
  };
  return { ...clients, destroy: () => Object.values(clients).forEach((c) => c.destroy()) };
}

export interface StackFacts {
  stackName: string;
  topic: string | undefined;
  subscriptions: SubscriptionFact[];
  /** Secrets' names and ARNs; their ages come from {@link secretFacts}. */
  secretArns: string[];
  archiverFunction: string | undefined;
  mappings: MappingFact[];
  newestMaxIteratorAgeMs: number | undefined;
  keys: KeyFact[];
}

/**
 * Reads the stack `wardflow-<env>` and what doctor checks on it.
 *
 * @example
 * const facts = await stackFacts(clients, 'prod', new Date());
 */
export async function stackFacts(clients: DoctorClients, environment: string, now: Date, where: string): Promise<StackFacts> {
  const stackName = `wardflow-${environment}`;
  const outputs = await stackOutputs(clients.cloudFormation, stackName, where);
  const resources: StackResourceSummary[] = [];
  for await (const page of paginateListStackResources({ client: clients.cloudFormation }, { StackName: stackName })) resources.push(...(page.StackResourceSummaries ?? []));
  const physical = (type: string) => resources.filter((r) => r.ResourceType === type && r.PhysicalResourceId);

  const topic = outputs.find((o) => o.OutputKey === STACK_OUTPUTS.alarmTopicArn)?.OutputValue ?? physical('AWS::SNS::Topic')[0]?.PhysicalResourceId;
  const subscriptions: SubscriptionFact[] = [];
  if (topic !== undefined) {
    for await (const page of paginateListSubscriptionsByTopic({ client: clients.sns }, { TopicArn: topic })) {
      for (const s of page.Subscriptions ?? []) subscriptions.push({ protocol: s.Protocol ?? 'unknown', endpoint: s.Endpoint ?? '', pending: s.SubscriptionArn === 'PendingConfirmation' });
    }
  }

  const archiver = physical('AWS::Lambda::Function').find((r) => r.LogicalResourceId?.startsWith(ARCHIVER_LOGICAL_PREFIX));
  const archiverFunction = archiver?.PhysicalResourceId;
  const mappings: MappingFact[] = [];
  let newestMaxIteratorAgeMs: number | undefined;
  if (archiverFunction !== undefined) {
    for await (const page of paginateListEventSourceMappings({ client: clients.lambda }, { FunctionName: archiverFunction })) {
      for (const m of page.EventSourceMappings ?? []) mappings.push({ uuid: m.UUID ?? 'unknown', state: m.State ?? 'unknown' });
    }
    newestMaxIteratorAgeMs = await newestIteratorAge(clients.cloudWatch, archiverFunction, now);
  }

  const keys: KeyFact[] = [];
  for (const resource of physical('AWS::KMS::Key')) keys.push(await keyFact(clients.kms, resource.LogicalResourceId ?? 'key', resource.PhysicalResourceId as string));

  return { stackName, topic, subscriptions, secretArns: physical('AWS::SecretsManager::Secret').map((r) => r.PhysicalResourceId as string), archiverFunction, mappings, newestMaxIteratorAgeMs, keys };
}

async function stackOutputs(cloudFormation: CloudFormationClient, stackName: string, where: string): Promise<Output[]> {
  try {
    const answer = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    return answer.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    // CloudFormation answers a missing stack with a ValidationError "Stack with id ... does not exist".
    if ((error as { name?: unknown } | null)?.name === 'ValidationError' && /does not exist/.test(error instanceof Error ? error.message : '')) throw new StackNotFound(stackName, where);
    throw error;
  }
}

/** The newest 5-minute maximum of the archiver's IteratorAge in the window, or undefined when there is none. */
async function newestIteratorAge(cloudWatch: CloudWatchClient, functionName: string, now: Date): Promise<number | undefined> {
  const answer = await cloudWatch.send(
    new GetMetricStatisticsCommand({
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [{ Name: 'FunctionName', Value: functionName }],
      StartTime: new Date(now.getTime() - ARCHIVE_LAG_WINDOW_MINUTES * 60_000),
      EndTime: now,
      Period: 300,
      Statistics: ['Maximum'],
    }),
  );
  const points = (answer.Datapoints ?? []).filter((p) => p.Timestamp !== undefined && p.Maximum !== undefined);
  points.sort((a, b) => (b.Timestamp as Date).getTime() - (a.Timestamp as Date).getTime());
  return points[0]?.Maximum;
}

async function keyFact(kms: KMSClient, logicalId: string, keyId: string): Promise<KeyFact> {
  const { KeyMetadata: metadata } = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
  const spec = metadata?.KeySpec;
  const state = metadata?.KeyState;
  // GetKeyRotationStatus refuses keys that KMS cannot rotate (HMAC, asymmetric): asked for symmetric ones only.
  const rotation = spec === 'SYMMETRIC_DEFAULT' && state === 'Enabled' ? (await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled === true : undefined;
  return { logicalId, keyId, spec, state, rotation };
}

/**
 * Each secret's name, the date of its value in use and its rotation policy: the declaring
 * workflow's `rotationDays` (the name is `wardflow/<env>/<workflow>/<secret>`), else 90 days.
 *
 * @example
 * const secrets = await secretFacts(clients.secrets, facts.secretArns, (workflow, secret) => 30);
 */
export async function secretFacts(client: SecretsManagerClient, secretIds: readonly string[], policyDaysOf: (workflow: string, secret: string) => number | undefined): Promise<SecretFact[]> {
  const facts: SecretFact[] = [];
  for (const id of secretIds) {
    const described = await client.send(new DescribeSecretCommand({ SecretId: id }));
    const versions = await client.send(new ListSecretVersionIdsCommand({ SecretId: id }));
    const name = described.Name ?? id;
    const [, , workflow, secret] = name.split('/');
    const declared = workflow !== undefined && secret !== undefined ? policyDaysOf(workflow, secret) : undefined;
    facts.push({
      name,
      valueSince: currentValueSince({
        versions: (versions.Versions ?? []).map((v) => ({ stages: v.VersionStages ?? [], created: v.CreatedDate })),
        lastRotated: described.LastRotatedDate,
        created: described.CreatedDate,
      }),
      policyDays: declared ?? DEFAULT_ROTATION_DAYS,
      defaultPolicy: declared === undefined,
    });
  }
  return facts;
}
