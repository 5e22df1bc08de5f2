/**
 * A copy of a value as it comes out of `JSON.parse(JSON.stringify(value))`, made with an
 * explicit stack instead of recursion. Lambda receives its event as JSON text and parses it
 * again; V8's JSON.stringify recurses and throws RangeError past a few thousand levels, so
 * copying with it failed a local invocation before the handler could refuse the payload (an
 * execution input nested 100,000 deep ended with "Maximum call stack size exceeded" and no
 * record). Nothing on npm copies with JSON's rules without recursion, hence this.
 *
 * JSON's rules: `toJSON` is called (Dates become strings); `undefined`, functions and symbols
 * are dropped from objects and become null in arrays; non-finite numbers become null; a
 * top-level value JSON cannot hold becomes null, as the local invoke treats `undefined`; -0 is 0.
 * A cycle throws TypeError, as JSON.stringify does.
 *
 * @example
 * jsonCopy({ at: new Date(0), skip: undefined, list: [undefined, NaN] });
 * // { at: '1970-01-01T00:00:00.000Z', list: [null, null] }
 */
export function jsonCopy(value: unknown): unknown {
  const root = { value: null as unknown };
  const stack: Array<{ from: unknown; into: (copy: unknown) => void; key: string }> = [{ from: value, into: (copy) => (root.value = copy), key: '' }];
  const open = new Set<object>();
  const closes: Array<{ at: number; object: object }> = [];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    while (closes.length > 0 && closes.at(-1)!.at > stack.length) open.delete(closes.pop()!.object);
    const plain = toJsonValue(item.from, item.key);
    if (plain === null || typeof plain !== 'object') {
      item.into(omitted(plain) ? null : plain);
      continue;
    }
    if (open.has(plain)) throw new TypeError('Converting circular structure to JSON');
    open.add(plain);
    closes.push({ at: stack.length, object: plain });
    if (Array.isArray(plain)) {
      const copy: unknown[] = new Array<unknown>(plain.length).fill(null);
      item.into(copy);
      for (let i = plain.length - 1; i >= 0; i--) {
        const element = plain[i];
        if (omitted(toJsonValue(element, String(i)))) continue;
        stack.push({ from: element, into: (c) => (copy[i] = c), key: String(i) });
      }
    } else {
      const copy: Record<string, unknown> = {};
      item.into(copy);
      const entries = Object.entries(plain).filter(([key, child]) => !omitted(toJsonValue(child, key)));
      // Keys are assigned in order first, so the copy keeps the original's key order.
      for (const [key] of entries) setOwn(copy, key, null);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i]!;
        stack.push({ from: child, into: (c) => setOwn(copy, key, c), key });
      }
    }
  }
  return root.value;
}

/**
 * `object[key] = value`, except that a key `__proto__` becomes an own property, as JSON.parse makes
 * it: assigning it would set the copy's prototype instead (an input could then plant properties
 * every read of the copy inherits), and the key would vanish from the copy.
 */
function setOwn(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

function toJsonValue(value: unknown, key: string): unknown {
  let current = value;
  if (current !== null && typeof current === 'object' && typeof (current as { toJSON?: unknown }).toJSON === 'function') {
    current = (current as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  if (typeof current === 'number' && !Number.isFinite(current)) return null;
  if (current === 0) return 0; // -0 too, as JSON writes it
  if (typeof current === 'bigint') throw new TypeError('Do not know how to serialize a BigInt');
  if (current instanceof Number || current instanceof String || current instanceof Boolean) return current.valueOf();
  return current;
}

function omitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}
