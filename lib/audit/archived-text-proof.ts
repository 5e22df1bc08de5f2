import { hash } from 'node:crypto';
import { ARCHIVE_FORMAT, type ArchiveBatch, type ArchivedChange, type ArchivedRecord } from '../../functions/shared/audit/archive-format.js';
import type { StoredEvent } from '../../functions/shared/events/event.js';

const FOOTER = '\n]}\n';
/**
 * A string compared in place must read in the text exactly as it parses: no quote, no escape.
 * (Raw control characters cannot be in a JSON string at all, and the object parsed.)
 */
const NOT_LITERAL = /["\\]/;
/** The text from the end of the sequence number to the start of the creation time, per change. */
const CHANGE_TEXT: Record<ArchivedChange, string> = {
  INSERT: '","change":"INSERT","approximateCreationTime":',
  MODIFY: '","change":"MODIFY","approximateCreationTime":',
  REMOVE: '","change":"REMOVE","approximateCreationTime":',
};

/**
 * Whether every event hash of an archive object can be proven from the object's bytes alone,
 * without re-encoding the parsed events: the fast path of `wardflow audit verify`.
 *
 * The archiver writes each event in its canonical form with its hash (`encodeArchiveBatch`,
 * `canonicalEventText`), so the bytes an event's hash covers stand in the object as they were
 * hashed. SHA-256 over them (less the `"hash":"…",` member) equals the claimed hash only if they
 * are the bytes hashed at append time. What must also hold is that the PARSED event is read from
 * exactly those bytes, and cutting the text by lines does not ensure that on its own: a duplicate
 * "records" key after the honest lines, or a record moved into the header line, makes JSON.parse
 * return events other than the ones the lines show, whose claimed hashes the lines would then
 * "prove".
 *
 * So this proves the whole layout or nothing: the header exactly as the archiver writes it; for
 * record i a line that begins exactly `{"sequenceNumber":…,"event":` with the parsed record i's
 * own values, then an event text whose hash (over all of it up to the line's closing `}`) is
 * record i's claimed hash; and after the last record exactly `\n]}\n`. The text is then fully
 * determined, holds no other key, and parses to those records with those events: every claimed
 * hash is the SHA-256 of the bytes its parsed event was read from. Any deviation (a changed byte,
 * a reformatted object, a REMOVE, an object from an older archiver) returns false, and the caller
 * hashes each parsed event with `hashEvent`, which depends on no layout.
 *
 * What this does not re-derive is that those bytes are the canonical encoding. The event store
 * only ever hashes the canonical encoding, so any change to an event it appended is caught here
 * as surely as by `hashEvent` (SHA-256 has no known second preimages). Only an event forged with
 * a hash over non-canonical bytes (keys out of order, say) passes here and fails `hashEvent`; a
 * forger could as easily hash the canonical bytes, which no check of the archive alone can tell
 * from genuine. Against the event store both are caught: the store's copy is hashed canonically.
 *
 * @example
 * const batch = parseArchiveBatch(text, key);
 * const proven = archivedHashesProven(text, batch); // true: no hashEvent needed for its events
 */
export function archivedHashesProven(text: string, batch: ArchiveBatch): boolean {
  if (batch.format !== ARCHIVE_FORMAT || NOT_LITERAL.test(batch.source)) return false;
  let at = 0;
  at = literal(text, at, `{"format":"${ARCHIVE_FORMAT}","source":"`);
  at = literal(text, at, batch.source);
  at = literal(text, at, '","records":[\n');
  if (at < 0 || !text.endsWith(FOOTER)) return false;
  const records = batch.records;
  const last = records.length - 1;
  let checkedStream = ''; // records of one stream often follow each other: check its characters once
  for (let i = 0; i <= last; i++) {
    const record = records[i] as ArchivedRecord;
    const event = record.event;
    if (event === null) return false; // a REMOVE: nothing to hash
    if (record.stream !== checkedStream) {
      if (NOT_LITERAL.test(record.stream)) return false;
      checkedStream = record.stream;
    }
    // {"sequenceNumber":"…","change":"…","approximateCreationTime":…,"stream":"…","version":…,"event":
    at = literal(text, at, '{"sequenceNumber":"');
    at = literal(text, at, record.sequenceNumber); // decimal digits (parseArchiveBatch)
    at = literal(text, at, CHANGE_TEXT[record.change]);
    at = number(text, at, record.approximateCreationTime);
    at = literal(text, at, ',"stream":"');
    at = literal(text, at, record.stream);
    at = literal(text, at, '","version":');
    at = number(text, at, record.version);
    at = literal(text, at, ',"event":');
    if (at < 0) return false;
    // Every line ends "}," but the last, which ends "}" right before the footer.
    const end = text.indexOf('\n', at);
    const closing = i === last ? 1 : 2;
    if (end < 0 || (i === last && end !== text.length - FOOTER.length)) return false;
    if (text.charCodeAt(end - closing) !== 0x7d /* } */ || (i < last && text.charCodeAt(end - 1) !== 0x2c) /* , */) return false;
    if (!hashCoversText(text, at, end - closing, event)) return false;
    at = end + 1;
  }
  return true;
}

/**
 * Whether SHA-256 over `text[start, end)` without its `"hash":"<hash>",` member is the event's
 * claimed hash. In canonical form (keys sorted) the member sits right before `"prevHash":`, and
 * all after it is the event's envelope, whose length the parsed values give: the member is found
 * by arithmetic instead of by searching 500 characters for it. A value that JSON escapes is longer
 * in the text, so the member is not where computed and the hash does not match.
 *
 * The cut-out characters are not compared with the member: soundness rests on the hash alone.
 * If the rest hashes to the claimed hash, it is the canonical text of the event hashed at append
 * time (`{"actor":…,"data":…,` before the cut, `"prevHash":…}` after it), so the cut-out
 * characters are the only place the parsed top-level `hash` can come from, and being as long as
 * `"hash":"<claimed hash>",` they can only be exactly that.
 */
function hashCoversText(text: string, start: number, end: number, event: StoredEvent): boolean {
  const { prevHash, sealed } = event;
  // "prevHash":P,"sealed":S,"stream":"…","time":"…","type":"…","version":N}
  const tail =
    11 + (prevHash === null ? 4 : prevHash.length + 2) +
    10 + (sealed === null ? 4 : sealed.length + 2) +
    11 + event.stream.length + 1 +
    9 + event.time.length + 1 +
    9 + event.type.length + 1 +
    11 + digits(event.version) + 1;
  const hashLength = event.hash.length;
  const member = end - tail - (10 + hashLength); // "hash":"<hash>",
  if (member <= start) return false;
  const covered = text.slice(start, member) + text.slice(member + 10 + hashLength, end);
  return hash('sha256', covered, 'hex') === event.hash;
}

/**
 * `part` at `at`: the position after it, or -1 (also when `at` already is -1). A substring
 * compared whole: `startsWith` with a position, or a loop over char codes, cost several times
 * more on a long text, and this runs for every field of every record.
 */
function literal(text: string, at: number, part: string): number {
  if (at < 0) return -1;
  const end = at + part.length;
  return text.substring(at, end) === part ? end : -1;
}

/**
 * A number at `at` as JSON.stringify writes it: the position after it, or -1. Whole numbers
 * (versions, creation times in seconds) are compared digit by digit without making a string.
 */
function number(text: string, at: number, value: number): number {
  if (at < 0) return -1;
  if (!Number.isSafeInteger(value) || value < 0) return literal(text, at, JSON.stringify(value));
  const count = digits(value);
  let rest = value;
  for (let k = count - 1; k >= 0; k--) {
    if (text.charCodeAt(at + k) !== 0x30 + (rest % 10)) return -1;
    rest = Math.floor(rest / 10);
  }
  return at + count;
}

/** How many decimal digits a whole number from 0 has. */
function digits(value: number): number {
  let count = 1;
  for (let bound = 10; value >= bound && count < 16; bound *= 10) count++;
  return count;
}
