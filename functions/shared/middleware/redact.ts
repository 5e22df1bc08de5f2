/**
 * Redaction of known sensitive values. Pure: no I/O, no globals.
 *
 * Two rules, because each catches what the other misses:
 * - by value: every registered secret value and task token is replaced wherever it occurs,
 *   even inside a longer string (an error message, a URL, a prompt);
 * - by key: anything under a key named like a credential (`password`, `apiKey`, `taskToken`,
 *   `authorization`, ...) is replaced whole, even when its value was never registered.
 */

export const REDACTED = '[REDACTED]';

/** Shorter values would redact ordinary text ("abc" inside every word); they are refused. */
export const MIN_REDACTED_LENGTH = 4;

/** Deeper structures are cut off: logs and events never need them and cycles end here. */
const MAX_DEPTH = 32;

/**
 * Key names (case-insensitive, `_`/`-` ignored) whose values are always redacted.
 * Anchored at the end so that `secretName`, `tokenCount` or `inputTokens` stay readable.
 */
const SENSITIVE_KEY = /(secrets?|password|passwd|passphrase|token|apikey|authorization|credentials?|privatekey|secretstring|cookie)$/;

/** True when a property with this name must never be shown. */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key.replace(/[-_]/g, '').toLowerCase());
}

/**
 * Holds the values that must never leave the process and replaces them in anything.
 *
 * Values registered with `register` live as long as the redactor (secrets: the container).
 * Values registered with `registerForInvocation` (task tokens) are dropped by
 * `beginInvocation`, so a long-lived container does not accumulate every token it saw.
 *
 * @example
 * ```ts
 * const redactor = new Redactor();
 * redactor.register('sk_live_abc123');
 * redactor.redact({ msg: 'key sk_live_abc123 refused', apiKey: 'x' });
 * // => { msg: 'key [REDACTED] refused', apiKey: '[REDACTED]' }
 * ```
 */
export class Redactor {
  readonly #lasting = new Set<string>();
  readonly #invocation = new Set<string>();
  /** Longest first, so a value containing another registered value is replaced whole. */
  #ordered: string[] = [];

  /** Registers a value for the redactor's lifetime. Values shorter than 4 characters are ignored. */
  register(value: string): void {
    if (typeof value !== 'string' || value.length < MIN_REDACTED_LENGTH || this.#lasting.has(value)) return;
    this.#lasting.add(value);
    this.#reorder();
  }

  /** Registers a value until the next `beginInvocation()` (task tokens). */
  registerForInvocation(value: string): void {
    if (typeof value !== 'string' || value.length < MIN_REDACTED_LENGTH || this.#invocation.has(value)) return;
    this.#invocation.add(value);
    this.#reorder();
  }

  /** Forgets the per-invocation values. Lambda runs one invocation per container at a time. */
  beginInvocation(): void {
    if (this.#invocation.size === 0) return;
    this.#invocation.clear();
    this.#reorder();
  }

  /** True when `value` contains any registered value (anywhere in its strings or keys). */
  contains(value: unknown): boolean {
    if (this.#ordered.length === 0) return false;
    let found = false;
    walk(value, 0, new WeakSet(), (s) => {
      if (!found && this.#ordered.some((secret) => s.includes(secret))) found = true;
      return s;
    }, false);
    return found;
  }

  /** Replaces registered values in one string. */
  redactString(text: string): string {
    let out = text;
    for (const secret of this.#ordered) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }

  /**
   * Returns a redacted deep copy: strings (and keys) with registered values replaced, values
   * under sensitive keys replaced whole, errors turned into `{ name, message, stack }`,
   * cycles and nesting deeper than 32 levels cut. Never throws, never mutates its argument.
   */
  redact<T>(value: T): T extends string ? string : unknown {
    return walk(value, 0, new WeakSet(), (s) => this.redactString(s), true) as T extends string ? string : unknown;
  }

  #reorder(): void {
    this.#ordered = [...this.#lasting, ...this.#invocation].sort((a, b) => b.length - a.length);
  }
}

function walk(
  value: unknown,
  depth: number,
  seen: WeakSet<object>,
  onString: (s: string) => string,
  byKey: boolean,
): unknown {
  if (typeof value === 'string') return onString(value);
  if (value === null || typeof value !== 'object') {
    // Functions and symbols carry no data worth keeping and may print source text.
    if (typeof value === 'function' || typeof value === 'symbol') return `[${typeof value}]`;
    if (typeof value === 'bigint') return value.toString();
    return value;
  }
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (value instanceof Error) {
      const out: Record<string, unknown> = {
        name: onString(String(value.name)),
        message: onString(String(value.message)),
      };
      if (typeof value.stack === 'string') out.stack = onString(value.stack);
      for (const [k, v] of safeEntries(value)) {
        if (k === 'name' || k === 'message' || k === 'stack') continue;
        out[onString(k)] = byKey && isSensitiveKey(k) ? REDACTED : walk(v, depth + 1, seen, onString, byKey);
      }
      if ('cause' in value && value.cause !== undefined) out.cause = walk(value.cause, depth + 1, seen, onString, byKey);
      return out;
    }
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (Array.isArray(value)) return value.map((item) => walk(item, depth + 1, seen, onString, byKey));
    if (value instanceof Map) {
      return walk(Object.fromEntries(value), depth, seen, onString, byKey);
    }
    if (value instanceof Set) return walk([...value], depth, seen, onString, byKey);
    const out: Record<string, unknown> = {};
    for (const [k, v] of safeEntries(value)) {
      out[onString(k)] = byKey && isSensitiveKey(k) ? REDACTED : walk(v, depth + 1, seen, onString, byKey);
    }
    return out;
  } finally {
    // Siblings may share an object legitimately; only ancestors make a cycle.
    seen.delete(value);
  }
}

/** Own enumerable entries, surviving getters that throw (hostile or exotic objects). */
function safeEntries(value: object): [string, unknown][] {
  const out: [string, unknown][] = [];
  let keys: string[];
  try {
    keys = Object.keys(value);
  } catch {
    return out;
  }
  for (const key of keys) {
    try {
      out.push([key, (value as Record<string, unknown>)[key]]);
    } catch {
      out.push([key, '[Unreadable]']);
    }
  }
  return out;
}
