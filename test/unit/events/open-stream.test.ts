import { describe, expect, it } from 'vitest';
import { ConcurrencyConflict } from '../../../functions/shared/errors.js';
import type { NewEvent, StoredEvent } from '../../../functions/shared/events/event.js';
import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';
import { openStream } from '../../../functions/shared/events/open-stream.js';
import type { EventStore } from '../../../functions/shared/events/store.js';
import { testSealer } from './event-fixtures.js';

const STREAM = 'execution#open-1';
const started = (source: string): NewEvent => ({ type: 'ExecutionStarted', actor: 'step:record-start', data: { workflow: 'w', source } });
const sameSource = (source: string) => (first: StoredEvent) => first.type === 'ExecutionStarted' && first.data.source === source;

describe('openStream', () => {
  it('writes the opening event at version 1 of an empty stream and returns it', async () => {
    const store = new InMemoryEventStore({ sealer: testSealer() });
    const first = await openStream(store, STREAM, started('a'), sameSource('a'));
    expect(first).toMatchObject({ version: 1, type: 'ExecutionStarted', data: { source: 'a' } });
    expect(await store.read(STREAM)).toEqual([first]);
  });

  it('returns the recorded first event, writing nothing, when an earlier attempt of the same work opened it', async () => {
    const store = new InMemoryEventStore({ sealer: testSealer() });
    const recorded = await openStream(store, STREAM, started('a'), sameSource('a'));
    await store.append(STREAM, 1, [{ type: 'StepSucceeded', actor: 'step:x', data: { step: 'x' } }]);
    expect(await openStream(store, STREAM, started('a'), sameSource('a'))).toEqual(recorded);
    expect((await store.read(STREAM)).map((e) => e.type)).toEqual(['ExecutionStarted', 'StepSucceeded']);
  });

  it('gives isOwn every event of the stream, so a stream others wrote to can be refused', async () => {
    const store = new InMemoryEventStore({ sealer: testSealer() });
    await openStream(store, STREAM, started('a'), sameSource('a'));
    await store.append(STREAM, 1, [{ type: 'StepSucceeded', actor: 'step:record-start', data: { step: 'record-start' } }]);
    const seen: string[][] = [];
    const onlyMine = (first: StoredEvent, all: readonly StoredEvent[]) => {
      seen.push(all.map((e) => e.type));
      return sameSource('a')(first) && all.every((e) => e.actor === 'step:record-start');
    };
    expect(await openStream(store, STREAM, started('a'), onlyMine)).toMatchObject({ version: 1, type: 'ExecutionStarted' });
    expect(seen).toEqual([['ExecutionStarted', 'StepSucceeded']]);

    await store.append(STREAM, 2, [{ type: 'ExecutionSucceeded', actor: 'step:record-outcome', data: {} }]);
    const error = await openStream(store, STREAM, started('a'), onlyMine).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrencyConflict);
    expect(await store.read(STREAM)).toHaveLength(3);
  });

  it("rethrows the ConcurrencyConflict when the first event is someone else's", async () => {
    const store = new InMemoryEventStore({ sealer: testSealer() });
    await openStream(store, STREAM, started('a'), sameSource('a'));
    const error = await openStream(store, STREAM, started('b'), sameSource('b')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrencyConflict);
    expect(error).toMatchObject({ stream: STREAM, expectedVersion: 0 });
    expect(await store.read(STREAM)).toHaveLength(1);
  });

  it('does not read or swallow other failures', async () => {
    let reads = 0;
    const failing: EventStore = {
      append: async () => {
        throw new Error('ProvisionedThroughputExceeded');
      },
      read: async () => {
        reads++;
        return [];
      },
    };
    await expect(openStream(failing, STREAM, started('a'), () => true)).rejects.toThrow('ProvisionedThroughputExceeded');
    expect(reads).toBe(0);
  });

  it('rethrows the conflict when the stream reads back empty', async () => {
    const racing: EventStore = {
      append: async (stream, expected) => {
        throw new ConcurrencyConflict(stream, expected);
      },
      read: async () => [],
    };
    await expect(openStream(racing, STREAM, started('a'), () => true)).rejects.toBeInstanceOf(ConcurrencyConflict);
  });
});
