import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonCopy } from '../../../lib/local/runtime/lambda/json-copy.js';

const viaJson = (value: unknown) => (value === undefined ? null : (JSON.parse(JSON.stringify(value) ?? 'null') as unknown));

describe('jsonCopy', () => {
  it('equals a JSON round trip, key order included, for any JSON-like value', () => {
    fc.assert(
      fc.property(fc.anything({ withDate: true, withNullPrototype: true, withSparseArray: true, withObjectString: true }), (value) => {
        let expected: unknown;
        try {
          expected = viaJson(value);
        } catch {
          return; // BigInt and the like: JSON refuses them, and so does jsonCopy (below)
        }
        const copy = jsonCopy(value);
        expect(JSON.stringify(copy)).toBe(JSON.stringify(expected));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a "__proto__" key as an own property, as JSON.parse does, and never sets the prototype from input', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const copy = jsonCopy(input) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
    expect(JSON.stringify(copy)).toBe(JSON.stringify(input));
  });

  it('applies JSON rules: toJSON, dropped and nulled values, non-finite numbers', () => {
    const value = { at: new Date(0), skip: undefined, fn: () => 1, list: [undefined, NaN, Infinity, () => 1, Symbol('s')], n: -0 };
    expect(jsonCopy(value)).toEqual({ at: '1970-01-01T00:00:00.000Z', list: [null, null, null, null, null], n: 0 });
    expect(jsonCopy(undefined)).toBeNull();
  });

  it('copies, never shares: changing the copy leaves the original', () => {
    const original = { a: { b: [1, 2] } };
    const copy = jsonCopy(original) as { a: { b: number[] } };
    copy.a.b.push(3);
    expect(original.a.b).toEqual([1, 2]);
  });

  it('copies a value nested 100,000 levels deep, where JSON.stringify overflows the stack', () => {
    let deep: unknown[] = [];
    const root = deep;
    for (let i = 0; i < 100_000; i++) {
      const next: unknown[] = [];
      deep.push(next);
      deep = next;
    }
    expect(() => JSON.stringify(root)).toThrow(RangeError);
    const copy = jsonCopy({ d: root }) as { d: unknown[] };
    let depth = 0;
    for (let level: unknown[] | undefined = copy.d; level !== undefined; level = level[0] as unknown[] | undefined) depth++;
    expect(depth).toBe(100_001);
  });

  it('refuses a cycle and a BigInt as JSON.stringify does, but copies a shared object twice', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = { back: cyclic };
    expect(() => jsonCopy(cyclic)).toThrow(/circular/);
    expect(() => jsonCopy({ n: 1n })).toThrow(TypeError);
    const shared = { x: 1 };
    expect(jsonCopy({ a: shared, b: [shared, shared] })).toEqual({ a: { x: 1 }, b: [{ x: 1 }, { x: 1 }] });
  });
});
