import { describe, expect, it } from 'vitest';
import { ConcurrencyConflict, ValidationFailed } from '../../../functions/shared/errors.js';
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
});
