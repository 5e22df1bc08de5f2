import type { z } from 'zod';
import type { ValidationIssue } from '../errors.js';

/**
 * Turns zod issues into `{ path, expected }` pairs built only from the schema.
 *
 * Why not `issue.message`: zod messages (and custom error maps) may quote the received value,
 * and a received value can be a secret, a task token or personal data. Everything here comes
 * from the issue's code and the schema's parameters, never from the input.
 */

/** At most this many issues are kept: a hostile input can produce thousands. */
const MAX_ISSUES = 20;
/** Path segments can come from input (record keys); long ones are cut. */
const MAX_SEGMENT = 64;

type ZodIssue = z.core.$ZodIssue;

/**
 * @example
 * ```ts
 * const r = z.object({ amount: z.string() }).safeParse({ amount: 5 });
 * if (!r.success) describeIssues(r.error.issues, ['input']);
 * // => [{ path: 'input.amount', expected: 'a string' }]
 * ```
 */
export function describeIssues(issues: readonly ZodIssue[], prefix: readonly PropertyKey[] = []): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of issues) {
    if (out.length >= MAX_ISSUES) break;
    const path = [...prefix, ...issue.path];
    out.push({ path: formatPath(path), expected: describeExpectation(issue) });
  }
  return out;
}

/** `['input', 'lines', 3, 'amount']` -> `input.lines[3].amount`; `[]` -> `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      out += `[${segment}]`;
      continue;
    }
    const text = typeof segment === 'symbol' ? '(symbol)' : String(segment);
    const safe = text.length > MAX_SEGMENT ? `${text.slice(0, MAX_SEGMENT)}...` : text;
    out += out === '' ? safe : `.${safe}`;
  }
  return out;
}

function describeExpectation(issue: ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'nonoptional') return 'a value (it is required)';
      return article(issue.expected === 'int' ? 'integer' : String(issue.expected));
    case 'too_big':
      return bound(issue.origin, 'most', issue.maximum, issue.inclusive ?? true, issue.exact);
    case 'too_small':
      return bound(issue.origin, 'least', issue.minimum, issue.inclusive ?? true, issue.exact);
    case 'invalid_format':
      return describeFormat(issue);
    case 'not_multiple_of':
      return `a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      // The key names come from the input, so they are counted, not listed.
      return `no keys other than the schema's (${issue.keys.length} unrecognized)`;
    case 'invalid_union':
      return 'a value matching one of the allowed shapes';
    case 'invalid_key':
      return `valid ${issue.origin} keys`;
    case 'invalid_element':
      return `valid ${issue.origin} elements`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `the value ${literal(issue.values[0])}`
        : `one of ${issue.values.slice(0, 10).map(literal).join(', ')}${issue.values.length > 10 ? ', ...' : ''}`;
    case 'custom': {
      // A refinement may state its expectation in `params.expected`: schema text, never input.
      const expected = (issue.params as { expected?: unknown } | undefined)?.expected;
      return typeof expected === 'string' ? expected : 'a value that passes the custom check';
    }
    default:
      return 'a valid value';
  }
}

function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function bound(origin: string, side: 'most' | 'least', limit: number | bigint, inclusive: boolean, exact?: boolean): string {
  const n = String(limit);
  const unit: Record<string, string> = { string: 'characters', array: 'items', set: 'items', file: 'bytes' };
  if (origin in unit) {
    const what = origin === 'string' ? 'a string' : origin === 'file' ? 'a file' : `a list`;
    if (exact) return `${what} of exactly ${n} ${unit[origin]}`;
    return `${what} of at ${side} ${n} ${unit[origin]}`;
  }
  const noun = origin === 'date' ? 'a date' : origin === 'int' ? 'an integer' : 'a number';
  if (side === 'most') return `${noun} ${inclusive ? '<=' : '<'} ${n}`;
  return `${noun} ${inclusive ? '>=' : '>'} ${n}`;
}

function describeFormat(issue: z.core.$ZodIssueInvalidStringFormat): string {
  const params = issue as z.core.$ZodIssueInvalidStringFormat & { prefix?: string; suffix?: string; includes?: string };
  switch (issue.format) {
    case 'regex':
      return `a string matching ${issue.pattern ?? 'the pattern'}`;
    case 'starts_with':
      return `a string starting with ${JSON.stringify(params.prefix ?? '')}`;
    case 'ends_with':
      return `a string ending with ${JSON.stringify(params.suffix ?? '')}`;
    case 'includes':
      return `a string including ${JSON.stringify(params.includes ?? '')}`;
    default:
      return `a valid ${issue.format}`;
  }
}

/** Literal values come from the schema (enums, literals), so they are safe to show. */
function literal(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (value === undefined) return 'undefined';
  return JSON.stringify(value) ?? String(value);
}
