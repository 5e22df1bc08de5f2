import { describe, expect, it } from 'vitest';
import { TamperDetected } from '../../../functions/shared/errors.js';
import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';
import { openSealed } from '../../../functions/shared/events/open-sealed.js';
import { stepSucceeded, testSealer } from './event-fixtures.js';

describe('openSealed', () => {
  const sealer = testSealer();

  it('opens an event without a sensitive part as {}', async () => {
    const store = new InMemoryEventStore({ sealer });
    const [event] = await store.append('execution#o1', 0, [stepSucceeded('a')]);
    expect(await openSealed(event!, sealer)).toEqual({});
  });

  it('binds the event its own stream and version: a ciphertext moved to another event fails', async () => {
    const store = new InMemoryEventStore({ sealer });
    const [one] = await store.append('execution#o1', 0, [{ ...stepSucceeded('a'), sensitive: { text: 'one' } }]);
    const [two] = await store.append('execution#o1', 1, [{ ...stepSucceeded('b'), sensitive: { text: 'two' } }]);
    expect(await openSealed(two!, sealer)).toEqual({ text: 'two' });
    const moved = { ...two!, sealed: one!.sealed };
    await expect(openSealed(moved, sealer)).rejects.toMatchObject({ name: 'TamperDetected', version: 2, reason: 'sealed data belongs to execution#o1 v1' });
    const elsewhere = { ...one!, stream: 'execution#o2' };
    await expect(openSealed(elsewhere, sealer)).rejects.toBeInstanceOf(TamperDetected);
  });
});
