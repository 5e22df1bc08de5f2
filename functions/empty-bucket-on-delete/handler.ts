import { DeleteBucketPolicyCommand, DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { requireEnv } from '../shared/config.js';
import { environmentClient } from '../shared/environment-clients.js';
import { createStepLogger } from '../shared/middleware/logger.js';
import { Redactor } from '../shared/middleware/redact.js';

export const EMPTY_BUCKET_STEP = 'empty-bucket-on-delete';

const logger = createStepLogger({ step: EMPTY_BUCKET_STEP, redactor: new Redactor() });
const s3 = environmentClient(() => new S3Client({}));

/** Replaces the S3 client (tests); `undefined` goes back to the one built from the environment. */
export const useS3Client = (client: S3Client | undefined): void => s3.use(client);

/** How the answer reaches CloudFormation: a PUT to the pre-signed ResponseURL (replaced in tests). */
let respond: (url: string, body: string) => Promise<void> = async (url, body) => {
  const answer = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
  if (!answer.ok) throw new Error(`CloudFormation's response URL answered ${answer.status}`);
};
export const useResponder = (responder: ((url: string, body: string) => Promise<void>) | undefined): void => {
  respond = responder ?? (async (url, body) => {
    const answer = await fetch(url, { method: 'PUT', body, headers: { 'content-type': '' } });
    if (!answer.ok) throw new Error(`CloudFormation's response URL answered ${answer.status}`);
  });
};

/**
 * A CloudFormation custom resource that empties one bucket (BUCKET_NAME) when it is deleted, so that
 * CloudFormation can then delete the bucket: a dev stack's access-log bucket (lib/constructs/empty-bucket-on-delete.ts).
 * Create and Update do nothing. Delete first removes the bucket's policy, which is what lets S3 deliver
 * server access logs into it, so no log lands between emptying and the bucket's deletion (the policy
 * resource is deleted by CloudFormation right after this one, and deleting a policy that is gone is not
 * an error); then deletes every version and delete marker, 1,000 at a time.
 *
 * The bucket is named by the function's environment, not by the event: a forged event cannot point it at
 * another bucket, and its role may touch this one bucket only. Logs counts and error names, never keys.
 */
export async function handler(event: CloudFormationCustomResourceEvent, context?: Context): Promise<void> {
  logger.setLogLevel((process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO');
  if (context !== undefined) logger.addContext(context);
  const physicalId = event.RequestType === 'Create' ? `empty-on-delete-${event.LogicalResourceId}` : event.PhysicalResourceId;
  let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
  let reason = 'nothing to do';
  try {
    if (event.RequestType === 'Delete') {
      const deleted = await emptyBucket(requireEnv('BUCKET_NAME'));
      reason = `emptied the bucket: ${deleted} versions deleted`;
      logger.info('emptied the bucket so the stack can delete it', { deleted });
    }
  } catch (error) {
    status = 'FAILED';
    const name = error instanceof Error ? error.name : 'Error';
    reason = `emptying the bucket failed (${name}); see the function's log group, then retry the stack deletion`;
    logger.error('emptying the bucket failed', { errorName: name });
  }
  await respond(
    event.ResponseURL,
    JSON.stringify({ Status: status, Reason: reason, PhysicalResourceId: physicalId, StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId }),
  );
}

/** Removes the bucket's policy (no more log delivery), then every object version and delete marker; returns how many. */
async function emptyBucket(bucket: string): Promise<number> {
  const client = s3.get();
  await client.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
  let deleted = 0;
  for (;;) {
    const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].flatMap((v) => (v.Key === undefined ? [] : [{ Key: v.Key, VersionId: v.VersionId }]));
    if (objects.length === 0) return deleted;
    const answer = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects, Quiet: true } }));
    if ((answer.Errors ?? []).length > 0) throw Object.assign(new Error('some object versions could not be deleted'), { name: answer.Errors?.[0]?.Code ?? 'DeleteObjectsFailed' });
    deleted += objects.length;
  }
}
