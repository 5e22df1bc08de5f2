import canonicalizeModule from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalEncoding, canonicalEventText, hashEvent, type UnhashedEvent } from '../../../functions/shared/events/canonical.js';
import { EVENT_TYPES } from '../../../functions/shared/events/event.js';

const canonicalize = canonicalizeModule as unknown as (input: unknown) => string;

const base: UnhashedEvent = {
  stream: 'execution#e1',
  version: 1,
  type: 'ExecutionStarted',
  time: '2025-01-01T00:00:00.000Z',
  actor: 'step:start',
  data: { workflow: 'invoice', amount: 12.5 },
  sealed: null,
  prevHash: null,
};

const anEvent = fc.record({
  stream: fc.string({ unit: 'binary' }),
  version: fc.integer({ min: 1, max: 2 ** 40 }),
  type: fc.constantFrom(...EVENT_TYPES),
  time: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  actor: fc.string({ unit: 'binary' }),
  data: fc.dictionary(fc.string({ unit: 'binary' }), fc.jsonValue({ maxDepth: 3 })),
  sealed: fc.option(fc.base64String()),
  prevHash: fc.option(fc.stringMatching(/^[0-9a-f]{64}$/)),
}) as fc.Arbitrary<UnhashedEvent>;

describe('canonicalEncoding', () => {
  it('equals RFC 8785 (canonicalize) of the whole event, for any event', () => {
    fc.assert(
      fc.property(anEvent, (event) => {
        expect(canonicalEncoding(event)).toBe(canonicalize({ ...event }));
      }),
      { numRuns: 500 },
    );
  });

  it('does not depend on the order data keys were written in, nor on extra properties', () => {
    const reordered = { ...base, data: { amount: 12.5, workflow: 'invoice' } };
    expect(canonicalEncoding(reordered)).toBe(canonicalEncoding(base));
    expect(canonicalEncoding({ ...base, hash: 'x' } as UnhashedEvent)).toBe(canonicalEncoding(base));
  });

  it('encodes a known event to known bytes (a change here breaks every stored chain)', () => {
    expect(canonicalEncoding(base)).toBe(
      '{"actor":"step:start","data":{"amount":12.5,"workflow":"invoice"},"prevHash":null,"sealed":null,' +
        '"stream":"execution#e1","time":"2025-01-01T00:00:00.000Z","type":"ExecutionStarted","version":1}',
    );
  });
});

describe('hashEvent', () => {
  it('is SHA-256 hex of the canonical encoding', async () => {
    const { createHash } = await import('node:crypto');
    expect(hashEvent(base)).toBe(createHash('sha256').update(canonicalEncoding(base)).digest('hex'));
    expect(hashEvent(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when any covered field changes', () => {
    const variants: UnhashedEvent[] = [
      { ...base, stream: 'execution#e2' },
      { ...base, version: 2 },
      { ...base, type: 'ExecutionFailed' },
      { ...base, time: '2025-01-01T00:00:00.001Z' },
      { ...base, actor: 'step:starT' },
      { ...base, data: { ...base.data, amount: 12.6 } },
      { ...base, sealed: 'AAAA' },
      { ...base, prevHash: '0'.repeat(64) },
    ];
    const hashes = new Set([base, ...variants].map(hashEvent));
    expect(hashes.size).toBe(variants.length + 1);
  });
});

describe('canonicalEventText', () => {
  const stored = (event: UnhashedEvent) => ({ ...event, hash: hashEvent(event) });

  it('is RFC 8785 of the whole stored event, hash included, for any event', () => {
    fc.assert(
      fc.property(anEvent, (event) => {
        const withHash = stored(event);
        expect(canonicalEventText(withHash)).toBe(canonicalize(withHash));
      }),
    );
  });
});
