import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Sealer } from '../../../functions/shared/crypto/sealer.js';
import { ConcurrencyConflict, ConfigurationInvalid, ValidationFailed } from '../../../functions/shared/errors.js';
import { appendFacts } from '../../../functions/shared/events/append-facts.js';
import { verifyChain } from '../../../functions/shared/events/chain.js';
import type { Json, NewEvent } from '../../../functions/shared/events/event.js';
import { openSealed } from '../../../functions/shared/events/open-sealed.js';
import type { EventStore } from '../../../functions/shared/events/store.js';
import { GatedSealer, PLANTED_SECRET, stepSucceeded, testSealer } from './event-fixtures.js';
import { naughtyStrings } from '../../support/datasets.js';

export type ContractStore = EventStore & { headVersion(stream: string): Promise<number> };

export interface StoreContractOptions {
  /** Builds a fresh store over the given sealer (a new table for DynamoDB). */
  makeStore: (sealer: Sealer) => Promise<ContractStore>;
  /** Whether an append of several events is one atomic write here (false on dynalite). */
  atomicMultiEventAppend: boolean;
  /** fast-check runs for the append/read property; lower for slower backends. */
  propertyRuns: number;
}

const BLNS: string[] = naughtyStrings();

let streams = 0;
const freshStream = (kind: 'execution' | 'approval' = 'execution') =>
  `${kind}#contract-${process.pid}-${Date.now().toString(36)}-${++streams}`;

/**
 * The behaviour every EventStore must have. Run it against each implementation, so the
 * fast in-memory store used by other unit tests cannot drift from the DynamoDB store.
 */
export function runStoreContract(name: string, opts: StoreContractOptions): void {
  const sealer = testSealer();
  const store = () => opts.makeStore(sealer);

  describe(`EventStore contract: ${name}`, () => {
    it('reads an unknown stream as empty, at version 0', async () => {
      const s = await store();
      const stream = freshStream();
      expect(await s.read(stream)).toEqual([]);
      expect(await s.headVersion(stream)).toBe(0);
    });

    it('appends one event as version 1 with no prevHash, and reads back exactly what append returned', async () => {
      const s = await store();
      const stream = freshStream();
      const [stored] = await s.append(stream, 0, [{ type: 'ExecutionStarted', actor: 'step:start', data: { workflow: 'invoice' } }]);
      expect(stored).toMatchObject({ stream, version: 1, type: 'ExecutionStarted', actor: 'step:start', prevHash: null, sealed: null });
      expect(stored?.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(await s.read(stream)).toEqual([stored]);
      expect(await s.headVersion(stream)).toBe(1);
    });

    it('links appended events into a chain that verifies', async () => {
      const s = await store();
      const stream = freshStream();
      for (let v = 0; v < 4; v++) await s.append(stream, v, [stepSucceeded(`s${v}`)]);
      const events = await s.read(stream);
      expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4]);
      expect(events[2]?.prevHash).toBe(events[1]?.hash);
      expect(verifyChain(events)).toEqual({ ok: true, events: 4, head: events[3]?.hash });
    });

    it('refuses an append at a stale or future expected version with ConcurrencyConflict and writes nothing', async () => {
      const s = await store();
      const stream = freshStream();
      await s.append(stream, 0, [stepSucceeded('a')]);
      await expect(s.append(stream, 0, [stepSucceeded('b')])).rejects.toBeInstanceOf(ConcurrencyConflict);
      await expect(s.append(stream, 5, [stepSucceeded('c')])).rejects.toBeInstanceOf(ConcurrencyConflict);
      expect((await s.read(stream)).map((e) => e.data.step)).toEqual(['a']);
    });

    it('lets exactly one of two concurrent writers at the same version win', async () => {
      const s = await store();
      for (let round = 0; round < 5; round++) {
        const stream = freshStream();
        const results = await Promise.allSettled([
          s.append(stream, 0, [stepSucceeded('writer-a')]),
          s.append(stream, 0, [stepSucceeded('writer-b')]),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0]?.reason).toBeInstanceOf(ConcurrencyConflict);
        const events = await s.read(stream);
        expect(events).toHaveLength(1);
        expect(events[0]).toEqual((won[0] as PromiseFulfilledResult<unknown[]>).value[0]);
      }
    });

    it('refuses, at write time, a writer whose head check passed before another writer landed', async () => {
      // The gate holds writer A after its head check (it is sealing) until B has written.
      const gated = new GatedSealer(sealer);
      const s = await opts.makeStore(gated);
      const stream = freshStream();
      const slow: NewEvent[] = opts.atomicMultiEventAppend
        ? [{ ...stepSucceeded('a1'), sensitive: { x: 1 } }, stepSucceeded('a2')]
        : [{ ...stepSucceeded('a1'), sensitive: { x: 1 } }];
      const a = s.append(stream, 0, slow);
      await gated.waiting;
      await s.append(stream, 0, [stepSucceeded('b')]);
      gated.release();
      await expect(a).rejects.toBeInstanceOf(ConcurrencyConflict);
      // Nothing of A's append was written: not a1, and (atomically) not a2 at version 2 either.
      expect((await s.read(stream)).map((e) => e.data.step)).toEqual(['b']);
    });

    if (opts.atomicMultiEventAppend) {
      it('appends several events in one call as consecutive, linked versions', async () => {
        const s = await store();
        const stream = freshStream();
        const stored = await s.append(stream, 0, [stepSucceeded('a'), stepSucceeded('b'), stepSucceeded('c')]);
        expect(stored.map((e) => e.version)).toEqual([1, 2, 3]);
        expect(await s.read(stream)).toEqual(stored);
        expect(verifyChain(stored).ok).toBe(true);
      });
    } else {
      it('refuses a multi-event append with ConfigurationInvalid and writes nothing (no transactions here)', async () => {
        const s = await store();
        const stream = freshStream();
        await expect(s.append(stream, 0, [stepSucceeded('a'), stepSucceeded('b')])).rejects.toBeInstanceOf(ConfigurationInvalid);
        expect(await s.read(stream)).toEqual([]);
      });
    }

    it('seals the sensitive part bound to its event, and never stores it in clear', async () => {
      const s = await store();
      const stream = freshStream('approval');
      await s.append(stream, 0, [stepSucceeded('first')]);
      const [stored] = await s.append(stream, 1, [
        { type: 'ApprovalRequested', actor: 'step:request-approval', data: { approvalId: 'a1' }, sensitive: { taskToken: PLANTED_SECRET } },
      ]);
      const [, read] = await s.read(stream);
      expect(read).toEqual(stored);
      expect(read?.sealed).toEqual(expect.any(String));
      const { sealed, ...clear } = read!;
      expect(JSON.stringify(clear)).not.toContain(PLANTED_SECRET);
      expect(Buffer.from(sealed!, 'base64').toString('latin1')).not.toContain(PLANTED_SECRET);
      expect(await openSealed(read!, sealer)).toEqual({ taskToken: PLANTED_SECRET });
    });

    it('rejects invalid input with ValidationFailed naming the field, before writing anything', async () => {
      const s = await store();
      const stream = freshStream();
      const cases: [string, () => Promise<unknown>, string][] = [
        ['bad stream', () => s.append(`execution#${PLANTED_SECRET} x`, 0, [stepSucceeded('a')]), 'stream'],
        ['unknown type', () => s.append(stream, 0, [{ type: 'Nope' as 'StepSucceeded', actor: 'a', data: {} }]), 'events[0].type'],
        ['empty actor', () => s.append(stream, 0, [{ type: 'StepSucceeded', actor: '', data: {} }]), 'events[0].actor'],
        ['NaN in data', () => s.append(stream, 0, [{ type: 'StepSucceeded', actor: 'a', data: { n: Number.NaN } }]), 'events[0].data.n'],
        ['undefined in sensitive', () => s.append(stream, 0, [{ type: 'StepSucceeded', actor: 'a', data: {}, sensitive: { k: undefined as unknown as Json } }]), 'events[0].sensitive.k'],
        ['Date in data', () => s.append(stream, 0, [{ type: 'StepSucceeded', actor: 'a', data: { d: new Date() as unknown as Json } }]), 'events[0].data.d'],
        ['no events', () => s.append(stream, 0, []), 'events'],
        ['negative expected version', () => s.append(stream, -1, [stepSucceeded('a')]), 'expectedVersion'],
      ];
      for (const [label, attempt, path] of cases) {
        const error = await attempt().then(() => undefined, (e: unknown) => e);
        expect(error, label).toBeInstanceOf(ValidationFailed);
        expect((error as ValidationFailed).issues.map((i) => i.path), label).toContain(path);
        expect((error as Error).message, label).not.toContain(PLANTED_SECRET);
      }
      await expect(s.read(`execution#bad stream`)).rejects.toBeInstanceOf(ValidationFailed);
      expect(await s.read(stream)).toEqual([]);
    });

    it('rejects an event over the 400 KB item limit, naming its largest field, before writing', async () => {
      const s = await store();
      const stream = freshStream();
      const big = 'x'.repeat(410 * 1024);
      const tooBigData = await s.append(stream, 0, [stepSucceeded('a', { big })]).catch((e: unknown) => e);
      expect(tooBigData).toBeInstanceOf(ValidationFailed);
      expect((tooBigData as ValidationFailed).issues[0]?.path).toBe('events[0].data');
      const tooBigSensitive = await s
        .append(stream, 0, [{ ...stepSucceeded('a'), sensitive: { document: big } }])
        .catch((e: unknown) => e);
      expect((tooBigSensitive as ValidationFailed).issues[0]?.path).toBe('events[0].sensitive');
      expect(await s.read(stream)).toEqual([]);
    });

    it('reads a stream larger than one DynamoDB page (1 MB) in version order', async () => {
      const s = await store();
      const stream = freshStream();
      const chunk = 'y'.repeat(350 * 1024);
      for (let v = 0; v < 4; v++) await s.append(stream, v, [stepSucceeded(`s${v}`, { chunk })]);
      const events = await s.read(stream);
      expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4]);
      expect(verifyChain(events).ok).toBe(true);
    });

    it('round-trips every naughty string byte for byte, in data, keys, sensitive and actor', async () => {
      const s = await store();
      const stream = freshStream();
      const data = { strings: BLNS, keyed: Object.fromEntries(BLNS.map((str, i) => [str, i])), lone: '\ud800 and \udfff' };
      const sensitive = { strings: BLNS };
      await s.append(stream, 0, [{ type: 'StepSucceeded', actor: 'step:blns', data, sensitive }]);
      const actors = BLNS.filter((x) => x.length > 0 && x.length <= 512).slice(0, 40);
      for (let i = 0; i < actors.length; i++) await s.append(stream, i + 1, [{ type: 'StepSucceeded', actor: actors[i]!, data: {} }]);
      const [first, ...rest] = await s.read(stream);
      expect(first?.data).toEqual(data);
      expect((first?.data.strings as string[]).every((str, i) => str === BLNS[i])).toBe(true);
      expect(await openSealed(first!, sealer)).toEqual(sensitive);
      expect(rest.map((e) => e.actor)).toEqual(actors);
      expect(verifyChain([first!, ...rest]).ok).toBe(true);
    });

    it('property: for any JSON data, append then read returns equal data and a verifying chain', async () => {
      const s = await store();
      const jsonObject = fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 6 });
      await fc.assert(
        fc.asyncProperty(fc.array(jsonObject, { minLength: 1, maxLength: 3 }), async (datas) => {
          const stream = freshStream();
          for (let v = 0; v < datas.length; v++) {
            await s.append(stream, v, [{ type: 'StepSucceeded', actor: 'step:prop', data: datas[v] as { [key: string]: Json }, sensitive: { echo: datas[v] as Json } }]);
          }
          const events = await s.read(stream);
          // JSON text is the stored form: -0 reads back as 0, and nothing else may change.
          expect(events.map((e) => e.data)).toEqual(datas.map((d) => JSON.parse(JSON.stringify(d))));
          expect(verifyChain(events).ok).toBe(true);
          expect(await openSealed(events[0]!, sealer)).toEqual({ echo: JSON.parse(JSON.stringify(datas[0])) });
        }),
        { numRuns: opts.propertyRuns },
      );
    });

    it('appendFacts lands every concurrent fact at the head, retrying conflicts', async () => {
      const s = await store();
      const stream = freshStream();
      const writers = 5;
      // Each of A's failed attempts needs another writer's success inside it, so 5 attempts suffice for 5 writers.
      const results = await Promise.all(
        Array.from({ length: writers }, (_, i) => appendFacts(s, stream, [stepSucceeded(`w${i}`)], { maxAttempts: writers })),
      );
      const events = await s.read(stream);
      expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
      expect(new Set(events.map((e) => e.data.step))).toEqual(new Set(['w0', 'w1', 'w2', 'w3', 'w4']));
      expect(results.flat().sort((a, b) => a.version - b.version)).toEqual(events);
      expect(verifyChain(events).ok).toBe(true);
    });
  });
}
