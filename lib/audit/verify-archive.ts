import {
  type ArchiveBatch,
  type ArchivedRecord,
  ArchiveObjectInvalid,
  archiveObjectKey,
  isArchiveObjectKey,
  parseArchiveBatch,
} from '../../functions/shared/audit/archive-format.js';
import { hashEvent } from '../../functions/shared/events/canonical.js';
import type { StoredEvent } from '../../functions/shared/events/event.js';
import { archivedHashesProven } from './archived-text-proof.js';
import { AFTER_THE_ARCHIVE, type AuditProblem, ProblemLog, type ReportProblem } from './verify-problems.js';
import { compareWithStore } from './verify-store.js';
import { ArchivedStream, StoredStream, trackOf } from './verify-tracks.js';

/**
 * How long an event appended to the store may go unarchived before it counts as missing: the
 * table's stream and the archiver lag by seconds; five minutes leaves room for retries.
 */
export const DEFAULT_SETTLE_SECONDS = 300;

export interface VerifyArchiveOptions {
  /** Only events whose `time` is at or after this are checked. */
  from?: Date;
  /** Only events whose `time` is before this are checked. */
  to?: Date;
  /**
   * Whether the event store's events will be given (`addStoreEvent`) and compared. Without it
   * (`--archive-only`) an event missing from the archive's end, or a whole stream, cannot be seen.
   * @default true
   */
  compareWithStore?: boolean;
  /** A store event younger than this and not archived is "pending", not missing. @default DEFAULT_SETTLE_SECONDS */
  settleSeconds?: number;
  /**
   * The time the archive was listed, from which "younger" counts: an event appended after the
   * listing cannot be in it however long the store scan takes. @default new Date() when finishing
   */
  now?: Date;
  /** How many problems the report lists (all are counted). @default 20 */
  listProblems?: number;
}

/** What `wardflow audit verify` found. Counts, times and places; never event content. */
export interface ArchiveVerification {
  ok: boolean;
  /** Archive objects read (foreign keys included). */
  objects: number;
  /** Stream records in them, in the window or not. */
  records: number;
  /** Distinct events verified (in the window; a duplicate copy counts once). */
  events: number;
  /** Streams with at least one event in the window. */
  streams: number;
  /** Extra copies of an archived event with the same hash (a re-delivered batch): harmless, counted. */
  duplicates: number;
  /** Records outside the window (read because their object's hour overlaps it), not checked. */
  outsideWindow: number;
  /** Store events not archived yet but younger than the settle time. */
  pending: number;
  firstEventTime: string | null;
  lastEventTime: string | null;
  window: { from: string | null; to: string | null };
  store:
    | { compared: false; reason: string }
    | { compared: true; events: number; settleSeconds: number; linkedBeforeWindow: number };
  /** Streams whose first event in the window links to one before --from that nothing here could check (--archive-only). */
  unlinkedAtWindowStart: number;
  /** Every problem found. */
  problems: number;
  /** The first problem in archive order, and up to `listProblems` in all. */
  firstProblem: AuditProblem | null;
  listedProblems: AuditProblem[];
}

/**
 * Checks an audit archive, object by object in key order, against itself and, unless told not
 * to, against the event store. Pure and synchronous: the caller reads S3 and DynamoDB (see
 * lib/cli/commands/audit-verify.ts) and feeds what it read, so progress can be shown and nothing
 * has to be held twice.
 *
 * What it proves, naming the FIRST bad event (stream, version, object, what is wrong):
 * - every object is a valid archive batch, under the key the archiver gives its records;
 * - every event's hash matches its content;
 * - per stream, in archive order: versions 1..n, none missing, none out of order, each
 *   `prevHash` the previous version's hash; a version archived twice with the same hash is a
 *   re-delivered batch (counted), with different content a forgery (a problem);
 * - no record says the table item was changed (MODIFY) or deleted (REMOVE) after its append;
 * - the store and the archive hold the same events with the same hashes, except store events
 *   younger than the settle time (pending).
 *
 * Cost per event: the JSON.parse of its object, one SHA-256 (over the archived bytes when
 * `archivedHashesProven` can vouch for them, else `hashEvent` of the parsed event), a few array slots.
 *
 * @example
 * const verifier = new ArchiveVerifier({ from: new Date('2026-11-01'), now: listedAt });
 * for (const key of keys) verifier.addObject(key, await read(key));
 * for await (const event of scanStore()) verifier.addStoreEvent(event);
 * const report = verifier.finish();
 */
export class ArchiveVerifier {
  private readonly fromIso: string | undefined;
  private readonly toIso: string | undefined;
  private readonly compareWithStore: boolean;
  private readonly settleSeconds: number;
  private readonly now: Date | undefined;
  private readonly problemLog: ProblemLog;

  private readonly archived = new Map<string, ArchivedStream>();
  private readonly stored = new Map<string, StoredStream>();
  /** Object keys and the position of each one's first record: a position's object is found by binary search. */
  private readonly keys: string[] = [];
  private readonly objectStarts: number[] = [];
  private position = 0;
  private counts = { objects: 0, events: 0, duplicates: 0, outsideWindow: 0, storeEvents: 0 };
  private firstTime: string | null = null;
  private lastTime: string | null = null;
  private finished = false;
  /** A problem at a record's position, named with that record's object; or, without a position, after the archive. */
  private readonly report: ReportProblem = (position, problem, tiebreak) =>
    this.problemLog.add(position ?? AFTER_THE_ARCHIVE, position === undefined ? problem : { ...problem, key: this.keyAt(position) }, tiebreak);

  constructor(options: VerifyArchiveOptions = {}) {
    this.fromIso = options.from?.toISOString();
    this.toIso = options.to?.toISOString();
    this.compareWithStore = options.compareWithStore ?? true;
    this.settleSeconds = options.settleSeconds ?? DEFAULT_SETTLE_SECONDS;
    this.now = options.now;
    this.problemLog = new ProblemLog(options.listProblems ?? 20);
  }

  /** Events verified so far: for progress lines. */
  get eventsVerified(): number {
    return this.counts.events;
  }

  /** Adds one archive object, by key, in key order (the order S3 lists them). */
  addObject(key: string, text: string): void {
    const start = this.position;
    this.counts.objects++;
    this.keys.push(key);
    this.objectStarts.push(start);
    // An object's own problems rank before those of its records.
    const objectPosition = start - 0.5;
    let batch: ArchiveBatch;
    try {
      batch = parseArchiveBatch(text, key);
    } catch (error) {
      if (!(error instanceof ArchiveObjectInvalid)) throw error;
      this.problemLog.add(objectPosition, { key, reason: `${error.reason}; none of its events could be checked` });
      return;
    }
    const misnamed = this.keyMismatch(key, batch);
    if (misnamed !== undefined) this.problemLog.add(objectPosition, { key, reason: misnamed });

    // One check per object when its bytes prove every claimed hash; otherwise one hashEvent per event.
    const hashesProven = archivedHashesProven(text, batch);
    const records = batch.records;
    let previousSequence = '';
    for (let i = 0; i < records.length; i++) {
      const record = records[i] as ArchivedRecord;
      const position = this.position++;
      if (i > 0 && !sequenceAfter(record.sequenceNumber, previousSequence)) {
        this.problemLog.add(position, {
          stream: record.stream,
          version: record.version,
          key,
          sequenceNumber: record.sequenceNumber,
          reason: `stream record ${record.sequenceNumber} does not follow ${previousSequence} in its object: records were reordered within the object`,
        });
      }
      previousSequence = record.sequenceNumber;
      if (record.change !== 'INSERT') {
        this.changedItem(record, key, position);
        continue;
      }
      const event = record.event as StoredEvent;
      const time = event.time;
      if ((this.fromIso !== undefined && time < this.fromIso) || (this.toIso !== undefined && time >= this.toIso)) {
        this.counts.outsideWindow++;
        continue;
      }
      this.addEvent(event, key, position, hashesProven);
    }
  }

  /**
   * An object that could not be read as stored: S3 answered with bytes that do not match the
   * SHA-256 it keeps with the object (checked by the SDK with ChecksumMode ENABLED). The reason
   * names the check, never content.
   */
  addUnreadableObject(key: string, reason: string): void {
    this.counts.objects++;
    this.keys.push(key);
    this.objectStarts.push(this.position);
    this.problemLog.add(this.position - 0.5, { key, reason: `${reason}; none of its events could be checked` });
  }

  /**
   * A key under events/ that is not an archive object's key (listArchiveKeys' `foreign`): an
   * object renamed out of the archive's naming, or an upload that does not belong. Not read.
   */
  addForeignKey(key: string): void {
    this.counts.objects++;
    this.problemLog.add(this.position - 0.5, {
      key,
      reason: 'this object under events/ is not named as the archiver names objects: an archive object was renamed, or something else was uploaded',
    });
  }

  /** Adds one event as the event store holds it (any order). */
  addStoreEvent(event: StoredEvent): void {
    const track = trackOf(this.stored, event.stream, () => new StoredStream());
    if (this.fromIso !== undefined && event.time < this.fromIso) {
      if (track.beforeWindow === undefined || event.version > track.beforeWindow.version) track.beforeWindow = { version: event.version, hash: event.hash };
      return;
    }
    if (this.toIso !== undefined && event.time >= this.toIso) return;
    const i = event.version - 1;
    track.hashes[i] = event.hash;
    track.times[i] = event.time;
    track.intact[i] = hashEvent(event) === event.hash;
    this.counts.storeEvents++;
  }

  /** An item of the events table that is not an event (`fromItem` refused it): a failure, named by its key. */
  addStoreItemProblem(stream: string, version: number, reason: string): void {
    this.report(undefined, { stream, version, reason: `the event store's item is not an event (${reason})` });
  }

  /** Checks the chains and the store agreement, and reports. Call once, after everything was added. */
  finish(): ArchiveVerification {
    if (this.finished) throw new Error('ArchiveVerifier.finish() was already called');
    this.finished = true;
    let unlinked = 0;
    for (const [stream, track] of this.archived) unlinked += this.checkChain(stream, track);
    let linked = 0;
    let pending = 0;
    if (this.compareWithStore) {
      const settledBefore = new Date((this.now ?? new Date()).getTime() - this.settleSeconds * 1000);
      ({ linked, pending } = compareWithStore(this.archived, this.stored, { settledBefore, windowCuts: this.fromIso !== undefined }, this.report));
    }
    const problems = this.problemLog.sorted();
    return {
      ok: this.problemLog.count === 0,
      objects: this.counts.objects,
      records: this.position,
      events: this.counts.events,
      streams: this.archived.size,
      duplicates: this.counts.duplicates,
      outsideWindow: this.counts.outsideWindow,
      pending,
      firstEventTime: this.firstTime,
      lastEventTime: this.lastTime,
      window: { from: this.fromIso ?? null, to: this.toIso ?? null },
      store: this.compareWithStore
        ? { compared: true, events: this.counts.storeEvents, settleSeconds: this.settleSeconds, linkedBeforeWindow: linked }
        : { compared: false, reason: 'archive only: not compared with the event store' },
      unlinkedAtWindowStart: this.compareWithStore ? 0 : unlinked,
      problems: this.problemLog.count,
      firstProblem: problems[0] ?? null,
      listedProblems: problems,
    };
  }

  /** The hot path: at most one hash, one map lookup, three array slots. */
  private addEvent(event: StoredEvent, key: string, position: number, hashProven: boolean): void {
    const { stream, version } = event;
    if (!hashProven && hashEvent(event) !== event.hash) this.problemLog.add(position, { stream, version, key, reason: 'hash mismatch: content changed' });
    let track = this.archived.get(stream);
    if (track === undefined) this.archived.set(stream, (track = new ArchivedStream()));
    const i = version - 1;
    const known = track.hashes[i];
    if (known !== undefined) {
      if (known === event.hash) this.counts.duplicates++;
      else this.problemLog.add(position, { stream, version, key, reason: `version ${version} archived twice with different content (a forged or altered copy)` });
      return;
    }
    if (version < track.maxVersion) {
      this.problemLog.add(position, { stream, version, key, reason: `version ${version} archived out of order (after version ${track.maxVersion})` });
    } else {
      track.maxVersion = version;
    }
    if (version < track.minVersion) track.minVersion = version;
    track.hashes[i] = event.hash;
    track.positions[i] = position;
    // The link to the previous version now if it is here (the usual order), else once it is (checkChain).
    if (version === 1) {
      if (event.prevHash !== null) this.problemLog.add(position, { stream, version, key, reason: 'version 1 has a prevHash: the first event of a stream links to nothing' });
    } else if (track.has(version - 1)) {
      if (event.prevHash !== track.hashes[i - 1]) this.brokenLink(stream, version, position);
    } else {
      track.keepPrevHash(version, event.prevHash);
    }
    // A version that arrived before this one may be waiting for its link to this one.
    const next = track.prevHashKept(version + 1);
    if (next !== undefined && next !== event.hash) this.brokenLink(stream, version + 1, position);
    this.counts.events++;
    const time = event.time;
    if (this.firstTime === null || time < this.firstTime) this.firstTime = time;
    if (this.lastTime === null || time > this.lastTime) this.lastTime = time;
  }

  /** A MODIFY or REMOVE record: the table item changed after its append. Counted when in the window. */
  private changedItem(record: ArchivedRecord, key: string, position: number): void {
    const time = new Date(record.approximateCreationTime * 1000).toISOString();
    if ((this.fromIso !== undefined && time < this.fromIso) || (this.toIso !== undefined && time >= this.toIso)) {
      this.counts.outsideWindow++;
      return;
    }
    const what = record.change === 'MODIFY' ? 'changed after its append (a MODIFY record)' : 'deleted (a REMOVE record)';
    this.problemLog.add(position, {
      stream: record.stream,
      version: record.version,
      key,
      sequenceNumber: record.sequenceNumber,
      reason: `the event store's item of version ${record.version} was ${what}, stream record ${record.sequenceNumber}`,
    });
  }

  /** Why the key is not the one the archiver gives these records, if it is not. */
  private keyMismatch(key: string, batch: ArchiveBatch): string | undefined {
    if (!isArchiveObjectKey(key)) return 'the key is not named as the archiver names objects: the object was renamed';
    let expected: string;
    try {
      expected = archiveObjectKey(batch);
    } catch {
      return "the first record's creation time is not a time, so the key cannot be the archiver's";
    }
    if (expected === key) return undefined;
    return `the key does not match the object's records (the archiver would name it ${expected}): the object was renamed or moved, or records were added or removed`;
  }

  /** Versions of one stream, in the window (links were checked as they arrived). Returns 1 when its start links to an event before --from that is not checked here. */
  private checkChain(stream: string, track: ArchivedStream): number {
    const first = track.minVersion;
    let unlinked = 0;
    if (first > 1) {
      if (this.fromIso === undefined) {
        const position = track.positions[first - 1] as number;
        this.reportMissing(track, stream, 1, first - 1, position, `the archive's first event of the stream is version ${first}`);
      } else {
        unlinked = 1; // checked against the store, if compared (compareStore)
      }
    }
    for (let v = first + 1; v < track.maxVersion; v++) {
      if (track.has(v)) continue;
      let next = v + 1;
      while (!track.has(next)) next++;
      this.reportMissing(track, stream, v, next - 1, track.positions[next - 1] as number, `the archive goes from version ${v - 1} to version ${next}`);
      v = next;
    }
    return unlinked;
  }

  private brokenLink(stream: string, version: number, position: number): void {
    this.report(position, {
      stream,
      version,
      reason: `version ${version}'s prevHash is not the hash of version ${version - 1} (an event was altered and its hash recomputed, or one was inserted)`,
    });
  }

  private reportMissing(track: ArchivedStream, stream: string, from: number, to: number, position: number, context: string): void {
    for (let v = from; v <= to; v++) track.markMissing(v);
    const what = from === to ? `version ${from} missing` : `versions ${from} to ${to} missing`;
    this.report(position, { stream, version: from, reason: `${what} (${context})` });
  }

  /** The key of the object holding the record at `position`. */
  private keyAt(position: number): string {
    let low = 0;
    let high = this.objectStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if ((this.objectStarts[middle] as number) <= position) low = middle;
      else high = middle - 1;
    }
    return this.keys[low] ?? '';
  }
}

/** Decimal sequence numbers, compared as numbers: longer is larger, then digit by digit. */
function sequenceAfter(sequence: string, previous: string): boolean {
  return sequence.length === previous.length ? sequence > previous : sequence.length > previous.length;
}

/**
 * The whole verification in one call, for archives already in memory (tests, the benchmark).
 *
 * @example
 * const report = verifyArchive(objects, { storeEvents: await store.readAll() });
 * if (!report.ok) console.error(describeProblem(report.firstProblem!));
 */
export function verifyArchive(
  objects: Iterable<{ key: string; text: string }>,
  options: VerifyArchiveOptions & { storeEvents?: Iterable<StoredEvent>; foreignKeys?: Iterable<string> } = {},
): ArchiveVerification {
  const verifier = new ArchiveVerifier({ ...options, compareWithStore: options.compareWithStore ?? options.storeEvents !== undefined });
  for (const key of options.foreignKeys ?? []) verifier.addForeignKey(key);
  for (const { key, text } of objects) verifier.addObject(key, text);
  for (const event of options.storeEvents ?? []) verifier.addStoreEvent(event);
  return verifier.finish();
}
