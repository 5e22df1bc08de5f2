import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  GetBucketPolicyCommand,
  ListObjectVersionsCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { handler as emptyBucket, useResponder } from '../../../functions/empty-bucket-on-delete/handler.js';
import { handler as rotationCheck, useMetricSink } from '../../../functions/secret-rotation-check/handler.js';
import { forgetEnvironmentClients } from '../../../functions/shared/environment-clients.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../../support/dynalite.js';
import { describeWithMoto } from '../../support/moto.js';

/**
 * The two platform functions that no state machine runs, against moto's Secrets Manager and S3: the
 * rotation check reads real DescribeSecret dates, and the dev bucket emptier leaves a versioned bucket
 * with a policy that S3 lets the stack delete.
 */
describeWithMoto('secret-rotation-check and empty-bucket-on-delete', (moto) => {
  const client = <T>(Client: new (config: object) => T) => new Client({ endpoint: moto().endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, forcePathStyle: true });
  beforeEach(() => {
    vi.stubEnv('AWS_ENDPOINT_URL', moto().endpoint);
    vi.stubEnv('AWS_REGION', TEST_REGION);
    vi.stubEnv('AWS_ACCESS_KEY_ID', TEST_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', TEST_CREDENTIALS.secretAccessKey);
    forgetEnvironmentClients();
    for (const stream of [process.stdout, process.stderr]) vi.spyOn(stream, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    forgetEnvironmentClients();
    useMetricSink(undefined);
    useResponder(undefined);
  });

  it('counts a secret overdue only once it is older than its policy, from the dates Secrets Manager keeps', async () => {
    const secrets = client(SecretsManagerClient);
    const { ARN } = await secrets.send(new CreateSecretCommand({ Name: 'wardflow/test/invoice-approval/payments-api-key', SecretString: 'sk_test_planted_value' }));
    secrets.destroy();
    vi.stubEnv('WARDFLOW_ENV', 'test');
    vi.stubEnv('ROTATION_POLICIES', JSON.stringify([{ secretId: ARN, name: 'invoice-approval/payments-api-key', rotationDays: 90 }]));
    const metrics: string[] = [];
    useMetricSink((line) => metrics.push(line));
    expect(await rotationCheck({})).toEqual({ checked: 1, overdue: 0 });
    expect(await rotationCheck({}, undefined, () => new Date(Date.now() + 92 * 86_400_000))).toEqual({ checked: 1, overdue: 1 });
    expect(metrics.map((m) => (JSON.parse(m) as { SecretsOverdue: number }).SecretsOverdue)).toEqual([0, 1]);
    expect(metrics.join('')).not.toContain('sk_test_planted_value');
  });

  it('empties a versioned bucket and removes its policy, so the stack can delete the bucket', async () => {
    const s3 = client(S3Client);
    const bucket = 'dev-access-logs-emptied';
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject', Resource: `arn:aws:s3:::${bucket}/*` }] }),
      }),
    );
    for (const key of ['audit-archive/a', 'audit-archive/a', 'audit-archive/b']) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'log line' }));
    vi.stubEnv('BUCKET_NAME', bucket);
    const answers: Array<Record<string, unknown>> = [];
    useResponder(async (_url, body) => {
      answers.push(JSON.parse(body) as Record<string, unknown>);
    });
    await emptyBucket({ RequestType: 'Delete', ResponseURL: 'https://cfn.example/put', StackId: 's', RequestId: 'r', LogicalResourceId: 'EmptyAccessLogs', PhysicalResourceId: 'p', ResourceType: 'AWS::CloudFormation::CustomResource', ServiceToken: 'x', ResourceProperties: { ServiceToken: 'x' } } as CloudFormationCustomResourceEvent);
    expect(answers).toEqual([expect.objectContaining({ Status: 'SUCCESS', Reason: 'emptied the bucket: 3 versions deleted' })]);
    const left = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
    expect([...(left.Versions ?? []), ...(left.DeleteMarkers ?? [])]).toEqual([]);
    await expect(s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).rejects.toMatchObject({ name: 'NoSuchBucketPolicy' });
    // What CloudFormation does next: delete the (already gone) policy, then the bucket.
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    s3.destroy();
  });
});
