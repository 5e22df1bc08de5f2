import type { PiiKind, PiiSpan, Redaction } from './types.js';
import { PII_KINDS } from './types.js';

/**
 * INTERIM (contract only, to be replaced by the full detectors): finds e-mail addresses only.
 * Same signatures as the final module.
 */
export function findPii(text: string, kinds: readonly PiiKind[] = PII_KINDS): PiiSpan[] {
  if (!kinds.includes('EMAIL')) return [];
  return [...text.matchAll(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g)].map((m) => ({ kind: 'EMAIL' as const, start: m.index, end: m.index + m[0].length }));
}

/** Replaces each finding by `[<KIND>_<n>]` (the same value gets the same placeholder). */
export function redactPii(text: string, kinds: readonly PiiKind[] = PII_KINDS): Redaction {
  const spans = findPii(text, kinds);
  const originals: Record<string, string> = {};
  const byValue = new Map<string, string>();
  const counters = new Map<string, number>();
  let out = '';
  let at = 0;
  for (const span of spans) {
    const value = text.slice(span.start, span.end);
    let placeholder = byValue.get(`${span.kind}\u0000${value}`);
    if (!placeholder) {
      const n = (counters.get(span.kind) ?? 0) + 1;
      counters.set(span.kind, n);
      placeholder = `[${span.kind}_${n}]`;
      byValue.set(`${span.kind}\u0000${value}`, placeholder);
      originals[placeholder] = value;
    }
    out += text.slice(at, span.start) + placeholder;
    at = span.end;
  }
  return { text: out + text.slice(at), spans, originals };
}

/** Puts back the originals of the placeholders of the given kinds; other placeholders stay. */
export function restorePlaceholders(text: string, originals: Readonly<Record<string, string>>, kinds: readonly PiiKind[] = PII_KINDS): string {
  return text.replace(/\[([A-Z_]+)_(\d+)\]/g, (placeholder, kind: string) => (kinds.includes(kind as PiiKind) && Object.hasOwn(originals, placeholder) ? originals[placeholder]! : placeholder));
}
