import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ARCHIVE_FORMAT,
  type ArchiveBatch,
  type ArchivedRecord,
  archiveObjectKey,
  encodeArchiveBatch,
  parseArchiveBatch,
} from '../../../functions/shared/audit/archive-format.js';
import { hashEvent } from '../../../functions/shared/events/canonical.js';
import type { StoredEvent } from '../../../functions/shared/events/event.js';
import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';
import { type ArchiveVerification, ArchiveVerifier, verifyArchive, type VerifyArchiveOptions } from '../../../lib/audit/verify-archive.js';
import { describeProblem } from '../../../lib/audit/verify-problems.js';
import { stepSucceeded, testSealer, tickingClock } from '../events/event-fixtures.js';

/**
 * A real history (three streams appended interleaved by the real store code, some events with a
 * sealed part), archived as the archiver writes it: stream records in append order with
 * increasing sequence numbers, cut into objects of three records. Each test tampers with a copy
 * in one way and asserts the specific message and the named stream, version and object.
 */
const SOURCE = 'arn:aws:dynamodb:us-east-1:000000000000:table/events/stream/2025-01-01T00:00:00.000';
const A = 'execution#a';
const B = 'execution#b';
const C = 'approval#c';
const PER_OBJECT = 3;

interface ArchiveObject {
  key: string;
  text: string;
}

let history: StoredEvent[]; // in append order
let store: InMemoryEventStore;
let clock: () => Date;

beforeAll(async () => {
  clock = tickingClock(Date.UTC(2026, 10, 25, 9, 0, 0));
  store = new InMemoryEventStore({ sealer: testSealer(), now: clock });
  history = [];
  // a:7 events, b:5, c:4, interleaved as concurrent executions append.
  for (let round = 0; round < 7; round++) {
    history.push(await appendTo(A));
    if (round < 5) history.push(await appendTo(B));
    if (round < 4) history.push(await appendTo(C));
  }
});

async function appendTo(stream: string): Promise<StoredEvent> {
  const version = await store.headVersion(stream);
  const event = stepSucceeded(`step-${version + 1}`);
  if (version % 3 === 0) event.sensitive = { note: `sealed note ${version + 1}` };
  const [stored] = await store.append(stream, version, [event]);
  return stored as StoredEvent;
}

/** Sequence numbers 10 apart, as DynamoDB Streams leaves gaps: a forged record can be slipped in between. */
function recordsOf(events: readonly StoredEvent[], firstSequence = 100_000_000_000_000_000_000n): ArchivedRecord[] {
  return events.map((event, i) => ({
    sequenceNumber: String(firstSequence + BigInt(i * 10)),
    change: 'INSERT' as const,
    approximateCreationTime: Math.floor(Date.parse(event.time) / 1000),
    stream: event.stream,
    version: event.version,
    event: structuredClone(event),
  }));
}

function objectOf(records: ArchivedRecord[]): ArchiveObject {
  const batch: ArchiveBatch = { format: ARCHIVE_FORMAT, source: SOURCE, records };
  return { key: archiveObjectKey(batch), text: encodeArchiveBatch(batch) };
}

function archiveOf(records: ArchivedRecord[], perObject = PER_OBJECT): ArchiveObject[] {
  const objects: ArchiveObject[] = [];
  for (let i = 0; i < records.length; i += perObject) objects.push(objectOf(records.slice(i, i + perObject)));
  return objects;
}

/** The archive of the whole history, fresh for each test. */
const honestArchive = (): ArchiveObject[] => archiveOf(recordsOf(history));
const event = (stream: string, version: number): StoredEvent => history.find((e) => e.stream === stream && e.version === version) as StoredEvent;
/** Which object holds the record of (stream, version). */
const indexOf = (objects: ArchiveObject[], stream: string, version: number): number =>
  objects.findIndex((o) => parseArchiveBatch(o.text, o.key).records.some((r) => r.stream === stream && r.version === version));
const keyOf = (objects: ArchiveObject[], stream: string, version: number): string => (objects[indexOf(objects, stream, version)] as ArchiveObject).key;

/** Well after the last append: nothing is pending unless a test says so. */
const LATER = { now: new Date(Date.UTC(2026, 10, 25, 10, 0, 0)) };
const withStore = (objects: ArchiveObject[], options: VerifyArchiveOptions & { storeEvents?: StoredEvent[] } = {}): ArchiveVerification =>
  verifyArchive(objects, { ...LATER, storeEvents: history, ...options });
const archiveOnly = (objects: ArchiveObject[], options: VerifyArchiveOptions = {}): ArchiveVerification =>
  verifyArchive(objects, { ...LATER, compareWithStore: false, ...options });

/** Text unique to one event's line in the archive: its data and its hash, as canonically encoded. */
const dataOf = (stream: string, version: number, data = `{"durationMs":12,"step":"step-${version}"}`): string => `"data":${data},"hash":"${event(stream, version).hash}"`;

/** Replaces `from` (which must occur once) with `to` in one object's text. */
function editText(objects: ArchiveObject[], index: number, from: string, to: string): void {
  const object = objects[index] as ArchiveObject;
  expect(object.text.split(from)).toHaveLength(2);
  object.text = object.text.replace(from, to);
}

/** Rewrites one object's records as someone with write access would: re-encoded, under the same key. */
function rewriteRecords(objects: ArchiveObject[], index: number, change: (records: ArchivedRecord[]) => ArchivedRecord[]): void {
  const object = objects[index] as ArchiveObject;
  const batch = parseArchiveBatch(object.text, object.key);
  object.text = encodeArchiveBatch({ ...batch, records: change(batch.records) });
}

/** An event with different content and a hash recomputed to match it: a forgery that survives the hash check. */
function forged(original: StoredEvent, changes: Partial<StoredEvent>): StoredEvent {
  const { hash: _ignored, ...rest } = { ...original, ...changes };
  return { ...rest, hash: hashEvent(rest) };
}

function expectFirstProblem(report: ArchiveVerification, expected: { stream?: string; version?: number; key?: string; reason: string | RegExp }): void {
  expect(report.ok).toBe(false);
  const first = report.firstProblem;
  expect(first).not.toBeNull();
  if (typeof expected.reason === 'string') expect(first?.reason).toBe(expected.reason);
  else expect(first?.reason).toMatch(expected.reason);
  if (expected.stream !== undefined) expect(first?.stream).toBe(expected.stream);
  if (expected.version !== undefined) expect(first?.version).toBe(expected.version);
  if (expected.key !== undefined) expect(first?.key).toBe(expected.key);
}

describe('verifyArchive on an intact archive', () => {
  it('verifies every chain, with and without the event store, and reports what it read', () => {
    const objects = honestArchive();
    for (const report of [withStore(objects), archiveOnly(objects)]) {
      expect(report).toMatchObject({
        ok: true,
        objects: Math.ceil(history.length / PER_OBJECT),
        records: history.length,
        events: history.length,
        streams: 3,
        duplicates: 0,
        pending: 0,
        problems: 0,
        firstProblem: null,
        firstEventTime: history[0]?.time,
        lastEventTime: history.at(-1)?.time,
      });
    }
    expect(withStore(objects).store).toEqual({ compared: true, events: history.length, settleSeconds: 300, linkedBeforeWindow: 0 });
    expect(archiveOnly(objects).store.compared).toBe(false);
  });

  it('counts a re-delivered batch (the same records again, in another object) as harmless duplicates', () => {
    const records = recordsOf(history);
    // Lambda re-delivers records 4..9 after a write whose answer was lost; bisecting cut them differently.
    const objects = [...archiveOf(records.slice(0, 9)), objectOf(records.slice(3, 7)), ...archiveOf(records.slice(9))];
    objects.sort((x, y) => (x.key < y.key ? -1 : 1));
    const report = withStore(objects);
    expect(report.ok).toBe(true);
    expect(report.duplicates).toBe(4);
    expect(report.events).toBe(history.length);
  });
});

describe('verifyArchive finds tampering and names the first bad event', () => {
  it('a changed byte in a data value (JSON still valid): hash mismatch', () => {
    const objects = honestArchive();
    const index = indexOf(objects, A, 3);
    editText(objects, index, dataOf(A, 3), dataOf(A, 3, '{"durationMs":13,"step":"step-3"}'));
    const report = withStore(objects);
    expectFirstProblem(report, { stream: A, version: 3, key: objects[index]?.key, reason: 'hash mismatch: content changed' });
    expect(describeProblem(report.firstProblem!)).toBe(`${A} v3 (object ${objects[index]?.key}): hash mismatch: content changed`);
  });

  it('a changed byte in the actor: hash mismatch', () => {
    const objects = honestArchive();
    const index = indexOf(objects, B, 2);
    editText(objects, index, `"actor":"step:step-2",${dataOf(B, 2)}`, `"actor":"step:stEp-2",${dataOf(B, 2)}`);
    expectFirstProblem(withStore(objects), { stream: B, version: 2, key: objects[index]?.key, reason: 'hash mismatch: content changed' });
  });

  it('a changed byte that breaks the JSON: the object is named, and the versions it held are missing', () => {
    const objects = honestArchive();
    const index = indexOf(objects, C, 2);
    editText(objects, index, `"stream":"${C}","version":2,"event":{"actor":"step:step-2"`, `"stream":"${C}","version":2,"event":{"actor":"step:step-2"}`);
    const report = withStore(objects);
    expectFirstProblem(report, { key: objects[index]?.key, reason: /it is not valid JSON \(a byte changed or the object was cut short\); none of its events could be checked/ });
    expect(report.firstProblem?.stream).toBeUndefined();
    expect(report.problems).toBeGreaterThan(1);
    expect(report.listedProblems.map((p) => p.reason)).toContain('version 2 missing (the archive goes from version 1 to version 3)');
  });

  it('a deleted event: version missing, named where the archive skips it', () => {
    const objects = honestArchive();
    const index = indexOf(objects, B, 4);
    const records = parseArchiveBatch(objects[index]!.text, objects[index]!.key).records;
    expect(records.findIndex((r) => r.stream === B && r.version === 4)).toBe(1); // the middle one: the key still fits
    rewriteRecords(objects, index, (rs) => rs.filter((r) => !(r.stream === B && r.version === 4)));
    const report = withStore(objects);
    expectFirstProblem(report, { stream: B, version: 4, key: keyOf(objects, B, 5), reason: 'version 4 missing (the archive goes from version 3 to version 5)' });
    // Reported once, not again as "in the event store but not in the archive".
    expect(report.problems).toBe(1);
  });

  it('two events reordered: the later version is named as archived out of order', () => {
    const objects = honestArchive();
    const records = recordsOf(history);
    const third = records.findIndex((r) => r.stream === A && r.version === 3);
    const fourth = records.findIndex((r) => r.stream === A && r.version === 4);
    // Sequence numbers stay in order: only the events trade places.
    const [x, y] = [records[third] as ArchivedRecord, records[fourth] as ArchivedRecord];
    records[third] = { ...y, sequenceNumber: x.sequenceNumber, approximateCreationTime: x.approximateCreationTime };
    records[fourth] = { ...x, sequenceNumber: y.sequenceNumber, approximateCreationTime: y.approximateCreationTime };
    const tampered = archiveOf(records);
    const report = withStore(tampered);
    expectFirstProblem(report, { stream: A, version: 3, key: keyOf(tampered, A, 3), reason: 'version 3 archived out of order (after version 4)' });
    expect(report.problems).toBe(1);
    expect(objects).toHaveLength(tampered.length);
  });

  it('a forged copy of an existing version (hash recomputed): archived twice with different content', () => {
    const objects = honestArchive();
    const index = indexOf(objects, B, 3);
    const fake = forged(event(B, 3), { data: { step: 'step-3', durationMs: 12, approvedBy: 'someone-else' } });
    rewriteRecords(objects, index, (records) =>
      records.flatMap((r) => (r.stream === B && r.version === 3 ? [r, { ...r, sequenceNumber: String(BigInt(r.sequenceNumber) + 1n), event: fake }] : [r])),
    );
    expectFirstProblem(archiveOnly(objects), { stream: B, version: 3, key: objects[index]?.key, reason: 'version 3 archived twice with different content (a forged or altered copy)' });
  });

  it('a forged new head (hash and link recomputed): only the event store shows it', () => {
    const records = recordsOf(history);
    const head = event(C, 4);
    const fake = forged(head, { version: 5, prevHash: head.hash, time: new Date(Date.parse(head.time) + 500).toISOString(), type: 'ApprovalDecided' });
    const last = records.at(-1) as ArchivedRecord;
    records.push({ ...last, sequenceNumber: String(BigInt(last.sequenceNumber) + 1n), stream: C, version: 5, event: fake });
    const objects = archiveOf(records);
    expect(archiveOnly(objects).ok).toBe(true);
    expectFirstProblem(withStore(objects), { stream: C, version: 5, key: keyOf(objects, C, 5), reason: 'version 5 is in the archive but not in the event store (forged?)' });
  });

  it('a deleted event with the tail renumbered and every hash recomputed: only the event store shows it', () => {
    const chain = history.filter((e) => e.stream === A);
    // Version 3 removed; 4..7 become 3..6, each re-linked and re-hashed: a consistent chain.
    const rewritten = new Map<StoredEvent, StoredEvent>();
    let previous = chain[1] as StoredEvent;
    for (const original of chain.slice(3)) {
      const copy = forged(original, { version: original.version - 1, prevHash: previous.hash });
      rewritten.set(original, copy);
      previous = copy;
    }
    const events = history.filter((e) => e !== chain[2]).map((e) => rewritten.get(e) ?? e);
    const objects = archiveOf(recordsOf(events));
    expect(archiveOnly(objects).ok).toBe(true);
    const report = withStore(objects);
    expectFirstProblem(report, { stream: A, version: 3, key: keyOf(objects, A, 3), reason: 'version 3 differs from the event store' });
    expect(report.listedProblems.map((p) => `${p.stream} v${p.version}: ${p.reason}`)).toEqual([
      `${A} v3: version 3 differs from the event store`,
      `${A} v4: version 4 differs from the event store`,
      `${A} v5: version 5 differs from the event store`,
      `${A} v6: version 6 differs from the event store`,
      `${A} v7: version 7 is in the event store but not in the archive`,
    ]);
  });

  it('a whole object dropped from the middle of a stream: the first version it held is missing', () => {
    const objects = honestArchive();
    const index = indexOf(objects, A, 3);
    const dropped = parseArchiveBatch(objects[index]!.text, objects[index]!.key).records;
    objects.splice(index, 1);
    const report = withStore(objects);
    expect(report.ok).toBe(false);
    const firstA = dropped.find((r) => r.stream === A) as ArchivedRecord;
    expect(report.listedProblems).toContainEqual({
      stream: A,
      version: firstA.version,
      key: keyOf(objects, A, firstA.version + 1),
      reason: `version ${firstA.version} missing (the archive goes from version ${firstA.version - 1} to version ${firstA.version + 1})`,
    });
    expect(report.firstProblem?.reason).toMatch(/missing \(the archive goes from version/);
  });

  it("a whole object holding a stream's last events dropped: only the event store shows it", () => {
    const objects = honestArchive();
    const lastObject = objects.pop() as ArchiveObject;
    const lost = parseArchiveBatch(lastObject.text, lastObject.key).records;
    expect(lost.map((r) => `${r.stream} v${r.version}`)).toEqual([`${A} v7`]);
    expect(archiveOnly(objects).ok).toBe(true);
    const report = withStore(objects);
    expectFirstProblem(report, { stream: A, version: 7, reason: 'version 7 is in the event store but not in the archive' });
    expect(report.firstProblem?.key).toBeUndefined();
  });

  it('a MODIFY record: the table item was changed after its append, named with its sequence number', () => {
    const records = recordsOf(history);
    const at = records.findIndex((r) => r.stream === B && r.version === 2);
    const original = records[at] as ArchivedRecord;
    const modify: ArchivedRecord = { ...original, change: 'MODIFY', sequenceNumber: String(BigInt((records.at(-1) as ArchivedRecord).sequenceNumber) + 1n) };
    const objects = archiveOf([...records, modify]);
    const report = archiveOnly(objects);
    expectFirstProblem(report, {
      stream: B,
      version: 2,
      key: objects.at(-1)?.key,
      reason: `the event store's item of version 2 was changed after its append (a MODIFY record), stream record ${modify.sequenceNumber}`,
    });
    expect(report.firstProblem?.sequenceNumber).toBe(modify.sequenceNumber);
  });

  it('a REMOVE record: the table item was deleted', () => {
    const records = recordsOf(history);
    const last = records.at(-1) as ArchivedRecord;
    const remove: ArchivedRecord = { ...last, change: 'REMOVE', event: null, sequenceNumber: String(BigInt(last.sequenceNumber) + 1n) };
    const report = archiveOnly(archiveOf([...records, remove]));
    expectFirstProblem(report, { stream: last.stream, version: last.version, reason: `the event store's item of version ${last.version} was deleted (a REMOVE record), stream record ${remove.sequenceNumber}` });
  });

  it('a renamed object, and a foreign object under events/', () => {
    const objects = honestArchive();
    const moved = objects[2] as ArchiveObject;
    const renamed = moved.key.replace(/-(\d{40})\.json$/, (_, last: string) => `-${(BigInt(last) + 5n).toString().padStart(40, '0')}.json`);
    moved.key = renamed;
    expectFirstProblem(withStore(objects), { key: renamed, reason: /^the key does not match the object's records \(the archiver would name it events\/.*\): the object was renamed or moved/ });

    const foreign = verifyArchive(honestArchive(), { ...LATER, storeEvents: history, foreignKeys: ['events/2026/11/25/09/notes.json'] });
    expectFirstProblem(foreign, { key: 'events/2026/11/25/09/notes.json', reason: /is not named as the archiver names objects/ });
  });

  it('an event store item that is not an event is a failure naming its stream and version', () => {
    const verifier = new ArchiveVerifier(LATER);
    for (const object of honestArchive()) verifier.addObject(object.key, object.text);
    for (const e of history) verifier.addStoreEvent(e);
    verifier.addStoreItemProblem(B, 9, 'item attribute data is missing or malformed');
    expectFirstProblem(verifier.finish(), { stream: B, version: 9, reason: "the event store's item is not an event (item attribute data is missing or malformed)" });
  });

  it('counts every problem, names the first and lists the first ones in archive order', () => {
    const objects = honestArchive();
    editText(objects, indexOf(objects, A, 6), dataOf(A, 6), dataOf(A, 6, '{"durationMs":12,"step":"step-X"}'));
    editText(objects, indexOf(objects, B, 1), dataOf(B, 1), dataOf(B, 1, '{"durationMs":12,"step":"step-Y"}'));
    const report = withStore(objects);
    expect(report.problems).toBe(2);
    expect(report.listedProblems.map((p) => `${p.stream} v${p.version}`)).toEqual([`${B} v1`, `${A} v6`]);
  });
});

describe('verifyArchive against the event store: pending events and windows', () => {
  it('an event appended within the settle time and not archived yet is pending; older, it is missing', () => {
    const head = event(C, 4);
    const next = forged(head, { version: 5, prevHash: head.hash, time: '2026-11-25T09:45:00.000Z' });
    const storeEvents = [...history, next];
    const objects = honestArchive();
    const after = (ms: number): Date => new Date(Date.parse(next.time) + ms);

    const soon = withStore(objects, { storeEvents, now: after(10_000) });
    expect(soon.ok).toBe(true);
    expect(soon.pending).toBe(1);

    const late = withStore(objects, { storeEvents, now: after(301_000) });
    expectFirstProblem(late, { stream: C, version: 5, reason: 'version 5 is in the event store but not in the archive' });
    expect(late.pending).toBe(0);

    expect(withStore(objects, { storeEvents, now: after(10_000), settleSeconds: 5 }).ok).toBe(false);
  });

  it('--from cutting streams: later events verified, each first one linked to the store event before it', () => {
    const from = new Date(event(A, 4).time);
    const objects = honestArchive();
    const inWindow = history.filter((e) => e.time >= from.toISOString());
    const cutStreams = new Set(inWindow.map((e) => e.stream));
    expect(inWindow.filter((e) => e.version === 4).map((e) => e.stream).sort()).toEqual([...cutStreams].sort()); // every stream is cut at version 4

    const report = withStore(objects, { from });
    expect(report).toMatchObject({ ok: true, events: inWindow.length, outsideWindow: history.length - inWindow.length, firstEventTime: from.toISOString() });
    expect(report.store).toMatchObject({ compared: true, events: inWindow.length, linkedBeforeWindow: cutStreams.size });

    const alone = archiveOnly(objects, { from });
    expect(alone.ok).toBe(true);
    expect(alone.unlinkedAtWindowStart).toBe(cutStreams.size);
  });

  it('--from: a store whose event before the window is not the one the archive links to', () => {
    const from = new Date(event(A, 4).time);
    const storeEvents = history.map((e) => (e.stream === A && e.version === 3 ? forged(e, { data: { step: 'step-3', durationMs: 99 } }) : e));
    const objects = honestArchive();
    expectFirstProblem(withStore(objects, { from, storeEvents }), {
      stream: A,
      version: 4,
      key: keyOf(objects, A, 4),
      reason: "version 4's prevHash is not the hash of version 3 in the event store",
    });
  });

  it('--to: events at or after it are not checked, so a tampered one past the window passes', () => {
    const objects = honestArchive();
    const lastA = history.filter((e) => e.stream === A).at(-1) as StoredEvent;
    editText(objects, indexOf(objects, A, 7), dataOf(A, 7), dataOf(A, 7, '{"durationMs":12,"step":"step-Z"}'));
    expect(withStore(objects).ok).toBe(false);
    const before = withStore(objects, { to: new Date(lastA.time) });
    expect(before.ok).toBe(true);
    expect(before.lastEventTime! < lastA.time).toBe(true);
  });
});

describe('verifyArchive property', () => {
  it('catches any single changed character inside an event\'s JSON string values', () => {
    const objects = honestArchive();
    // Every (object, offset) inside a string value of an event: after `"key":"` up to the closing quote.
    const targets: { index: number; offset: number }[] = [];
    objects.forEach((object, index) => {
      const text = object.text;
      let at = 0;
      while ((at = text.indexOf(',"event":{', at)) >= 0) {
        const end = text.indexOf('\n', at);
        const eventText = text.slice(at, end);
        const valueStart = /":"/g;
        let match: RegExpExecArray | null;
        while ((match = valueStart.exec(eventText)) !== null) {
          const start = at + match.index + 3;
          const close = text.indexOf('"', start);
          for (let offset = start; offset < close; offset++) targets.push({ index, offset });
        }
        at = end;
      }
    });
    expect(targets.length).toBeGreaterThan(1000);
    fc.assert(
      fc.property(fc.nat(targets.length - 1), fc.constantFrom(...'abcXYZ019-_.'.split('')), (pick, replacement) => {
        const { index, offset } = targets[pick] as { index: number; offset: number };
        const object = objects[index] as ArchiveObject;
        if (object.text[offset] === replacement) return;
        const tampered = objects.map((o, i) => (i === index ? { key: o.key, text: o.text.slice(0, offset) + replacement + o.text.slice(offset + 1) } : o));
        const report = archiveOnly(tampered);
        expect(report.ok).toBe(false);
        const named = report.firstProblem?.key;
        expect(named).toBe(object.key);
      }),
      { numRuns: 300 },
    );
  });
});
