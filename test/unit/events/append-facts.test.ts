import { describe, expect, it } from 'vitest';
import { ConcurrencyConflict, ConfigurationInvalid, ValidationFailed } from '../../../functions/shared/errors.js';
import { appendFacts } from '../../../functions/shared/events/append-facts.js';
import type { NewEvent, StoredEvent } from '../../../functions/shared/events/event.js';
import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';
import type { EventStore } from '../../../functions/shared/events/store.js';
import { stepSucceeded, testSealer } from './event-fixtures.js';

/** A store that always loses the race, counting how often it was asked. */
class AlwaysConflicting implements EventStore {
  appends = 0;
  reads = 0;
  async append(stream: string, expectedVersion: number, _events: NewEvent[]): Promise<StoredEvent[]> {
    this.appends++;
    throw new ConcurrencyConflict(stream, expectedVersion);
  }
  async read(): Promise<StoredEvent[]> {
    this.reads++;
    return [];
  }
}

describe('appendFacts', () => {
  it('appends at the current head without the caller knowing the version', async () => {
    const store = new InMemoryEventStore({ sealer: testSealer() });
    await store.append('execution#f1', 0, [stepSucceeded('a')]);
    const [stored] = await appendFacts(store, 'execution#f1', [stepSucceeded('b')]);
    expect(stored?.version).toBe(2);
  });

  it('gives up after maxAttempts and rethrows the ConcurrencyConflict', async () => {
    const store = new AlwaysConflicting();
    await expect(appendFacts(store, 'execution#f1', [stepSucceeded('a')], { maxAttempts: 3, retryDelayMs: () => 0 })).rejects.toBeInstanceOf(
      ConcurrencyConflict,
    );
    expect(store.appends).toBe(3);
    expect(store.reads).toBe(3); // a store without headVersion is read in full to find the head
  });

  it('tries 5 times by default', async () => {
    const store = new AlwaysConflicting();
    await expect(appendFacts(store, 'execution#f1', [stepSucceeded('a')], { retryDelayMs: () => 0 })).rejects.toBeInstanceOf(ConcurrencyConflict);
    expect(store.appends).toBe(5);
  });

  it('does not retry other errors', async () => {
    const store = new InMemoryEventStore({ sealer: testSealer() });
    let delays = 0;
    const bad = appendFacts(store, 'execution#f1', [{ type: 'StepSucceeded', actor: '', data: {} }], { retryDelayMs: () => delays++ });
    await expect(bad).rejects.toBeInstanceOf(ValidationFailed);
    expect(delays).toBe(0);
  });
  describe('oneAtATime', () => {
    /** The memory store, counting head reads and appends, that lets `intrude` write before the n-th append. */
    function countingStore(intrudeBeforeAppend?: number) {
      const inner = new InMemoryEventStore({ sealer: testSealer() });
      const counts = { headReads: 0, appends: 0 };
      const store = {
        async headVersion(stream: string) {
          counts.headReads++;
          return inner.headVersion(stream);
        },
        async append(stream: string, expected: number, events: NewEvent[]) {
          counts.appends++;
          if (counts.appends === intrudeBeforeAppend) await inner.append(stream, await inner.headVersion(stream), [stepSucceeded('intruder')]);
          return inner.append(stream, expected, events);
        },
        read: (stream: string) => inner.read(stream),
      };
      return { store, counts, inner };
    }

    it('appends each event on its own, in order, reading the head once and chaining the returned versions', async () => {
      const { store, counts } = countingStore();
      await store.append('execution#f2', 0, [stepSucceeded('first')]);
      counts.appends = 0;
      const stored = await appendFacts(store, 'execution#f2', [stepSucceeded('a'), stepSucceeded('b'), stepSucceeded('c')], { oneAtATime: true });
      expect(stored.map((e) => [e.version, e.data.step])).toEqual([[2, 'a'], [3, 'b'], [4, 'c']]);
      expect(counts).toEqual({ headReads: 1, appends: 3 });
    });

    it('re-reads the head only after a conflict and still lands every event after the intruder', async () => {
      const { store, counts, inner } = countingStore(2);
      await appendFacts(store, 'execution#f3', [stepSucceeded('a'), stepSucceeded('b'), stepSucceeded('c')], { oneAtATime: true, retryDelayMs: () => 0 });
      expect((await inner.read('execution#f3')).map((e) => e.data.step)).toEqual(['a', 'intruder', 'b', 'c']);
      expect(counts).toEqual({ headReads: 2, appends: 4 });
    });

    it('counts maxAttempts per event and keeps what was written before the failure', async () => {
      const inner = new InMemoryEventStore({ sealer: testSealer() });
      let appends = 0;
      const store: EventStore = {
        async append(stream, expected, events) {
          appends++;
          if (appends > 1) throw new ConcurrencyConflict(stream, expected);
          return inner.append(stream, expected, events);
        },
        read: (stream) => inner.read(stream),
      };
      const done = appendFacts(store, 'execution#f4', [stepSucceeded('a'), stepSucceeded('b')], { oneAtATime: true, maxAttempts: 3, retryDelayMs: () => 0 });
      await expect(done).rejects.toBeInstanceOf(ConcurrencyConflict);
      expect(appends).toBe(4);
      expect((await inner.read('execution#f4')).map((e) => e.data.step)).toEqual(['a']);
    });

    it('writes nothing for an empty list', async () => {
      const { store, counts } = countingStore();
      expect(await appendFacts(store, 'execution#f5', [], { oneAtATime: true })).toEqual([]);
      expect(counts).toEqual({ headReads: 0, appends: 0 });
    });
  });

  describe('with a store that remembers heads and may write several events atomically', () => {
    /** The memory store as DynamoDbEventStore presents itself: a remembered head, transactions or not. */
    function awareStore(options: { remembered?: number; transactions: boolean }) {
      const inner = new InMemoryEventStore({ sealer: testSealer() });
      const calls = { headReads: 0, appends: [] as number[] };
      let transactions = options.transactions;
      let learned = false;
      const store = {
        cachedHeadVersion: () => options.remembered,
        canAppendAtomically: () => transactions || !learned,
        async headVersion(stream: string) {
          calls.headReads++;
          return inner.headVersion(stream);
        },
        async append(stream: string, expected: number, events: NewEvent[]) {
          calls.appends.push(events.length);
          if (events.length > 1 && !transactions) {
            learned = true;
            throw new ConfigurationInvalid('no TransactWriteItems here');
          }
          return inner.append(stream, expected, events);
        },
        read: (stream: string) => inner.read(stream),
      };
      return { store, calls, inner, noTransactions: () => (transactions = false) };
    }

    it('tries the remembered head first, and a stale one costs a read, not an attempt', async () => {
      const { store, calls, inner } = awareStore({ remembered: 1, transactions: true });
      await inner.append('execution#g1', 0, [stepSucceeded('a')]);
      await inner.append('execution#g1', 1, [stepSucceeded('another writer')]);
      const [stored] = await appendFacts(store, 'execution#g1', [stepSucceeded('b')], { maxAttempts: 1 });
      expect(stored?.version).toBe(3);
      expect(calls).toEqual({ headReads: 1, appends: [1, 1] });
    });

    it('needs no read at all when the remembered head is the real one', async () => {
      const { store, calls, inner } = awareStore({ remembered: 1, transactions: true });
      await inner.append('execution#g2', 0, [stepSucceeded('a')]);
      await appendFacts(store, 'execution#g2', [stepSucceeded('b')]);
      expect(calls).toEqual({ headReads: 0, appends: [1] });
    });

    it('groups oneAtATime facts, ten at most, into atomic appends where the store can', async () => {
      const { store, calls } = awareStore({ transactions: true });
      const facts = Array.from({ length: 12 }, (_, i) => stepSucceeded(`f${i}`));
      const stored = await appendFacts(store, 'execution#g3', facts, { oneAtATime: true });
      expect(stored.map((e) => e.version)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      expect(calls).toEqual({ headReads: 1, appends: [10, 2] });
    });

    it('appends one at a time once the store finds it has no transactions, in order, without losing an attempt', async () => {
      const { store, calls, inner, noTransactions } = awareStore({ transactions: true });
      noTransactions();
      const stored = await appendFacts(store, 'execution#g4', [stepSucceeded('a'), stepSucceeded('b'), stepSucceeded('c')], { oneAtATime: true, maxAttempts: 1 });
      expect(stored.map((e) => [e.version, e.data.step])).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
      expect(calls.appends).toEqual([3, 1, 1, 1]);
      expect((await inner.read('execution#g4')).map((e) => e.data.step)).toEqual(['a', 'b', 'c']);
    });

    it('never splits a list appended without oneAtATime: no transactions is an error then', async () => {
      const { store, noTransactions } = awareStore({ transactions: true });
      noTransactions();
      await expect(appendFacts(store, 'execution#g5', [stepSucceeded('a'), stepSucceeded('b')])).rejects.toBeInstanceOf(ConfigurationInvalid);
    });
  });

  it('without oneAtATime still appends the list in one atomic append', async () => {
    const store = new InMemoryEventStore({ sealer: testSealer() });
    let appends = 0;
    const spy: EventStore = {
      append: (s, v, e) => {
        appends++;
        return store.append(s, v, e);
      },
      read: (s) => store.read(s),
    };
    expect((await appendFacts(spy, 'execution#f6', [stepSucceeded('a'), stepSucceeded('b')])).map((e) => e.version)).toEqual([1, 2]);
    expect(appends).toBe(1);
  });
});
