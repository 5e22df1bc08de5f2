import { describe, expect, it } from 'vitest';
import { TamperDetected } from '../../../functions/shared/errors.js';
import { hashEvent } from '../../../functions/shared/events/canonical.js';
import { assertChain, verifyChain } from '../../../functions/shared/events/chain.js';
import type { StoredEvent } from '../../../functions/shared/events/event.js';
import { validStream } from './event-fixtures.js';

const STREAM = 'execution#chain-1';
const rehash = (e: StoredEvent): StoredEvent => ({ ...e, hash: hashEvent(e) });
/** Changes one character of a string: the smallest edit an attacker could make. */
const flip = (s: string, at = 0): string => s.slice(0, at) + String.fromCharCode(s.charCodeAt(at) ^ 1) + s.slice(at + 1);

describe('verifyChain', () => {
  it('verifies a valid stream and names its head', async () => {
    const events = await validStream(5);
    expect(verifyChain(events)).toEqual({ ok: true, events: 5, head: events[4]!.hash });
    expect(() => assertChain(events)).not.toThrow();
  });

  it('verifies an empty stream with no head', () => {
    expect(verifyChain([])).toEqual({ ok: true, events: 0, head: null });
  });

  const edits: [string, (e: StoredEvent) => StoredEvent][] = [
    ['data', (e) => ({ ...e, data: { ...e.data, step: flip(String(e.data.step), 2) } })],
    ['actor', (e) => ({ ...e, actor: flip(e.actor, 5) })],
    ['time', (e) => ({ ...e, time: flip(e.time, 18) })],
    ['type', (e) => ({ ...e, type: 'StepFailed' })],
    ['sealed', (e) => ({ ...e, sealed: flip(e.sealed ?? 'AAAA', 10) })],
  ];
  for (const [field, edit] of edits) {
    it(`catches one changed character of ${field} at that version`, async () => {
      const events = await validStream(5);
      events[2] = edit(events[2]!);
      expect(verifyChain(events)).toEqual({ ok: false, stream: STREAM, version: 3, reason: 'hash mismatch: content changed' });
    });
  }

  it('catches a deleted event as a missing version', async () => {
    const events = await validStream(5);
    events.splice(2, 1);
    expect(verifyChain(events)).toEqual({ ok: false, stream: STREAM, version: 3, reason: 'version 3 missing (found 4)' });
  });

  it('catches two swapped events', async () => {
    const events = await validStream(5);
    [events[1], events[2]] = [events[2]!, events[1]!];
    expect(verifyChain(events)).toEqual({ ok: false, stream: STREAM, version: 2, reason: 'version 2 missing (found 3)' });
  });

  it('catches two events whose contents were swapped under their keys (as in a table)', async () => {
    const events = await validStream(5);
    const [v2, v3] = [events[1]!, events[2]!];
    events[1] = { ...v3, version: 2 };
    events[2] = { ...v2, version: 3 };
    expect(verifyChain(events)).toEqual({ ok: false, stream: STREAM, version: 2, reason: 'prevHash does not match hash of version 1' });
  });

  it('catches a forged event with a recomputed hash at the next link', async () => {
    const events = await validStream(5);
    events[2] = rehash({ ...events[2]!, data: { step: 'forged', durationMs: 1 } });
    expect(verifyChain(events)).toEqual({ ok: false, stream: STREAM, version: 4, reason: 'prevHash does not match hash of version 3' });
  });

  it('catches a forged last event whose hash is recomputed but whose prevHash is wrong', async () => {
    const events = await validStream(3);
    events[2] = rehash({ ...events[2]!, prevHash: events[0]!.hash });
    expect(verifyChain(events)).toMatchObject({ ok: false, version: 3, reason: 'prevHash does not match hash of version 2' });
  });

  it('catches a duplicated event', async () => {
    const events = await validStream(3);
    events.splice(2, 0, events[1]!);
    expect(verifyChain(events)).toMatchObject({ ok: false, version: 3, reason: 'version 2 duplicated or out of order (expected 3)' });
  });

  it('catches a first event with a prevHash', async () => {
    const events = await validStream(2);
    events[0] = rehash({ ...events[0]!, prevHash: 'f'.repeat(64) });
    expect(verifyChain(events)).toMatchObject({ ok: false, version: 1, reason: 'prevHash must be null for version 1' });
  });

  it('catches an event from another stream', async () => {
    const events = await validStream(3);
    const other = await validStream(3, 'execution#other');
    events[2] = other[2]!;
    expect(verifyChain(events)).toMatchObject({ ok: false, stream: STREAM, version: 3, reason: 'event belongs to another stream (execution#other)' });
  });

  it('assertChain throws TamperDetected naming the first bad event', async () => {
    const events = await validStream(5);
    events[1] = { ...events[1]!, actor: 'user:mallory' };
    events[3] = { ...events[3]!, actor: 'user:mallory' };
    const error = (() => {
      try {
        assertChain(events);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TamperDetected);
    expect(error).toMatchObject({ stream: STREAM, version: 2, reason: 'hash mismatch: content changed' });
  });
});
