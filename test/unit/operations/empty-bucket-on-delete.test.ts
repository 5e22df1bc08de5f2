import { DeleteBucketPolicyCommand, DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler, useResponder } from '../../../functions/empty-bucket-on-delete/handler.js';

const s3 = mockClient(S3Client);
const base = { ServiceToken: 'arn:fn', ResponseURL: 'https://cfn-response.example/put', StackId: 'stack-1', RequestId: 'req-1', LogicalResourceId: 'EmptyAccessLogs', ResourceType: 'AWS::CloudFormation::CustomResource', ResourceProperties: { ServiceToken: 'arn:fn' } };
const deleteEvent = { ...base, RequestType: 'Delete', PhysicalResourceId: 'empty-on-delete-EmptyAccessLogs' } as CloudFormationCustomResourceEvent;

let answers: Array<{ url: string; body: Record<string, unknown> }>;
beforeEach(() => {
  s3.reset();
  answers = [];
  useResponder(async (url, body) => {
    answers.push({ url, body: JSON.parse(body) as Record<string, unknown> });
  });
  vi.stubEnv('BUCKET_NAME', 'dev-access-logs');
  for (const stream of [process.stdout, process.stderr]) vi.spyOn(stream, 'write').mockImplementation(() => true);
});
afterEach(() => {
  useResponder(undefined);
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('empty-bucket-on-delete (the dev access-log bucket)', () => {
  it('does nothing on Create, and answers CloudFormation SUCCESS', async () => {
    await handler({ ...base, RequestType: 'Create' } as CloudFormationCustomResourceEvent);
    expect(s3.calls()).toHaveLength(0);
    expect(answers).toEqual([{ url: base.ResponseURL, body: expect.objectContaining({ Status: 'SUCCESS', PhysicalResourceId: 'empty-on-delete-EmptyAccessLogs', RequestId: 'req-1' }) }]);
  });

  it('on Delete stops log delivery (removes the policy) first, then deletes every version and delete marker of its own bucket', async () => {
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({ Versions: [{ Key: 'a', VersionId: '1' }], DeleteMarkers: [{ Key: 'b', VersionId: '2' }] })
      .resolvesOnce({});
    s3.on(DeleteObjectsCommand).resolves({});
    await handler(deleteEvent);
    expect(s3.calls().map((c) => c.args[0].constructor.name)).toEqual(['DeleteBucketPolicyCommand', 'ListObjectVersionsCommand', 'DeleteObjectsCommand', 'ListObjectVersionsCommand']);
    expect(s3.commandCalls(DeleteBucketPolicyCommand)[0]!.args[0].input).toEqual({ Bucket: 'dev-access-logs' });
    expect(s3.commandCalls(DeleteObjectsCommand)[0]!.args[0].input).toEqual({ Bucket: 'dev-access-logs', Delete: { Objects: [{ Key: 'a', VersionId: '1' }, { Key: 'b', VersionId: '2' }], Quiet: true } });
    expect(answers[0]!.body).toMatchObject({ Status: 'SUCCESS', Reason: 'emptied the bucket: 2 versions deleted' });
  });

  it('answers FAILED with the error name when S3 refuses, so the stack deletion stops with a reason instead of hanging', async () => {
    s3.on(DeleteBucketPolicyCommand).rejects(Object.assign(new Error('denied for arn:aws:iam::111111111111:role/x'), { name: 'AccessDenied' }));
    await handler(deleteEvent);
    expect(answers[0]!.body).toMatchObject({ Status: 'FAILED' });
    expect(String(answers[0]!.body.Reason)).toContain('AccessDenied');
    expect(String(answers[0]!.body.Reason)).not.toContain('arn:aws:iam');
  });
});
