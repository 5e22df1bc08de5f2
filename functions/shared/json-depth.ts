/**
 * How deeply a JSON document nests, checked without recursion.
 *
 * A recursive walk (or a recursive-descent parser, or a zod schema with z.lazy) over a
 * document nested 100,000 levels deep overflows the call stack: a RangeError that surfaces as
 * an internal failure, or is caught somewhere and mistaken for something else. No real input
 * nests anywhere near {@link MAX_JSON_DEPTH}, so deeper documents are refused up front, and
 * both checks here use an explicit stack or a counter, whatever the input.
 *
 * Depth counts objects and arrays inside each other: a string, number, boolean or null is
 * depth 0, `{}` and `[]` are 1, `{"a":[1]}` is 2.
 */

/** The deepest nesting wardflow accepts in an execution input or a step's payload. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const OPEN_BRACE = 0x7b; // {
const CLOSE_BRACE = 0x7d; // }
const OPEN_BRACKET = 0x5b; // [
const CLOSE_BRACKET = 0x5d; // ]

/**
 * Whether a value (as JSON.parse returns it, or any object graph) nests objects and arrays
 * more than `limit` levels deep. Iterative: an explicit stack, never recursion, and it stops
 * at the first container past the limit. An object reached twice (shared or cyclic) is walked
 * again only from a deeper level, so a cycle counts as too deep and sharing costs at most
 * `limit` walks per object. An object's own enumerable values are its children, an array's
 * elements are; `toJSON` is not called.
 *
 * @example
 * jsonDepthExceeds({ a: [1, { b: null }] }, 3); // false (depth 3)
 * jsonDepthExceeds({ a: [1, { b: [] }] }, 3);   // true  (depth 4)
 * jsonDepthExceeds(JSON.parse(text), MAX_JSON_DEPTH);
 */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  if (!isContainer(value)) return false;
  if (limit < 1) return true;
  const deepestSeen = new Map<object, number>();
  const stack: [object, number][] = [[value, 1]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [container, depth] = next;
    const seen = deepestSeen.get(container);
    if (seen !== undefined && seen >= depth) continue;
    deepestSeen.set(container, depth);
    for (const child of Array.isArray(container) ? container : Object.values(container)) {
      if (!isContainer(child)) continue;
      if (depth + 1 > limit) return true;
      stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * Whether a JSON text nests objects and arrays more than `limit` levels deep, read from the
 * raw text before anything parses it: one pass, one counter, no allocation, so a 100,000-deep
 * document is refused in microseconds. Brackets inside strings do not count. For valid JSON it
 * agrees with `jsonDepthExceeds(JSON.parse(text), limit)`; for text that is not JSON it still
 * answers (and the parser that runs next says what is wrong).
 *
 * @example
 * jsonTextDepthExceeds('{"a":"[[[["}', 1); // false: the brackets are in a string
 * jsonTextDepthExceeds('[[[]]]', 2);        // true
 * if (jsonTextDepthExceeds(body, MAX_JSON_DEPTH)) throw new Error(`nested deeper than ${MAX_JSON_DEPTH} levels`);
 */
export function jsonTextDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let at = 0; at < text.length; at++) {
    const char = text.charCodeAt(at);
    if (inString) {
      if (char === BACKSLASH) at++;
      else if (char === QUOTE) inString = false;
    } else if (char === QUOTE) {
      inString = true;
    } else if (char === OPEN_BRACE || char === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if ((char === CLOSE_BRACE || char === CLOSE_BRACKET) && depth > 0) {
      depth--;
    }
  }
  return false;
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
