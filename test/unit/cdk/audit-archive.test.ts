import { App, Duration, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationInvalid } from '../../../functions/shared/errors.js';
import { AlarmTopic } from '../../../lib/constructs/alarm-topic.js';
import { buildHandlerFunction } from '../../../lib/constructs/handler-function.js';
import { HANDLER_METADATA_KEY } from '../../../lib/constructs/handler-metadata.js';
import { platformAlarm } from '../../../lib/operations/platform-alarm.js';
import { actionList, CDK_CONTEXT, devAndProdTemplates, type PolicyStatementJson, resourcesOf, roleIdOf, statementsOfRole, type TemplateResource, arnIn, environmentOf } from './synth.js';

/** The audit archiver's function name: it serves every workflow, so it is not named after one. */
const AUDIT_ARCHIVER = 'audit-archiver';

const environments = CDK_CONTEXT['wardflow:environments'] as Record<string, { logLevel: string; logRetentionDays: number }>;

let dev: Template;
let prod: Template;
beforeAll(() => {
  ({ dev, prod } = devAndProdTemplates());
});

/** The one resource of a type whose logical id starts with `prefix`. */
function only(template: Template, type: string, prefix: string): [string, TemplateResource] {
  const found = Object.entries(resourcesOf(template, type)).filter(([id]) => id.startsWith(prefix));
  expect(found, `${type} ${prefix}*`).toHaveLength(1);
  return found[0]!;
}

const getAtt = (prefix: string, attribute: string) => ({ 'Fn::GetAtt': [expect.stringMatching(new RegExp(`^${prefix}`)), attribute] });
const ref = (prefix: string) => ({ Ref: expect.stringMatching(new RegExp(`^${prefix}`)) });
/** `<service>.<region>.amazonaws.com` as CDK renders it for an environment-agnostic stack. */


describe.each([
  ['dev', () => dev],
  ['prod', () => prod],
] as const)('audit archive in %s', (env, template) => {
  const viaService = (service: string) => `${service}.${environmentOf(env).config.region}.amazonaws.com`;
  const archiverFunction = () => only(template(), 'AWS::Lambda::Function', 'AuditArchiverFunction');
  const archiverStatements = (): PolicyStatementJson[] => statementsOfRole(template(), roleIdOf(template(), AUDIT_ARCHIVER));
  const statementsOn = (resourcePrefix: string) =>
    archiverStatements().filter((s) => JSON.stringify(s.Resource).includes(`"${resourcePrefix}`));

  it('runs the archiver handler on nodejs22.x arm64, traced, with the bucket, the audit key ARN and its logging settings', () => {
    const [, fn] = archiverFunction();
    expect(fn.Metadata?.[HANDLER_METADATA_KEY]).toBe('audit-archiver');
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
      Timeout: 60,
      MemorySize: 512,
      Description: `wardflow ${env}: audit-archiver`,
    });
    expect((fn.Properties.Environment as { Variables: unknown }).Variables).toEqual({
      AUDIT_BUCKET: ref('AuditArchive'),
      AUDIT_KMS_KEY_ID: getAtt('KeysAuditKey', 'Arn'),
      LOG_LEVEL: environments[env]!.logLevel,
      POWERTOOLS_SERVICE_NAME: 'wardflow',
      POWERTOOLS_METRICS_NAMESPACE: `wardflow/${env}`,
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('logs to its own log group, encrypted with the logs key, kept as long as the environment says', () => {
    const [, fn] = archiverFunction();
    const [logsId, group] = only(template(), 'AWS::Logs::LogGroup', 'AuditArchiverLogs');
    expect(fn.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logsId } });
    expect(group.Properties).toMatchObject({ KmsKeyId: getAtt('KeysLogsKey', 'Arn'), RetentionInDays: environments[env]!.logRetentionDays });
    const writeLogs = archiverStatements().filter((s) => actionList(s).some((a) => a.startsWith('logs:')));
    expect(writeLogs).toEqual([expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logsId, 'Arn'] } })]);
  });

  it('reads the events stream from the oldest record, 100 at a time, reporting failed items, bisecting, retrying 10 times, then dead-lettering', () => {
    const mappings = Object.values(resourcesOf(template(), 'AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(1);
    const [functionId] = archiverFunction();
    const [queueId] = only(template(), 'AWS::SQS::Queue', 'AuditArchiverDeadLetters');
    expect(mappings[0]!.Properties).toEqual({
      FunctionName: { Ref: functionId },
      EventSourceArn: getAtt('EventsTable', 'StreamArn'),
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      ParallelizationFactor: 1,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
  });

  it('lets the role do exactly what archiving needs, by named actions', () => {
    const actions = archiverStatements().flatMap(actionList).sort();
    expect(actions).toEqual([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
      'kms:Decrypt', // the table key, to read the stream
      'kms:Decrypt', // the messaging key, as SQS requires of a producer
      'kms:DescribeKey', // the table key (CDK's stream-read grant)
      'kms:GenerateDataKey', // the audit key, through S3
      'kms:GenerateDataKey', // the messaging key, through SQS
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:PutObject',
      'sqs:SendMessage',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
    const [, role] = only(template(), 'AWS::IAM::Role', 'AuditArchiverRole');
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
  });

  it('may only PutObject, only under events/ of the archive bucket: no reading, deleting, listing or retention', () => {
    const onS3 = archiverStatements().filter((s) => actionList(s).some((a) => a.startsWith('s3:')));
    expect(onS3).toEqual([
      {
        Sid: 'PutArchiveObjects',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [getAtt('AuditArchive', 'Arn'), '/events/*']] },
      },
    ]);
    const s3Actions = archiverStatements().flatMap(actionList).filter((a) => a.startsWith('s3:'));
    for (const forbidden of ['s3:GetObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectRetention', 's3:PutObjectLegalHold', 's3:ListBucket', 's3:*']) {
      expect(s3Actions).not.toContain(forbidden);
    }
    expect(JSON.stringify(archiverStatements())).not.toContain('AuditAccessLogs');
  });

  it('uses the audit key only for GenerateDataKey, only through S3, only for the archive bucket', () => {
    expect(statementsOn('KeysAuditKey')).toEqual([
      {
        Sid: 'UseAuditKeyThroughS3',
        Effect: 'Allow',
        Action: 'kms:GenerateDataKey',
        Resource: getAtt('KeysAuditKey', 'Arn'),
        Condition: {
          StringEquals: {
            'kms:ViaService': viaService('s3'),
            // The bucket key is on: S3 binds the data key to the bucket's ARN.
            'kms:EncryptionContext:aws:s3:arn': getAtt('AuditArchive', 'Arn'),
          },
        },
      },
    ]);
  });

  it('reads the stream by its ARN, lists streams on "*" (no resource-level permission) and decrypts with the table key', () => {
    expect(statementsOn('EventsTable')).toEqual([
      expect.objectContaining({
        Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        Resource: getAtt('EventsTable', 'StreamArn'),
      }),
    ]);
    const wildcard = archiverStatements().filter((s) => s.Resource === '*');
    expect(wildcard.flatMap(actionList).sort()).toEqual(['dynamodb:ListStreams', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    expect(statementsOn('KeysTableKey').flatMap(actionList).sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
  });

  it('sends dead letters to its queue only, with the messaging key only through SQS', () => {
    const [queueId] = only(template(), 'AWS::SQS::Queue', 'AuditArchiverDeadLetters');
    expect(archiverStatements().filter((s) => actionList(s).some((a) => a.startsWith('sqs:')))).toEqual([
      { Sid: 'SendDeadLetters', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [queueId, 'Arn'] } },
    ]);
    expect(statementsOn('KeysMessagingKey')).toEqual([
      {
        Sid: 'UseMessagingKeyThroughSQS',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: getAtt('KeysMessagingKey', 'Arn'),
        Condition: { StringEquals: { 'kms:ViaService': viaService('sqs') } },
      },
    ]);
  });

  it('keeps dead letters 14 days in a queue encrypted with the rotated messaging key, TLS only', () => {
    const [queueId, queue] = only(template(), 'AWS::SQS::Queue', 'AuditArchiverDeadLetters');
    expect(queue.Properties).toEqual({ KmsMasterKeyId: getAtt('KeysMessagingKey', 'Arn'), MessageRetentionPeriod: 14 * 24 * 3600 });
    const [, key] = only(template(), 'AWS::KMS::Key', 'KeysMessagingKey');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const policies = Object.values(resourcesOf(template(), 'AWS::SQS::QueuePolicy')).filter((p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: queueId }]));
    expect(policies).toHaveLength(1);
    expect((policies[0]!.Properties.PolicyDocument as { Statement: unknown[] }).Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });

  it('alarms on any dead letter, a lag over 15 minutes and any archiver error, each to the alarm topic', () => {
    const [topicId] = only(template(), 'AWS::SNS::Topic', 'AlarmsTopic');
    const [functionId] = archiverFunction();
    const [queueId] = only(template(), 'AWS::SQS::Queue', 'AuditArchiverDeadLetters');
    const alarms = Object.values(resourcesOf(template(), 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const byMetric = (name: string) => alarms.filter((a) => a.MetricName === name);
    const toTopic = { AlarmActions: [{ Ref: topicId }], OKActions: [{ Ref: topicId }], TreatMissingData: 'notBreaching', EvaluationPeriods: 1 };
    // The execution-end recorder's queue has its own alarm (execution-end-recorder.test.ts).
    const onQueue = byMetric('ApproximateNumberOfMessagesVisible').filter((a) => JSON.stringify(a.Dimensions).includes(queueId));
    expect(onQueue).toEqual([
      expect.objectContaining({
        ...toTopic,
        Namespace: 'AWS/SQS',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        Statistic: 'Maximum',
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmName: `wardflow-${env}-audit-dead-letters`,
        AlarmDescription: platformAlarm('audit-dead-letters').runbook,
      }),
    ]);
    const onFunction = [{ Name: 'FunctionName', Value: { Ref: functionId } }];
    const behind = alarms.filter((a) => a.AlarmName === `wardflow-${env}-audit-archive-behind`);
    expect(behind).toEqual([
      expect.objectContaining({
        ...toTopic,
        // A quiet environment (nothing written) is fine; two periods of lag or of writes never archived are not.
        TreatMissingData: 'notBreaching',
        EvaluationPeriods: 2,
        DatapointsToAlarm: 2,
        AlarmDescription: platformAlarm('audit-archive-behind').runbook,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    ]);
    type Query = { Id: string; Expression?: string; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown }; Stat: string; Period: number } };
    const queries = behind[0]!.Metrics as Query[];
    const stat = (id: string) => queries.find((q) => q.Id === id)?.MetricStat;
    expect(queries.find((q) => q.Expression !== undefined)?.Expression).toBe(
      'MAX([IF(FILL(age, 0) > 900000, 1, 0), IF(FILL(written, 0) > 0 AND FILL(archived, 0) == 0, 1, 0)])',
    );
    expect(stat('age')).toEqual({ Metric: { Namespace: 'AWS/Lambda', MetricName: 'IteratorAge', Dimensions: onFunction }, Stat: 'Maximum', Period: 300 });
    expect(stat('archived')).toEqual({ Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: onFunction }, Stat: 'Sum', Period: 300 });
    expect(stat('written')).toEqual({
      Metric: { Namespace: 'AWS/DynamoDB', MetricName: 'ConsumedWriteCapacityUnits', Dimensions: [{ Name: 'TableName', Value: { Ref: expect.stringMatching(/^EventsTable/) } }] },
      Stat: 'Sum',
      Period: 300,
    });
    expect(byMetric('Errors')).toEqual([
      expect.objectContaining({
        ...toTopic,
        AlarmName: `wardflow-${env}-audit-archiver-errors`,
        AlarmDescription: platformAlarm('audit-archiver-errors').runbook,
        Namespace: 'AWS/Lambda',
        Dimensions: onFunction,
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      }),
    ]);
    // Every alarm of the stack notifies the topic, and says what to do in its description.
    for (const alarm of alarms) {
      expect(alarm.AlarmActions, String(alarm.AlarmName)).toEqual([{ Ref: topicId }]);
      expect(String(alarm.AlarmDescription).length, String(alarm.AlarmName)).toBeGreaterThan(60);
    }
  });

  it("has one alarm topic per environment, encrypted, TLS only, that CloudWatch alarms of this account may publish to, subscribed by exactly the environment's alarmSubscribers", () => {
    const [topicId, topic] = only(template(), 'AWS::SNS::Topic', 'AlarmsTopic');
    expect(topic.Properties).toMatchObject({ TopicName: `wardflow-${env}-alarms`, KmsMasterKeyId: getAtt('KeysMessagingKey', 'Arn') });
    // From cdk.json, as written there: e-mail as is, https with SNS's envelope (raw delivery off) so the endpoint can confirm and verify.
    const configured = environmentOf(env).config.alarmSubscribers;
    expect(configured.length).toBeGreaterThan(0);
    const subscriptions = Object.values(resourcesOf(template(), 'AWS::SNS::Subscription')).map((s) => s.Properties);
    expect(subscriptions).toHaveLength(configured.length);
    for (const subscriber of configured) {
      expect(subscriptions).toContainEqual({
        TopicArn: { Ref: topicId },
        Protocol: subscriber.protocol,
        Endpoint: subscriber.endpoint,
        ...(subscriber.protocol === 'https' ? { RawMessageDelivery: false } : {}),
      });
    }
    expect((template().toJSON().Outputs as Record<string, { Value: unknown }>).AlarmTopicArn?.Value).toEqual({ Ref: topicId });
    const [, policy] = only(template(), 'AWS::SNS::TopicPolicy', 'AlarmsTopicPolicy');
    const statements = (policy.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: {
          StringEquals: { 'aws:SourceAccount': environmentOf(env).config.account },
          ArnLike: { 'aws:SourceArn': arnIn(env, 'cloudwatch', 'alarm:*') },
        },
      }),
    );
  });

  it("lets CloudWatch use the messaging key only for this environment's alarm topic", () => {
    const [, key] = only(template(), 'AWS::KMS::Key', 'KeysMessagingKey');
    const statements = (key.Properties.KeyPolicy as { Statement: PolicyStatementJson[] }).Statement;
    const forCloudWatch = statements.filter((s) => JSON.stringify(s.Principal).includes('cloudwatch.amazonaws.com'));
    expect(forCloudWatch).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Condition: {
          StringEquals: {
            'kms:EncryptionContext:aws:sns:topicArn': arnIn(env, 'sns', `wardflow-${env}-alarms`),
          },
        },
      }),
    ]);
    template().hasResourceProperties('AWS::KMS::Alias', { AliasName: `alias/wardflow/${env}/messaging` });
  });

  it('denies everyone deleting archive objects or versions, changing or bypassing their retention, and unconditional PUTs', () => {
    const [archiveId] = only(template(), 'AWS::S3::Bucket', 'AuditArchive');
    const [, policy] = Object.entries(resourcesOf(template(), 'AWS::S3::BucketPolicy')).find(([, p]) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: archiveId }))!;
    const statements = (policy.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement;
    const unconditionalDenies = statements.filter((s) => s.Effect === 'Deny' && s.Condition === undefined);
    expect(unconditionalDenies).toEqual([
      {
        Sid: 'DenyDeletingOrUnlockingArchiveObjects',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: ['s3:BypassGovernanceRetention', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectRetention'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [archiveId, 'Arn'] }, '/*']] },
      },
    ]);
    expect(statements.filter((s) => s.Sid === 'DenyOverwritingArchiveObjects')).toEqual([
      {
        Sid: 'DenyOverwritingArchiveObjects',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:PutObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [archiveId, 'Arn'] }, '/*']] },
        Condition: { Null: { 's3:if-none-match': 'true' } },
      },
    ]);
    // Chosen not to deny (audit-bucket.ts): it would freeze auditRetentionDays for CloudFormation too.
    expect(statements.flatMap(actionList)).not.toContain('s3:PutBucketObjectLockConfiguration');
  });
});

describe('the constructs on their own', () => {
  function emptyStack(): Stack {
    const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-stack-trace': true, '@aws-cdk/core:validateAgainstDefaultRules': false } });
    return new Stack(app, 'Alone', { env: { account: '111122223333', region: 'eu-west-1' } });
  }
  const importedKey = (stack: Stack) => kms.Key.fromKeyArn(stack, 'Imported', 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab');

  it('refuses an imported key for the alarm topic, whose key policy it could not extend', () => {
    const stack = emptyStack();
    expect(() => new AlarmTopic(stack, 'Alarms', { environmentName: 'dev', encryptionKey: importedKey(stack) })).toThrow(ConfigurationInvalid);
    expect(() => new AlarmTopic(stack, 'Named', { environmentName: 'Dev!', encryptionKey: new kms.Key(stack, 'Key') })).toThrow(ConfigurationInvalid);
  });

  it('refuses a function that sets the shared runtime variables itself or has no handler', () => {
    const stack = emptyStack();
    const base = {
      environmentName: 'dev',
      roleDescription: 'test',
      statements: [],
      logsKey: importedKey(stack),
      logRetention: logs.RetentionDays.ONE_WEEK,
      timeout: Duration.seconds(10),
      memorySize: 512,
    };
    expect(() => buildHandlerFunction(stack, { ...base, name: 'audit-archiver', environment: { NODE_OPTIONS: '--inspect' } })).toThrow(/NODE_OPTIONS/);
    expect(() => buildHandlerFunction(stack, { ...base, name: 'no-such-handler', environment: {} })).toThrow(/functions\/no-such-handler\/handler\.ts/);
  });
});
