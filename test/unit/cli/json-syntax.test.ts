import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError } from '../../../lib/cli/json-syntax.js';

describe('findJsonSyntaxError', () => {
  it.each([
    ['{"a":1,}', { line: 1, column: 8, expected: 'a property name in double quotes' }],
    ['{\n  "a": tru\n}', { line: 2, column: 8, expected: 'a JSON value (string, number, object, array, true, false or null)' }],
    ['{"a":1', { line: 1, column: 7, expected: '"," or "}" after the property value' }],
    ['[1,2,,3]', { line: 1, column: 6, expected: 'a JSON value (string, number, object, array, true, false or null)' }],
    ['{"a":"b"} x', { line: 1, column: 11, expected: 'the end of the input after the JSON value' }],
    ['{"a":"line\nbreak"}', { line: 1, column: 11, expected: 'no raw control character (line break, tab) inside a string: escape it as \\n, \\t, ...' }],
    ['{"a" 1}', { line: 1, column: 6, expected: '":" after the property name' }],
    ['["\\x"]', { line: 1, column: 3, expected: 'a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)' }],
    ['["\\u12"]', { line: 1, column: 3, expected: 'four hex digits after \\u' }],
    ['{"a": "é", "b": -}', { line: 1, column: 17, expected: 'a number' }],
    ['"open', { line: 1, column: 6, expected: 'a closing double quote' }],
  ])('locates the error in %j', (text, expected) => {
    expect(findJsonSyntaxError(text)).toEqual(expected);
  });

  it('scans 100,000 levels of nesting without recursion, and still locates an error at the bottom', () => {
    const depth = 100_000;
    expect(findJsonSyntaxError(`${'[{"a":'.repeat(depth)}1${'}]'.repeat(depth)}`)).toBeUndefined();
    expect(findJsonSyntaxError(`${'['.repeat(depth)}x${']'.repeat(depth)}`)).toEqual({ line: 1, column: depth + 1, expected: 'a JSON value (string, number, object, array, true, false or null)' });
    expect(findJsonSyntaxError(`${'{"a":'.repeat(depth)}1`)).toEqual({ line: 1, column: depth * 5 + 2, expected: '"," or "}" after the property value' });
  });

  it('accepts exactly what JSON.parse accepts', () => {
    const accepts = (text: string): boolean => {
      try {
        JSON.parse(text);
        return true;
      } catch {
        return false;
      }
    };
    const jsonText = fc.jsonValue().chain((value) => fc.constantFrom(JSON.stringify(value), JSON.stringify(value, null, 2)));
    const mangled = jsonText.chain((text) =>
      fc.tuple(fc.nat({ max: Math.max(0, text.length) }), fc.constantFrom('', ',', '}', ']', '"', ':', 'x', '\n', '\\', '-', '0')).map(([at, insert]) => text.slice(0, at) + insert + text.slice(at + 1)),
    );
    fc.assert(
      fc.property(fc.oneof(jsonText, mangled, fc.string()), (text) => {
        expect(findJsonSyntaxError(text) === undefined).toBe(accepts(text));
      }),
      { numRuns: 3000 },
    );
  });
});
