import type { PiiKind, PiiSpan } from '../../functions/shared/guards/types.js';
import type { PresidioSentence } from '../../test/support/datasets.js';

/** presidio-research's entity types that map onto the PII guard's kinds; the others (names, addresses, dates) are not ours. */
export const PRESIDIO_TO_KIND: Readonly<Record<string, PiiKind>> = {
  EMAIL_ADDRESS: 'EMAIL',
  PHONE_NUMBER: 'PHONE',
  CREDIT_CARD: 'CARD',
  IBAN_CODE: 'IBAN',
  IP_ADDRESS: 'IP',
  US_SSN: 'NATIONAL_ID',
};

/** A sentence to score: its text and the expected spans in UTF-16 offsets, of our kinds only. */
export interface PiiCase {
  text: string;
  expected: PiiSpan[];
}

/** presidio's offsets count code points (Python); JavaScript's count UTF-16 units. */
export function presidioCase(sentence: PresidioSentence): PiiCase {
  const unitOffset: number[] = [];
  let units = 0;
  for (const char of sentence.full_text) {
    unitOffset.push(units);
    units += char.length;
  }
  unitOffset.push(units);
  const expected = sentence.spans.flatMap((span) => {
    const kind = PRESIDIO_TO_KIND[span.entity_type];
    return kind === undefined ? [] : [{ kind, start: unitOffset[span.start_position]!, end: unitOffset[span.end_position]! }];
  });
  return { text: sentence.full_text, expected };
}

export interface KindScore {
  kind: PiiKind;
  expected: number;
  found: number;
  /** Expected spans overlapped by a found span of the same kind. */
  recalled: number;
  /** Found spans that overlap an expected span of the same kind. */
  correct: number;
  precision: number;
  recall: number;
}

/**
 * Per-kind precision and recall. Match rule: a found span and an expected span of the same kind
 * match when they overlap by at least one character (libraries differ on where a phone number
 * starts, "+41 (0)62 ..." or "(0)62 ...", and a redactor that covers either has done its job).
 */
export function scorePii(cases: readonly PiiCase[], find: (text: string) => readonly PiiSpan[], kinds: readonly PiiKind[]): KindScore[] {
  const totals = new Map(kinds.map((kind) => [kind, { expected: 0, found: 0, recalled: 0, correct: 0 }]));
  for (const { text, expected } of cases) {
    const found = find(text);
    for (const kind of kinds) {
      const total = totals.get(kind)!;
      const want = expected.filter((span) => span.kind === kind);
      const got = found.filter((span) => span.kind === kind);
      total.expected += want.length;
      total.found += got.length;
      total.recalled += want.filter((w) => got.some((g) => overlaps(w, g))).length;
      total.correct += got.filter((g) => want.some((w) => overlaps(w, g))).length;
    }
  }
  return kinds.map((kind) => {
    const t = totals.get(kind)!;
    return { kind, ...t, precision: t.found === 0 ? Number.NaN : t.correct / t.found, recall: t.expected === 0 ? Number.NaN : t.recalled / t.expected };
  });
}

function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}
