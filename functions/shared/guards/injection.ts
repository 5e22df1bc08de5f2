import type { InjectionResult } from './types.js';

/**
 * INTERIM (contract only, to be replaced by the trained classifier): scores a text for prompt
 * injection. Same signature as the final one.
 */
export function scoreInjection(text: string): InjectionResult {
  const threshold = 0.5;
  const match = /\b(ignore|disregard|forget)\b[^.]{0,40}\b(instructions|rules|above|previous)\b/i.exec(text);
  const score = match ? 0.9 : 0.05;
  return { flagged: score >= threshold, score, threshold, spans: match ? [{ kind: 'injection', start: match.index, end: match.index + match[0].length }] : [] };
}
