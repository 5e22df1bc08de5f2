import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_ALARMS } from '../../../lib/operations/alarm-catalog.js';
import { actionList, devAndProdTemplates, functionOf, resourcesOf, statementsOf, type TemplateResource, variablesOf } from './synth.js';

/**
 * Issue 15: what a deploy and a delete really do. Prod's named, kept resources survive a failed first
 * create's retry (RetainExceptOnCreate); dev's delete leaves only what Object Lock forbids deleting; the
 * provider-issued secrets are checked daily against their rotation policy; each stack says its tier.
 */

let dev: Template;
let prod: Template;
beforeAll(() => {
  ({ dev, prod } = devAndProdTemplates());
});

const all = (template: Template) => Object.entries(template.toJSON().Resources as Record<string, TemplateResource & { UpdateReplacePolicy?: string }>);
const kept = (template: Template, policy: string) => all(template).filter(([, r]) => r.DeletionPolicy === policy);
/** Resources whose physical name the template fixes: a second create of the same name fails. */
const FIXED_NAME = { 'AWS::StepFunctions::StateMachine': 'StateMachineName', 'AWS::Logs::LogGroup': 'LogGroupName', 'AWS::SecretsManager::Secret': 'Name' } as const;

describe('prod survives the retry of a failed first create', () => {
  it('keeps its named resources RetainExceptOnCreate (state machines, their log groups, the secrets): a rollback deletes them, so the retry finds no "already exists"', () => {
    const named = all(prod).filter(([, r]) => r.Type in FIXED_NAME && r.Properties[FIXED_NAME[r.Type as keyof typeof FIXED_NAME]] !== undefined);
    expect(new Set(named.map(([, r]) => r.Type))).toEqual(new Set(Object.keys(FIXED_NAME)));
    for (const [id, resource] of named) expect([id, resource.DeletionPolicy, resource.UpdateReplacePolicy]).toEqual([id, 'RetainExceptOnCreate', 'Retain']);
  });

  it('keeps plain Retain only for the evidence: the events table, the audit archive, its access logs and its key', () => {
    const plain = kept(prod, 'Retain').map(([id, r]) => `${r.Type} ${id.replace(/[0-9A-F]{8}$/, '')}`);
    expect(plain.sort()).toEqual(['AWS::DynamoDB::Table EventsTable', 'AWS::KMS::Key KeysAuditKey', 'AWS::S3::Bucket AuditAccessLogs', 'AWS::S3::Bucket AuditArchive']);
    // Every other key and log group is kept too, but not over a rolled-back create.
    expect(kept(prod, 'RetainExceptOnCreate').map(([, r]) => r.Type)).toEqual(expect.arrayContaining(['AWS::KMS::Key', 'AWS::Logs::LogGroup']));
  });
});

describe('dev deletes what it can', () => {
  it('deletes the access-log bucket, emptied first by its own function; keeps only the Object Lock archive and the key that reads it', () => {
    expect(kept(dev, 'Retain').map(([id, r]) => `${r.Type} ${id.replace(/[0-9A-F]{8}$/, '')}`).sort()).toEqual(['AWS::KMS::Key KeysAuditKey', 'AWS::S3::Bucket AuditArchive']);
    expect(kept(dev, 'RetainExceptOnCreate')).toEqual([]);
    const [logsId, logs] = Object.entries(resourcesOf(dev, 'AWS::S3::Bucket')).find(([id]) => id.startsWith('AuditAccessLogs'))!;
    expect(logs.DeletionPolicy).toBe('Delete');
    const [policyId] = Object.entries(resourcesOf(dev, 'AWS::S3::BucketPolicy')).find(([, p]) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: logsId }))!;
    const [fnId] = functionOf(dev, 'empty-access-logs');
    const emptiers = Object.values(resourcesOf(dev, 'AWS::CloudFormation::CustomResource'));
    expect(emptiers).toHaveLength(1);
    expect(emptiers[0]!.Properties.ServiceToken).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
    // Deleted before the bucket's policy and the bucket, so those find it empty.
    expect(emptiers[0]!.DependsOn).toEqual(expect.arrayContaining([policyId, logsId]));
    expect(variablesOf(dev, 'empty-access-logs').BUCKET_NAME).toEqual({ Ref: logsId });
    // It may touch that one bucket only, and nothing else.
    const granted = statementsOf(dev, 'empty-access-logs').filter((s) => s.Sid !== 'WriteOwnLogs' && !actionList(s).every((a) => a.startsWith('xray:')));
    expect(granted).toEqual([
      { Sid: 'StopLogDelivery', Effect: 'Allow', Action: 's3:DeleteBucketPolicy', Resource: { 'Fn::GetAtt': [logsId, 'Arn'] } },
      { Sid: 'ListVersions', Effect: 'Allow', Action: 's3:ListBucketVersions', Resource: { 'Fn::GetAtt': [logsId, 'Arn'] } },
      { Sid: 'DeleteVersions', Effect: 'Allow', Action: 's3:DeleteObjectVersion', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logsId, 'Arn'] }, '/*']] } },
    ]);
    // No CDK auto-delete provider (AWSLambdaBasicExecutionRole), and prod empties nothing.
    expect(Object.keys(resourcesOf(dev, 'Custom::S3AutoDeleteObjects'))).toEqual([]);
    expect(Object.keys(resourcesOf(prod, 'AWS::CloudFormation::CustomResource'))).toEqual([]);
  });
});

describe('the rotation check of provider-issued secrets', () => {
  it.each(['dev', 'prod'])('runs daily in %s, knows each secret and its policy, and may only DescribeSecret those secrets', (env) => {
    const template = env === 'dev' ? dev : prod;
    const [fnId] = functionOf(template, 'secret-rotation-check');
    const [secretId] = Object.entries(resourcesOf(template, 'AWS::SecretsManager::Secret')).find(([, s]) => s.Properties.Name === `wardflow/${env}/invoice-approval/payments-api-key`)!;
    const variables = variablesOf(template, 'secret-rotation-check');
    expect(variables.WARDFLOW_ENV).toBe(env);
    const policies = JSON.stringify(variables.ROTATION_POLICIES);
    expect(policies).toContain(secretId);
    expect(policies).toContain('invoice-approval/payments-api-key');
    expect(policies).toContain('\\"rotationDays\\":90');

    const rules = Object.values(resourcesOf(template, 'AWS::Events::Rule')).filter((r) => JSON.stringify(r.Properties.Targets).includes(fnId));
    expect(rules.map((r) => r.Properties.ScheduleExpression)).toEqual(['rate(1 day)']);

    const statements = statementsOf(template, 'secret-rotation-check');
    const granted = statements.filter((s) => s.Sid !== 'WriteOwnLogs' && !actionList(s).every((a) => a.startsWith('xray:')));
    expect(granted).toEqual([{ Sid: 'DescribeWatchedSecrets', Effect: 'Allow', Action: ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'], Resource: { Ref: secretId } }]);
    expect(JSON.stringify(statements)).not.toMatch(/GetSecretValue|PutMetricData|kms:/);
  });

  it.each(['dev', 'prod'])('alarms in %s when a secret is overdue or the check stops reporting, with the catalog runbook line', (env) => {
    const template = env === 'dev' ? dev : prod;
    const alarm = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).find((a) => a.Properties.AlarmName === `wardflow-${env}-secret-rotation-overdue`);
    const runbook = PLATFORM_ALARMS.find((a) => a.key === 'secret-rotation-overdue')!.runbook;
    expect(alarm?.Properties).toMatchObject({
      AlarmDescription: runbook.replaceAll('<env>', env),
      Namespace: 'wardflow',
      MetricName: 'SecretsOverdue',
      Dimensions: [{ Name: 'Environment', Value: env }],
      Statistic: 'Maximum',
      Period: 86_400,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'breaching',
    });
    const topic = Object.keys(resourcesOf(template, 'AWS::SNS::Topic'))[0]!;
    expect(alarm!.Properties.AlarmActions).toEqual([{ Ref: topic }]);
  });
});

describe('each stack says its tier', () => {
  it('outputs EnvironmentTier for `wardflow start`', () => {
    expect((dev.toJSON().Outputs as Record<string, { Value: unknown }>).EnvironmentTier?.Value).toBe('dev');
    expect((prod.toJSON().Outputs as Record<string, { Value: unknown }>).EnvironmentTier?.Value).toBe('prod');
  });
});
