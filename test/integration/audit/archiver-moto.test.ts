import { hash } from 'node:crypto';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { handler, useS3Client } from '../../../functions/audit-archiver/handler.js';
import { parseArchiveBatch } from '../../../functions/shared/audit/archive-format.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../../support/dynalite.js';
import { describeWithMoto } from '../../support/moto.js';
import { insertRecords } from '../../support/stream-records.js';
import { validStream } from '../../unit/events/event-fixtures.js';
import { silenceOutput } from '../handlers/harness.js';

const BUCKET = 'wardflow-test-audit';
const RETENTION_DAYS = 3;
const context = { awsRequestId: 'req-moto', functionName: 'audit-archiver' } as Context;

describeWithMoto('the archiver writes to an Object Lock bucket', (moto) => {
  let s3: S3Client;
  let keyArn: string;
  let key: string;
  let body: string;
  let writtenAt: number;
  const records = () => insertRecords(events);
  let events: Awaited<ReturnType<typeof validStream>>;

  beforeAll(async () => {
    const client = { endpoint: moto().endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS };
    s3 = new S3Client({ ...client, forcePathStyle: true });
    keyArn = (await new KMSClient(client).send(new CreateKeyCommand({ Description: 'audit' }))).KeyMetadata!.Arn!;
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectLockEnabledForBucket: true }));
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: BUCKET,
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: RETENTION_DAYS } } },
      }),
    );
    vi.stubEnv('AUDIT_BUCKET', BUCKET);
    vi.stubEnv('AUDIT_KMS_KEY_ID', keyArn);
    useS3Client(s3);
    silenceOutput();
    events = await validStream(4, 'execution#moto-archive');
    writtenAt = Date.now();
    expect(await handler({ Records: records() }, context)).toEqual({ batchItemFailures: [] });
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
    expect(versions.Versions).toHaveLength(1);
    key = versions.Versions![0]!.Key!;
    body = await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();
  });

  afterAll(() => {
    useS3Client(undefined);
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('stores the batch as one object holding every event', () => {
    expect(parseArchiveBatch(body, key).records.map((r) => r.event)).toEqual(events);
  });

  it('stores the SHA-256 checksum sent with the PUT, and the object is SSE-KMS under the audit key', async () => {
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
    expect(head.ChecksumSHA256).toBe(hash('sha256', body, 'base64'));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toBe(keyArn);
  });

  it('keeps the object under COMPLIANCE retention from the bucket default', async () => {
    // HeadObject carries the object's lock: moto 5.2 does not implement GetObjectRetention (its answer is not XML).
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    const until = new Date(head.ObjectLockRetainUntilDate!).getTime();
    const expected = writtenAt + RETENTION_DAYS * 86_400_000;
    expect(Math.abs(until - expected)).toBeLessThan(3_600_000);
  });

  it('writes a retried batch no second time: the conditional PUT finds the key and the bucket keeps one version', async () => {
    expect(await handler({ Records: records() }, context)).toEqual({ batchItemFailures: [] });
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
    expect(versions.Versions?.map((v) => v.Key)).toEqual([key]);
  });

  it('refuses to delete the object version while it is retained', async () => {
    const versions = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
    const versionId = versions.Versions![0]!.VersionId!;
    await expect(s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key, VersionId: versionId }))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    const after = await s3.send(new ListObjectVersionsCommand({ Bucket: BUCKET }));
    expect(after.Versions?.map((v) => v.VersionId)).toEqual([versionId]);
  });
});
