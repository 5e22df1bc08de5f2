import type { GuardSpan, InjectionResult } from './types.js';
import { type FeatureSpec, featureVector, forEachFeature, forEachRule, normalise } from './injection-features.js';

/**
 * The injection classifier's model and scorer: a logistic regression over hashed n-gram features.
 * A long text is scored in overlapping windows and the most suspicious window counts, so an
 * instruction planted in a long, otherwise ordinary document is not averaged away.
 */

/** The model file as the training script writes it. */
export interface InjectionModelFile {
  format: 'wardflow-injection-model/1';
  features: FeatureSpec;
  /** Windows over the normalised text, in UTF-16 units. */
  window: { size: number; stride: number };
  bias: number;
  /** A weight is its quantised value times this. */
  scale: number;
  threshold: number;
  /** Bucket numbers, ascending, each stored as the difference to the one before (smaller file). */
  buckets: number[];
  /** Quantised weights, one per bucket. */
  weights: number[];
}

/** The model in the form the scorer reads. */
export interface InjectionModel {
  features: FeatureSpec;
  window: { size: number; stride: number };
  bias: number;
  threshold: number;
  weights: Map<number, number>;
}

/** How many spans a result names at most: the top-weighted n-gram windows. */
const MAX_SPANS = 3;
/** Shorter n-grams carry weight too, but a two-letter span shows a reader nothing. */
const MIN_SPAN_UNITS = 4;

export function loadInjectionModel(file: InjectionModelFile): InjectionModel {
  const weights = new Map<number, number>();
  let bucket = 0;
  file.buckets.forEach((delta, i) => {
    bucket += delta;
    weights.set(bucket, file.weights[i]! * file.scale);
  });
  return { features: file.features, window: file.window, bias: file.bias, threshold: file.threshold, weights };
}

/**
 * Scores a text with a model: the guard with the reviewed one, the training script with each
 * candidate, so a threshold is chosen on exactly what the guard will compute.
 */
export function scoreWith(model: InjectionModel, text: string): InjectionResult {
  if (typeof text !== 'string' || text.length === 0) return { flagged: false, score: 0, threshold: model.threshold, spans: [] };
  const normalised = normalise(text);
  const { size, stride } = model.window;
  const length = normalised.text.length;
  let best = { margin: Number.NEGATIVE_INFINITY, from: 0, to: length };
  for (let from = 0; ; from += stride) {
    const to = Math.min(length, from + size);
    let margin = model.bias;
    for (const [bucket, value] of featureVector(normalised.text, model.features, from, to)) margin += (model.weights.get(bucket) ?? 0) * value;
    if (margin > best.margin) best = { margin, from, to };
    if (to >= length) break;
  }
  const score = 1 / (1 + Math.exp(-best.margin));
  const flagged = score >= model.threshold;
  return { flagged, score, threshold: model.threshold, spans: flagged ? topSpans(model, normalised, best.from, best.to) : [] };
}

/** The highest-weighted feature occurrences of the deciding window, merged where they overlap, mapped back to the original text. */
function topSpans(model: InjectionModel, normalised: ReturnType<typeof normalise>, from: number, to: number): GuardSpan[] {
  const hits: { weight: number; start: number; end: number }[] = [];
  const visit = (bucket: number, start: number, end: number) => {
    const weight = model.weights.get(bucket) ?? 0;
    if (weight > 0 && end - start >= MIN_SPAN_UNITS) hits.push({ weight, start, end });
  };
  forEachFeature(normalised.text, model.features, visit, from, to);
  forEachRule(normalised.text, model.features, visit, from, to);
  hits.sort((a, b) => b.weight - a.weight || a.start - b.start);
  const chosen: { start: number; end: number }[] = [];
  for (const hit of hits.slice(0, MAX_SPANS * 4)) {
    const near = chosen.find((c) => hit.start <= c.end && c.start <= hit.end);
    if (near) {
      near.start = Math.min(near.start, hit.start);
      near.end = Math.max(near.end, hit.end);
    } else if (chosen.length < MAX_SPANS) chosen.push({ start: hit.start, end: hit.end });
  }
  const spans: GuardSpan[] = [];
  for (const { start, end } of chosen) {
    // The padding spaces map to the text's ends; trim them so a span covers text, not nothing.
    let first = start;
    let last = end - 1;
    while (first <= last && normalised.text[first] === ' ') first += 1;
    while (last >= first && normalised.text[last] === ' ') last -= 1;
    if (first > last) continue;
    spans.push({ kind: 'injection', start: normalised.originStart[first]!, end: normalised.originEnd[last]! });
  }
  return spans.sort((a, b) => a.start - b.start);
}
