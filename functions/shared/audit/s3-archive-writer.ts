import { hash } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ArchiveWriter } from './archive-stream-batch.js';

export interface S3ArchiveWriterOptions {
  client: S3Client;
  bucket: string;
  /**
   * The audit key for SSE-KMS, sent with every PUT so an object can never fall back to another
   * key if the bucket's default encryption were changed. Unset: the bucket's default applies
   * (the local runtime, whose s3rver does not encrypt).
   */
  kmsKeyId?: string;
}

/**
 * Writes archive objects to S3, once each.
 *
 * - `If-None-Match: *` makes the PUT conditional: S3 refuses it with 412 when the key exists,
 *   so a retried batch never adds a second version. A key names its batch's first and last
 *   sequence numbers, and stream records never change, so an existing object under that key
 *   holds these bytes: 412 means "already archived". (Checking would need s3:GetObject, and
 *   the archiver may only put; `wardflow audit verify` reads and proves every object.)
 * - The SHA-256 of the body travels as `x-amz-checksum-sha256`: S3 recomputes it and refuses
 *   the PUT on a mismatch, and keeps it with the object for every later read. Object Lock
 *   buckets require a checksum (or Content-MD5) on every PUT anyway.
 * - Retention is not set here: the bucket's default Object Lock retention (COMPLIANCE) applies
 *   to every new object, so the role needs no s3:PutObjectRetention.
 *
 * @example
 * const write = s3ArchiveWriter({ client: new S3Client({}), bucket, kmsKeyId });
 * await write('events/2026/…json', body); // 'written' | 'existed'
 */
export function s3ArchiveWriter(options: S3ArchiveWriterOptions): ArchiveWriter {
  const { client, bucket, kmsKeyId } = options;
  return async (key, body) => {
    const bytes = Buffer.from(body, 'utf8');
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: bytes,
          ContentType: 'application/json',
          ChecksumAlgorithm: 'SHA256',
          ChecksumSHA256: hash('sha256', bytes, 'base64'),
          IfNoneMatch: '*',
          ...(kmsKeyId === undefined ? {} : { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId, BucketKeyEnabled: true }),
        }),
      );
      return 'written';
    } catch (error) {
      if (isPreconditionFailed(error)) return 'existed';
      throw error;
    }
  };
}

function isPreconditionFailed(error: unknown): boolean {
  const failure = error as { name?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  return failure?.name === 'PreconditionFailed' || failure?.$metadata?.httpStatusCode === 412;
}
