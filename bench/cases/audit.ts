/**
 * `wardflow audit verify` over the benchmark archive: the archive's events as the archiver
 * writes them (objects of ARCHIVE_RECORDS_PER_OBJECT stream records, encoded by
 * `encodeArchiveBatch`), verified by the command's own core, `ArchiveVerifier`, from text:
 * JSON.parse per object, structure checks, one hashEvent per event, the chain bookkeeping.
 */
import { ARCHIVE_FORMAT, type ArchiveBatch, type ArchivedRecord, archiveObjectKey, encodeArchiveBatch } from '../../functions/shared/audit/archive-format.js';
import type { StoredEvent } from '../../functions/shared/events/event.js';
import { verifyArchive } from '../../lib/audit/verify-archive.js';
import type { Archive } from '../fixtures/events.js';
import type { BenchCase } from '../harness.js';

/** A batch of the events table's stream as the archiver receives it (the mapping's default batch size is 100). */
export const ARCHIVE_RECORDS_PER_OBJECT = 100;

export const AUDIT_ROW = {
  verify: 'audit verify (parse + verify)',
  reencoded: 'audit verify, each event re-encoded (no layout proof)',
} as const;

const SOURCE = 'arn:aws:dynamodb:eu-west-1:123456789012:table/wardflow-bench-events/stream/2025-01-01T00:00:00.000';

/** An archive object as `wardflow audit verify` reads it. */
export interface ArchiveObjectText {
  key: string;
  text: string;
}

/**
 * The archive's events in the order the table's stream delivers them (append time), with
 * increasing sequence numbers, cut into objects of `perObject` records.
 *
 * @example
 * const objects = archiveObjects(buildArchive(1000)); // 10 objects
 */
export function archiveObjects(archive: Archive, perObject = ARCHIVE_RECORDS_PER_OBJECT): ArchiveObjectText[] {
  const events = [...archive.events].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  const records: ArchivedRecord[] = events.map((event: StoredEvent, i) => ({
    sequenceNumber: String(100_000_000_000_000_000_000n + BigInt(i)),
    change: 'INSERT',
    // The stream record is created a moment after the event's own time.
    approximateCreationTime: Math.floor(Date.parse(event.time) / 1000) + 1,
    stream: event.stream,
    version: event.version,
    event,
  }));
  const objects: ArchiveObjectText[] = [];
  for (let i = 0; i < records.length; i += perObject) {
    const batch: ArchiveBatch = { format: ARCHIVE_FORMAT, source: SOURCE, records: records.slice(i, i + perObject) };
    objects.push({ key: archiveObjectKey(batch), text: encodeArchiveBatch(batch) });
  }
  return objects;
}

/**
 * Verify the whole archive from its objects' text, without the store comparison (the archive
 * alone, as an auditor without table access runs it): as the archiver writes objects, and the
 * same objects reformatted, where each event's hash is recomputed from the parsed event.
 *
 * @example
 * const result = await measure(auditCases(archive)[0]!);
 */
export function auditCases(archive: Archive): BenchCase[] {
  const objects = archiveObjects(archive);
  // The same objects without the archiver's line layout: the byte proof cannot vouch for them, so every event is re-encoded.
  const reformatted = objects.map(({ key, text }) => ({ key, text: JSON.stringify(JSON.parse(text)) }));
  const total = archive.events.length;
  const verifyCase = (name: string, texts: ArchiveObjectText[]): BenchCase => ({
    name,
    n: total,
    setup: () => () => {
      const report = verifyArchive(texts, { compareWithStore: false });
      // A correctness guard, not a timing assertion: a failing archive means nothing real was measured.
      if (!report.ok || report.events !== total) throw new RangeError(`bench archive: ${report.events} of ${total} events verified, ${report.problems} problems`);
    },
  });
  return [verifyCase(AUDIT_ROW.verify, objects), verifyCase(AUDIT_ROW.reencoded, reformatted)];
}
