import { hash } from 'node:crypto';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler, useS3Client } from '../../../functions/audit-archiver/handler.js';
import { s3ArchiveWriter } from '../../../functions/shared/audit/s3-archive-writer.js';
import { captureOutput } from '../../integration/handlers/harness.js';
import { insertRecords } from '../../support/stream-records.js';
import { PLANTED_SECRET, testSealer, tickingClock } from '../events/event-fixtures.js';
import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';

const s3 = mockClient(S3Client);
const AUDIT_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const context = { awsRequestId: 'req-1', functionName: 'audit-archiver' } as Context;

function preconditionFailed(): S3ServiceException {
  return new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 }, message: 'At least one of the pre-conditions you specified did not hold' });
}

/** Events whose clear data and sealed part both carry the planted value. */
async function plantedEvents(n: number) {
  const store = new InMemoryEventStore({ sealer: testSealer(), now: tickingClock() });
  for (let v = 0; v < n; v++) {
    await store.append('execution#planted', v, [
      { type: 'StepSucceeded', actor: 'step:x', data: { note: PLANTED_SECRET }, sensitive: { secret: PLANTED_SECRET } },
    ]);
  }
  return store.read('execution#planted');
}

beforeEach(() => s3.reset());

describe('s3ArchiveWriter', () => {
  it('PUTs once, conditionally, with the body\'s SHA-256 and SSE-KMS under the audit key', async () => {
    s3.on(PutObjectCommand).resolves({});
    const write = s3ArchiveWriter({ client: new S3Client({ region: 'eu-west-1' }), bucket: 'audit', kmsKeyId: AUDIT_KEY });
    expect(await write('events/k.json', '{"a":1}\n')).toBe('written');
    const input = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      Bucket: 'audit',
      Key: 'events/k.json',
      IfNoneMatch: '*',
      ChecksumAlgorithm: 'SHA256',
      ChecksumSHA256: hash('sha256', '{"a":1}\n', 'base64'),
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: AUDIT_KEY,
      BucketKeyEnabled: true,
      ContentType: 'application/json',
    });
    expect(input).not.toHaveProperty('ObjectLockMode');
  });

  it('leaves encryption to the bucket when no key is given (the local runtime)', async () => {
    s3.on(PutObjectCommand).resolves({});
    await s3ArchiveWriter({ client: new S3Client({ region: 'eu-west-1' }), bucket: 'audit' })('events/k.json', 'x');
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).not.toHaveProperty('ServerSideEncryption');
  });

  it('takes 412 Precondition Failed as "already archived" and passes every other error on', async () => {
    const write = s3ArchiveWriter({ client: new S3Client({ region: 'eu-west-1' }), bucket: 'audit' });
    s3.on(PutObjectCommand).rejects(preconditionFailed());
    expect(await write('events/k.json', 'x')).toBe('existed');
    s3.on(PutObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } }));
    await expect(write('events/k.json', 'x')).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

describe('the audit-archiver handler', () => {
  let output: string[];
  beforeEach(() => {
    output = captureOutput();
    vi.stubEnv('AUDIT_BUCKET', 'audit');
    vi.stubEnv('AUDIT_KMS_KEY_ID', AUDIT_KEY);
    useS3Client(new S3Client({ region: 'eu-west-1' }));
  });
  afterEach(() => {
    useS3Client(undefined);
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('archives a batch, reports no failures, and logs the key and count but no event content', async () => {
    s3.on(PutObjectCommand).resolves({});
    const records = insertRecords(await plantedEvents(3));
    expect(await handler({ Records: records }, context)).toEqual({ batchItemFailures: [] });
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(String(put.Body)).toContain(PLANTED_SECRET); // the archive holds the event as stored ...
    const logs = output.join('');
    expect(logs).toContain(put.Key!);
    expect(logs).toContain('"records":3');
    expect(logs).not.toContain(PLANTED_SECRET); // ... the logs never do
    expect(logs).not.toContain(records[0]!.dynamodb!.NewImage!.sealed!.S!);
  });

  it('reports a poison record by its sequence number and logs why without its content', async () => {
    s3.on(PutObjectCommand).resolves({});
    const records = insertRecords(await plantedEvents(3));
    delete records[1]!.dynamodb!.NewImage!.hash;
    const answer = await handler({ Records: records }, context);
    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }]);
    const logs = output.join('');
    expect(logs).toMatch(/cannot be archived/);
    expect(logs).toContain(records[1]!.dynamodb!.SequenceNumber);
    expect(logs).not.toContain(PLANTED_SECRET);
  });

  it('fails the invocation when S3 refuses the write, naming the error but no content', async () => {
    s3.on(PutObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 } }));
    await expect(handler({ Records: insertRecords(await plantedEvents(2)) }, context)).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(output.join('')).toMatch(/"errorName":"AccessDenied"/);
    expect(output.join('')).not.toContain(PLANTED_SECRET);
  });

  it('refuses to run without AUDIT_BUCKET', async () => {
    vi.stubEnv('AUDIT_BUCKET', '');
    await expect(handler({ Records: insertRecords(await plantedEvents(1)) }, context)).rejects.toThrow(/AUDIT_BUCKET is not set/);
  });
});
