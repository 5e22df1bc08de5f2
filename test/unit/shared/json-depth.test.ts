import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDepthExceeds, jsonTextDepthExceeds, MAX_JSON_DEPTH } from '../../../functions/shared/json-depth.js';

/** The plain recursive definition, for small values only: what the iterative checks must agree with. */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

/** `{"a":{"a":...{}}}`, `depth` objects deep, built without recursion. */
function nestedObject(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let level = 1; level < depth; level++) value = { a: value };
  return value;
}

describe('jsonDepthExceeds', () => {
  it.each([
    ['a string', 'x', 0],
    ['null', null, 0],
    ['an empty object', {}, 1],
    ['an empty array', [], 1],
    ['an object holding an array', { a: [1] }, 2],
    ['siblings of different depth', [[], [[[]]], {}], 4],
  ])('measures %s as depth %i', (_, value, depth) => {
    expect(jsonDepthExceeds(value, depth)).toBe(false);
    if (depth > 0) expect(jsonDepthExceeds(value, depth - 1)).toBe(true);
  });

  it('checks an object 100,000 levels deep without overflowing the stack', () => {
    const deep = nestedObject(100_000);
    expect(jsonDepthExceeds(deep, MAX_JSON_DEPTH)).toBe(true);
    expect(jsonDepthExceeds(deep, 100_000)).toBe(false);
    expect(jsonDepthExceeds(deep, 99_999)).toBe(true);
  });

  it('counts a cycle as too deep, and walks shared objects without blowing up', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(jsonDepthExceeds(cyclic, 1_000)).toBe(true);
    // 60 levels, each holding the next twice: 2^60 paths, 60 objects.
    let shared: unknown[] = [];
    for (let level = 1; level < 60; level++) shared = [shared, shared];
    expect(jsonDepthExceeds(shared, MAX_JSON_DEPTH)).toBe(false);
    expect(jsonDepthExceeds(shared, 59)).toBe(true);
  });

  it('agrees with the recursive definition', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.nat({ max: 10 }), (value, limit) => {
        expect(jsonDepthExceeds(value, limit)).toBe(depthOf(value) > limit);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('jsonTextDepthExceeds', () => {
  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonTextDepthExceeds('{"a":"[[[{{{"}', 1)).toBe(false);
    expect(jsonTextDepthExceeds('["\\"[[[", "\\\\", []]', 2)).toBe(false);
    expect(jsonTextDepthExceeds('["\\"[[[", "\\\\", [[]]]', 2)).toBe(true);
  });

  it('refuses a 100,000-deep text, object or array, in one pass', () => {
    const objects = `${'{"a":'.repeat(99_999)}{}${'}'.repeat(99_999)}`;
    const arrays = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    for (const text of [objects, arrays]) {
      expect(jsonTextDepthExceeds(text, MAX_JSON_DEPTH)).toBe(true);
      expect(jsonTextDepthExceeds(text, 100_000)).toBe(false);
    }
    // Agrees with the value check on the same document.
    expect(jsonDepthExceeds(JSON.parse(objects), 100_000)).toBe(false);
    expect(jsonDepthExceeds(JSON.parse(objects), 99_999)).toBe(true);
  });

  it('agrees with jsonDepthExceeds on every JSON text, compact or indented', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.boolean(), fc.nat({ max: 10 }), (value, indent, limit) => {
        const text = JSON.stringify(value, null, indent ? 2 : undefined);
        expect(jsonTextDepthExceeds(text, limit)).toBe(jsonDepthExceeds(JSON.parse(text), limit));
      }),
      { numRuns: 2000 },
    );
  });

  it('answers for any text, JSON or not, and never counts deeper than the brackets it saw', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', ',', ':') }), (text) => {
        const opening = [...text].filter((c) => c === '[' || c === '{').length;
        expect(jsonTextDepthExceeds(text, opening)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
