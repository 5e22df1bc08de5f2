import { findPii, restorePlaceholders } from './pii.js';
import type { PiiKind, PiiSpan } from './types.js';

/**
 * PII redaction across all of a step's untrusted fields at once. Why not `redactPii` per field:
 * it numbers placeholders per text, so `[EMAIL_1]` in two fields could stand for two addresses and
 * `restore` could not tell them apart. Here one value has one placeholder in every field, and
 * each placeholder one value. The placeholder format is redactPii's (`[<KIND>_<n>]`), so
 * `restorePlaceholders` maps them back.
 */
export class PlaceholderBook {
  /** placeholder -> original value. Never logged or recorded. */
  readonly #originals: Record<string, string> = {};
  readonly #byValue = new Map<string, string>();
  readonly #counters = new Map<PiiKind, number>();

  constructor(private readonly kinds?: readonly PiiKind[]) {}

  /**
   * The text with every finding replaced by its placeholder, and the findings (offsets into the
   * original text). Overlapping findings are resolved to the first (then longest) one.
   */
  redact(text: string): { text: string; spans: PiiSpan[] } {
    const found = [...findPii(text, this.kinds)].sort((a, b) => a.start - b.start || b.end - a.end);
    const spans: PiiSpan[] = [];
    let out = '';
    let at = 0;
    for (const span of found) {
      if (span.start < at || span.end <= span.start || span.end > text.length) continue;
      out += text.slice(at, span.start) + this.#placeholderOf(span.kind, text.slice(span.start, span.end));
      spans.push(span);
      at = span.end;
    }
    return { text: out + text.slice(at), spans };
  }

  /** The originals of the placeholders of `kinds` put back; other placeholders stay as they are. */
  restore(text: string, kinds: readonly PiiKind[]): string {
    return kinds.length === 0 ? text : restorePlaceholders(text, this.#originals, kinds);
  }

  #placeholderOf(kind: PiiKind, value: string): string {
    const key = `${kind}\u0000${value}`;
    let placeholder = this.#byValue.get(key);
    if (placeholder === undefined) {
      const n = (this.#counters.get(kind) ?? 0) + 1;
      this.#counters.set(kind, n);
      placeholder = `[${kind}_${n}]`;
      this.#byValue.set(key, placeholder);
      this.#originals[placeholder] = value;
    }
    return placeholder;
  }
}
