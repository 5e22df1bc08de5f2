import { canonicalEventText } from '../events/canonical.js';
import type { Json } from '../events/event.js';
import type { StoredEvent } from '../events/event.js';

/**
 * One audit archive object: every event of one stream batch of the events table, in stream
 * order. The archiver writes it once (functions/audit-archiver); `wardflow audit verify` and
 * `wardflow audit export` read it. Nothing in it is ever rewritten: S3 Object Lock keeps it.
 *
 * The events are stored exactly as the event store holds them (sealed fields still sealed), so
 * anyone can recompute every hash from the archive alone (functions/shared/events/canonical.ts).
 */
export const ARCHIVE_FORMAT = 'wardflow.audit-batch.v1';

/** Every archive object lives under this prefix; the archiver's role may write nowhere else. */
export const ARCHIVE_PREFIX = 'events/';

/** What happened to the table item, as DynamoDB Streams names it. Events are only ever inserted. */
export type ArchivedChange = 'INSERT' | 'MODIFY' | 'REMOVE';

/** One stream record of the events table, as archived. */
export interface ArchivedRecord {
  /** DynamoDB Streams sequence number: a decimal string, increasing within a shard. */
  sequenceNumber: string;
  /**
   * INSERT is the only change the event store makes. MODIFY and REMOVE are archived as they
   * come, because an item changed or deleted after its append is exactly what an auditor must see.
   */
  change: ArchivedChange;
  /** ApproximateCreationDateTime of the record: seconds since the epoch. */
  approximateCreationTime: number;
  /** The table item's key. */
  stream: string;
  version: number;
  /** The item as an event (INSERT, MODIFY); null for REMOVE, whose NEW_IMAGE is empty. */
  event: StoredEvent | null;
}

/** The content of one archive object. */
export interface ArchiveBatch {
  format: typeof ARCHIVE_FORMAT;
  /** The events table's stream ARN the records came from. */
  source: string;
  records: ArchivedRecord[];
}

/** An archive object that cannot be read as an archive batch. The message names the key and what is wrong, never content. */
export class ArchiveObjectInvalid extends Error {
  override readonly name = 'ArchiveObjectInvalid';
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`archive object ${key} is not a valid ${ARCHIVE_FORMAT} object: ${reason}`);
  }
}

/** Sequence numbers are 21 to 40 digits; padded to 40 they sort as numbers do. */
const SEQUENCE_DIGITS = 40;
const KEY_PATTERN = /^events\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{8})T(\d{6})Z-(\d{40})-(\d{40})\.json$/;

/**
 * The object key of a batch: `events/YYYY/MM/DD/HH/YYYYMMDDTHHMMSSZ-<first seq>-<last seq>.json`,
 * from the first record's creation time (UTC) and the batch's first and last sequence numbers,
 * zero-padded. Keys therefore sort by time, then stream position; the hour folders let a reader
 * list one period. The same batch always gets the same key, which is what makes a retried
 * write idempotent.
 *
 * @example
 * archiveObjectKey(batch); // 'events/2026/11/25/23/20261125T232745Z-000…0101-000…0187.json'
 */
export function archiveObjectKey(batch: ArchiveBatch): string {
  const first = batch.records[0];
  const last = batch.records.at(-1);
  if (first === undefined || last === undefined) throw new Error('an archive batch has at least one record');
  const iso = new Date(Math.floor(first.approximateCreationTime) * 1000).toISOString(); // 2026-11-25T23:27:45.000Z
  const [date = '', time = ''] = iso.slice(0, 19).split('T');
  const [year, month, day] = date.split('-');
  const compact = `${date.replaceAll('-', '')}T${time.replaceAll(':', '')}Z`;
  return `${ARCHIVE_PREFIX}${year}/${month}/${day}/${time.slice(0, 2)}/${compact}-${pad(first.sequenceNumber)}-${pad(last.sequenceNumber)}.json`;
}

/** Is this an archive object's key (and not, say, a stray upload)? */
export function isArchiveObjectKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/**
 * The time in an archive object's key (the first record's creation time, to the second), or
 * undefined for a key not made by `archiveObjectKey`.
 */
export function archiveKeyTime(key: string): Date | undefined {
  const match = KEY_PATTERN.exec(key);
  if (match === null) return undefined;
  const [, year, month, day, hour] = match;
  const hms = match[6] as string;
  return new Date(`${year}-${month}-${day}T${hour}:${hms.slice(2, 4)}:${hms.slice(4, 6)}Z`);
}

/**
 * The key prefix under which every object of the given hour sorts: `events/YYYY/MM/DD/HH/`.
 * A lister uses it as StartAfter bound for `--from`.
 */
export function archiveHourPrefix(time: Date): string {
  const iso = time.toISOString();
  return `${ARCHIVE_PREFIX}${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}/`;
}

function pad(sequenceNumber: string): string {
  if (!/^\d{1,40}$/.test(sequenceNumber)) throw new Error('a DynamoDB Streams sequence number is 1 to 40 decimal digits');
  return sequenceNumber.padStart(SEQUENCE_DIGITS, '0');
}

/**
 * The bytes of an archive object: one record per line, each event in its canonical form with
 * its hash (RFC 8785, `canonicalEventText`), so the bytes an event's hash covers appear in the
 * object as they were hashed and a verifier can hash them straight from the text
 * (lib/audit/archived-text-proof.ts). Deterministic: the same batch always encodes to the same bytes (and so
 * the same SHA-256 and key), whatever order its fields were built in.
 */
export function encodeArchiveBatch(batch: ArchiveBatch): string {
  const lines = batch.records.map(
    (record) =>
      `{"sequenceNumber":${JSON.stringify(record.sequenceNumber)},"change":${JSON.stringify(record.change)},` +
      `"approximateCreationTime":${JSON.stringify(record.approximateCreationTime)},"stream":${JSON.stringify(record.stream)},` +
      `"version":${JSON.stringify(record.version)},"event":${record.event === null ? 'null' : canonicalEventText(record.event)}}`,
  );
  return `{"format":${JSON.stringify(batch.format)},"source":${JSON.stringify(batch.source)},"records":[\n${lines.join(',\n')}\n]}\n`;
}

/**
 * Reads an archive object back. Checks the structure only (the verifier checks hashes and
 * chains): a malformed object throws `ArchiveObjectInvalid` naming the key and the first
 * field that is wrong, never quoting content.
 *
 * @example
 * const batch = parseArchiveBatch(await body.transformToString(), key);
 */
export function parseArchiveBatch(text: string, key: string): ArchiveBatch {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ArchiveObjectInvalid(key, 'it is not valid JSON (a byte changed or the object was cut short)');
  }
  if (!isObject(parsed)) throw new ArchiveObjectInvalid(key, 'it is not a JSON object');
  if (parsed.format !== ARCHIVE_FORMAT) throw new ArchiveObjectInvalid(key, `"format" is not "${ARCHIVE_FORMAT}"`);
  if (typeof parsed.source !== 'string') throw new ArchiveObjectInvalid(key, '"source" is not a string');
  if (!Array.isArray(parsed.records) || parsed.records.length === 0) {
    throw new ArchiveObjectInvalid(key, '"records" is not a non-empty array');
  }
  parsed.records.forEach((record: unknown, index: number) => checkRecord(record, index, key));
  return parsed as unknown as ArchiveBatch;
}

const CHANGES: ReadonlySet<unknown> = new Set(['INSERT', 'MODIFY', 'REMOVE']);
const EVENT_STRINGS = ['type', 'time', 'actor', 'hash'] as const;
const EVENT_STRINGS_OR_NULL = ['sealed', 'prevHash'] as const;

/**
 * Checks one record's structure. Runs for every archived event on `wardflow audit verify`'s hot
 * path, so it allocates nothing while the record is well-formed (no closure, no array literal):
 * the first wrong field is named, and `badField` builds the error only then.
 */
function checkRecord(record: unknown, index: number, key: string): void {
  if (!isObject(record)) return badField(key, index, '', 'an object');
  const r = record as Record<string, unknown>;
  if (typeof r.sequenceNumber !== 'string' || !/^\d{1,40}$/.test(r.sequenceNumber)) badField(key, index, 'sequenceNumber', 'a decimal string');
  if (!CHANGES.has(r.change)) badField(key, index, 'change', 'INSERT, MODIFY or REMOVE');
  if (typeof r.approximateCreationTime !== 'number' || !Number.isFinite(r.approximateCreationTime)) badField(key, index, 'approximateCreationTime', 'a number');
  if (typeof r.stream !== 'string') badField(key, index, 'stream', 'a string');
  if (!Number.isSafeInteger(r.version) || (r.version as number) < 1) badField(key, index, 'version', 'a whole number from 1');
  if (r.change === 'REMOVE') {
    if (r.event !== null) badField(key, index, 'event', 'null for a REMOVE');
    return;
  }
  const e = r.event;
  if (!isObject(e)) return badField(key, index, 'event', 'an object');
  if (typeof e.stream !== 'string' || e.stream !== r.stream) badField(key, index, 'event.stream', "the record's stream");
  if (e.version !== r.version) badField(key, index, 'event.version', "the record's version");
  for (const field of EVENT_STRINGS) if (typeof e[field] !== 'string') badField(key, index, `event.${field}`, 'a string');
  if (!isObject(e.data)) badField(key, index, 'event.data', 'an object');
  for (const field of EVENT_STRINGS_OR_NULL) {
    if (e[field] !== null && typeof e[field] !== 'string') badField(key, index, `event.${field}`, 'a string or null');
  }
}

function badField(key: string, index: number, field: string, expected: string): never {
  throw new ArchiveObjectInvalid(key, `records[${index}]${field === '' ? '' : `.${field}`} is not ${expected}`);
}

function isObject(value: unknown): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
