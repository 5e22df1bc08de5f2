import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ARCHIVE_PREFIX, archiveHourPrefix, isArchiveObjectKey } from '../../functions/shared/audit/archive-format.js';

/** An archive object as read: its key, its text and the SHA-256 checksum S3 keeps with it (base64), when it has one. */
export interface ArchiveObject {
  key: string;
  text: string;
  checksumSha256?: string;
}

/** What `listArchiveKeys` found: archive keys in order, and anything else under the prefix (named, never read). */
export interface ArchiveListing {
  keys: string[];
  /** Keys under events/ that `archiveObjectKey` cannot have made: a verifier reports them. */
  foreign: string[];
}

/**
 * Lists the archive objects of a bucket in key order, which is time then stream position.
 * With `hours`, only the objects whose key hour lies from `hours.from` to `hours.to` (inclusive):
 * S3 lists keys in UTF-8 order, so listing starts after the hour before `from` and stops at
 * the first key beyond `to`'s hour.
 *
 * @example
 * const { keys } = await listArchiveKeys(s3, bucket);
 */
export async function listArchiveKeys(s3: S3Client, bucket: string, hours: { from?: Date; to?: Date } = {}): Promise<ArchiveListing> {
  const keys: string[] = [];
  const foreign: string[] = [];
  // '/' sorts before digits, so every key of the `from` hour comes after its bare prefix.
  const startAfter = hours.from === undefined ? undefined : archiveHourPrefix(hours.from);
  // '~' sorts after every digit and '/': the last key of the `to` hour is below this bound.
  const endBefore = hours.to === undefined ? undefined : `${archiveHourPrefix(hours.to)}~`;
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: ARCHIVE_PREFIX, StartAfter: startAfter, ContinuationToken: token }),
    );
    for (const { Key: key } of page.Contents ?? []) {
      if (key === undefined) continue;
      if (endBefore !== undefined && key >= endBefore) return { keys, foreign };
      (isArchiveObjectKey(key) ? keys : foreign).push(key);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return { keys, foreign };
}

/**
 * Reads one archive object. `ChecksumMode: ENABLED` makes S3 return the SHA-256 stored at PUT
 * time and the SDK check the body against it, so a body altered in storage or in transit fails
 * here, before any hash is recomputed.
 *
 * @example
 * const { text } = await readArchiveObject(s3, bucket, key);
 */
export async function readArchiveObject(s3: S3Client, bucket: string, key: string): Promise<ArchiveObject> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  const text = (await answer.Body?.transformToString('utf8')) ?? '';
  return answer.ChecksumSHA256 === undefined ? { key, text } : { key, text, checksumSha256: answer.ChecksumSHA256 };
}
