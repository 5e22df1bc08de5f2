import type { S3Client } from '@aws-sdk/client-s3';
import { type ArchiveObject, readArchiveObject } from './archive-reader.js';
import { unreadableObjectReason } from './verify-errors.js';

/** One object as read: its text, or why S3 could not give it as stored. */
export type ReadOutcome = { key: string; object: ArchiveObject } | { key: string; unreadable: string };

/** GETs in flight at once: S3 answers each in tens of milliseconds, and the verifier keeps up with many. */
export const READ_CONCURRENCY = 8;

/**
 * The archive objects of `keys`, in the order given (key order), read `concurrency` at a time so
 * a large archive is not read one round trip after another. An object whose bytes fail S3's
 * stored checksum, or that vanished since the listing, comes back as `unreadable` (a problem of
 * that object); any other failure (no permission, no network) ends the iteration with that error.
 *
 * @example
 * for await (const outcome of readArchiveObjects(s3, bucket, keys)) {
 *   if ('object' in outcome) verifier.addObject(outcome.key, outcome.object.text);
 * }
 */
export function readArchiveObjects(s3: S3Client, bucket: string, keys: readonly string[], concurrency = READ_CONCURRENCY): AsyncGenerator<ReadOutcome> {
  return readInKeyOrder((key) => readArchiveObject(s3, bucket, key), keys, concurrency);
}

/**
 * The same over any reader of one object (`wardflow audit export` reads through its
 * ArchiveSource, which tests replace): reads ahead `concurrency` objects, yields them in the
 * order of `keys`.
 *
 * @example
 * for await (const outcome of readInKeyOrder(source.read, keys)) ...
 */
export async function* readInKeyOrder(
  readObject: (key: string) => Promise<ArchiveObject>,
  keys: readonly string[],
  concurrency = READ_CONCURRENCY,
): AsyncGenerator<ReadOutcome> {
  // Each read settles to a value, never rejects: a failure while an earlier read is awaited must not be an unhandled rejection.
  type Settled = ReadOutcome | { key: string; error: unknown };
  const read = (key: string): Promise<Settled> =>
    readObject(key).then(
      (object) => ({ key, object }),
      (error: unknown) => {
        const unreadable = unreadableObjectReason(error);
        return unreadable === undefined ? { key, error } : { key, unreadable };
      },
    );
  const inFlight: Promise<Settled>[] = [];
  let next = 0;
  while (next < keys.length && inFlight.length < concurrency) inFlight.push(read(keys[next++] as string));
  while (inFlight.length > 0) {
    const settled = await (inFlight.shift() as Promise<Settled>);
    if ('error' in settled) throw settled.error;
    if (next < keys.length) inFlight.push(read(keys[next++] as string));
    yield settled;
  }
}
