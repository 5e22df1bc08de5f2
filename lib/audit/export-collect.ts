import type { S3Client } from '@aws-sdk/client-s3';
import { type ArchivedRecord, ArchiveObjectInvalid, parseArchiveBatch } from '../../functions/shared/audit/archive-format.js';
import type { StoredEvent } from '../../functions/shared/events/event.js';
import { type ArchiveObject, listArchiveKeys, readArchiveObject } from './archive-reader.js';
import { readInKeyOrder } from './read-archive-objects.js';
import { claimsSubject, conventionalStreams, type ExportSubject, type RelatedStream, relatedStreams, subjectStream } from './export-subject.js';

/** The archive object a record came from: its key and the SHA-256 (base64) S3 keeps with it, when S3 returned one. */
export interface SourceObject {
  key: string;
  checksumSha256?: string;
}

/** One archived record of a wanted stream, with the object it was read from. */
export interface CollectedRecord {
  record: ArchivedRecord;
  object: SourceObject;
}

/** An archive object that could not be read as an archive batch; the reason names no content. */
export interface UnreadableObject {
  key: string;
  reason: string;
}

/** Everything of the archive an export report needs, and nothing more. */
export interface ArchiveExtract {
  subject: ExportSubject;
  bucket: string;
  /** The subject's stream and its related streams: their records in archive order (object key order, then position). */
  streams: Map<string, CollectedRecord[]>;
  /** The related streams (not the subject's own), in the order a report shows them. */
  related: RelatedStream[];
  unreadable: UnreadableObject[];
  /** How many archive objects were read (the same object twice when a second pass was needed). */
  objectsRead: number;
}

/** Where the archive objects come from: the audit bucket (`s3ArchiveSource`), or objects held in memory by a test. */
export interface ArchiveSource {
  /** For the report: which bucket (or other store) this is. */
  bucket: string;
  /** Every archive object key, in key order. */
  listKeys(): Promise<string[]>;
  read(key: string): Promise<ArchiveObject>;
}

/**
 * The audit bucket as an archive source, read with lib/audit/archive-reader.ts (every read
 * checked against the SHA-256 S3 keeps with the object).
 *
 * @example
 * const source = s3ArchiveSource(connection.s3, connection.auditBucket());
 */
export function s3ArchiveSource(s3: S3Client, bucket: string): ArchiveSource {
  return {
    bucket,
    listKeys: async () => (await listArchiveKeys(s3, bucket)).keys,
    read: (key) => readArchiveObject(s3, bucket, key),
  };
}

export interface CollectOptions {
  /** How many objects are fetched at once. @default 8 */
  concurrency?: number;
}

/**
 * Reads the audit archive for one export: the subject's stream and the streams related to it.
 *
 * The archive is keyed by time, not by execution, so this reads EVERY archive object to find
 * one execution's events. That is acceptable for an auditor's one-off report; what must not
 * grow with the archive is memory, so only records of wanted streams are kept:
 * - pass 1 keeps the subject's stream and the streams its id names by convention
 *   (`<execution>-<gate>` approvals: their events can come before the event naming them), and
 *   notes, as names only, the approval streams whose events claim the execution;
 * - the subject's events then say which streams belong to the report (export-subject.ts); a
 *   wanted stream outside the convention (never written by the shipped workflow) was not kept
 *   from the start, so a second pass reads the archive again for exactly those.
 *
 * @example
 * const extract = await collectExportStreams(s3ArchiveSource(connection.s3, connection.auditBucket()), { kind: 'execution', id: 'e1' });
 */
export async function collectExportStreams(source: ArchiveSource, subject: ExportSubject, options: CollectOptions = {}): Promise<ArchiveExtract> {
  const concurrency = options.concurrency ?? 8;
  const keys = await source.listKeys();
  const own = subjectStream(subject);
  const conventional = conventionalStreams(subject);
  const claimed = new Set<string>();
  const unreadable = new Map<string, UnreadableObject>();
  let objectsRead = 0;

  const pass = async (keep: (record: ArchivedRecord) => boolean): Promise<Map<string, CollectedRecord[]>> => {
    const streams = new Map<string, CollectedRecord[]>();
    await forEachObject(source, keys, concurrency, (object, records) => {
      objectsRead++;
      if (records instanceof ArchiveObjectInvalid || typeof records === 'string') {
        unreadable.set(object.key, { key: object.key, reason: typeof records === 'string' ? records : records.reason });
        return;
      }
      for (const record of records) {
        if (!keep(record)) continue;
        const kept = streams.get(record.stream) ?? [];
        kept.push({ record, object });
        streams.set(record.stream, kept);
      }
    });
    return streams;
  };

  const first = await pass((record) => {
    if (claimsSubject(subject, record)) claimed.add(record.stream);
    return record.stream === own || conventional(record.stream);
  });
  const ownEvents = eventsOf(first.get(own) ?? []);
  const related = relatedStreams(subject, ownEvents, claimed);
  const streams = new Map<string, CollectedRecord[]>([[own, first.get(own) ?? []]]);
  const missed = new Set<string>();
  for (const { stream } of related) {
    if (conventional(stream)) streams.set(stream, first.get(stream) ?? []);
    else missed.add(stream);
  }
  if (missed.size > 0) {
    const second = await pass((record) => missed.has(record.stream));
    for (const stream of missed) streams.set(stream, second.get(stream) ?? []);
  }
  return { subject, bucket: source.bucket, streams, related, unreadable: [...unreadable.values()], objectsRead };
}

/**
 * The events of collected records (REMOVE records carry none).
 *
 * @example
 * const events = eventsOf(extract.streams.get('execution#e1') ?? []);
 */
export function eventsOf(records: readonly CollectedRecord[]): StoredEvent[] {
  return records.flatMap(({ record }) => (record.event === null ? [] : [record.event]));
}

/**
 * Hands each object to `visit` in key order (read ahead `concurrency` at a time, read-archive-objects.ts),
 * so the records arrive in archive order. An object that is not a valid archive batch, or that S3
 * could not give as stored (checksum mismatch, gone since the listing), is handed over as the
 * reason it cannot be read.
 */
async function forEachObject(
  source: ArchiveSource,
  keys: readonly string[],
  concurrency: number,
  visit: (object: SourceObject, records: readonly ArchivedRecord[] | ArchiveObjectInvalid | string) => void,
): Promise<void> {
  for await (const outcome of readInKeyOrder((key) => source.read(key), keys, concurrency)) {
    if ('unreadable' in outcome) {
      visit({ key: outcome.key }, outcome.unreadable);
      continue;
    }
    const { key, text, checksumSha256 } = outcome.object;
    const object: SourceObject = checksumSha256 === undefined ? { key } : { key, checksumSha256 };
    let records: readonly ArchivedRecord[] | ArchiveObjectInvalid;
    try {
      records = parseArchiveBatch(text, key).records;
    } catch (error) {
      if (!(error instanceof ArchiveObjectInvalid)) throw error;
      records = error;
    }
    visit(object, records);
  }
}
