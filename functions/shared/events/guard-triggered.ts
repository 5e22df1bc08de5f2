import type { ValidationIssue } from '../errors.js';
import type { Json, NewEvent } from './event.js';

/**
 * The GuardTriggered event: a guard looked at a step's text and did not simply allow it. Its data
 * is kinds, scores, offsets and field names, never the text or a value found in it; the store
 * refuses (validateAppend) a GuardTriggered whose data has any other key, or a string that is not
 * a short identifier, so a scanned text cannot ride along by mistake.
 *
 * Events written before verdicts existed (`{ step, guard, fields }`) have no `verdict`: they
 * blocked, and every reader treats them as `block`.
 */

/** What happened: the step went on with redacted text, went on marked for a person, or failed. */
export type RecordedGuardVerdict = 'redact' | 'human' | 'block';

/** One finding: its kind, its UTF-16 offsets (end exclusive) in the input `field` it was found in. */
export interface GuardSpanData {
  kind: string;
  start: number;
  end: number;
  /** The input field (`invoiceText`), or `answer` for a model's answer. */
  field: string;
}

export interface GuardTriggeredData {
  step: string;
  /** `injection`, `pii`, `canary`, `grounding`, `guardrail` (see GuardName). */
  guard: string;
  verdict: RecordedGuardVerdict;
  /** The classifier's score, 0..1, where the guard has one (injection). */
  score?: number;
  /** The score's decision threshold. */
  threshold?: number;
  spans: GuardSpanData[];
  /** How many spans there were when `spans` was cut to MAX_GUARD_SPANS. */
  spanCount?: number;
  /** Fields the guard names: output paths that are not grounded, or input fields the guardrail flagged. */
  fields?: string[];
  /** False when the declared reconciliation (parts to total) does not add up. */
  reconciled?: boolean;
  /** Bedrock Guardrails' filters that fired, by type (`PROMPT_ATTACK`). */
  filters?: string[];
}

/** Spans kept in one event: a text with thousands of findings must not make an event too large to store. */
export const MAX_GUARD_SPANS = 100;

/** Guard names, kinds, fields, filters: short identifiers and paths, never free text. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.:[\]-]{0,127}$/;

/** Whether a guard name, kind, field or filter may stand in a GuardTriggered event (a short identifier or path). */
export function isGuardIdentifier(value: string): boolean {
  return IDENTIFIER.test(value);
}
const VERDICTS: ReadonlySet<string> = new Set(['redact', 'human', 'block']);
const KEYS: ReadonlySet<string> = new Set(['step', 'guard', 'verdict', 'score', 'threshold', 'spans', 'spanCount', 'fields', 'reconciled', 'filters', 'error']);

/**
 * A GuardTriggered event for `ctx.record`/`invocation.record`, spans cut to MAX_GUARD_SPANS.
 * Throws TypeError on data the store would refuse: a programming error, not a finding.
 *
 * @example
 * guardTriggeredEvent({ step: 'extract-invoice', guard: 'pii', verdict: 'redact', spans: [{ kind: 'EMAIL', start: 7, end: 24, field: 'invoiceText' }] });
 */
export function guardTriggeredEvent(data: GuardTriggeredData): NewEvent {
  const spans = data.spans.slice(0, MAX_GUARD_SPANS);
  // Explicitly undefined keys dropped: an event's data is plain JSON.
  const defined = Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined)) as unknown as GuardTriggeredData;
  const clear: GuardTriggeredData = { ...defined, spans, ...(data.spans.length > spans.length ? { spanCount: data.spans.length } : {}) };
  const issues = guardTriggeredIssues(clear as unknown as Record<string, unknown>, 'data');
  if (issues.length > 0) throw new TypeError(`GuardTriggered data is malformed at ${issues.map((i) => i.path).join(', ')}`);
  return { type: 'GuardTriggered', actor: `step:${data.step}`, data: clear as unknown as { [key: string]: Json } };
}

/**
 * Why `data` is not a GuardTriggered event's data (empty when it is). Legacy data (no verdict, no
 * spans) passes; `error` is allowed for legacy writers that named the error.
 */
export function guardTriggeredIssues(data: Record<string, unknown>, at: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const identifier = (value: unknown, path: string, expected = 'a short identifier or field path') => {
    if (typeof value !== 'string' || !IDENTIFIER.test(value)) issues.push({ path, expected });
  };
  const offset = (value: unknown, path: string) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) issues.push({ path, expected: 'a whole number >= 0' });
  };
  const identifiers = (value: unknown, path: string) => {
    if (!Array.isArray(value) || value.length > MAX_GUARD_SPANS) issues.push({ path, expected: `an array of at most ${MAX_GUARD_SPANS} identifiers` });
    else value.forEach((item, i) => identifier(item, `${path}[${i}]`));
  };
  for (const key of Object.keys(data)) {
    if (!KEYS.has(key)) issues.push({ path: `${at}.${key.length > 64 ? `${key.slice(0, 64)}...` : key}`, expected: `no such key: GuardTriggered data has only ${[...KEYS].join(', ')}` });
  }
  identifier(data.guard, `${at}.guard`);
  if (data.step !== undefined) identifier(data.step, `${at}.step`);
  if (data.error !== undefined) identifier(data.error, `${at}.error`);
  if (data.verdict !== undefined && (typeof data.verdict !== 'string' || !VERDICTS.has(data.verdict))) {
    issues.push({ path: `${at}.verdict`, expected: 'redact, human or block' });
  }
  for (const key of ['score', 'threshold'] as const) {
    const value = data[key];
    if (value !== undefined && (typeof value !== 'number' || !(value >= 0 && value <= 1))) issues.push({ path: `${at}.${key}`, expected: 'a number from 0 to 1' });
  }
  if (data.spanCount !== undefined) offset(data.spanCount, `${at}.spanCount`);
  if (data.reconciled !== undefined && typeof data.reconciled !== 'boolean') issues.push({ path: `${at}.reconciled`, expected: 'a boolean' });
  if (data.fields !== undefined) identifiers(data.fields, `${at}.fields`);
  if (data.filters !== undefined) identifiers(data.filters, `${at}.filters`);
  if (data.spans !== undefined) {
    if (!Array.isArray(data.spans) || data.spans.length > MAX_GUARD_SPANS) {
      issues.push({ path: `${at}.spans`, expected: `an array of at most ${MAX_GUARD_SPANS} spans` });
    } else {
      data.spans.forEach((span: unknown, i) => {
        const path = `${at}.spans[${i}]`;
        if (span === null || typeof span !== 'object' || Array.isArray(span)) {
          issues.push({ path, expected: 'an object { kind, start, end, field }' });
          return;
        }
        const s = span as Record<string, unknown>;
        if (Object.keys(s).some((key) => !['kind', 'start', 'end', 'field'].includes(key))) issues.push({ path, expected: 'only kind, start, end and field' });
        identifier(s.kind, `${path}.kind`);
        identifier(s.field, `${path}.field`);
        offset(s.start, `${path}.start`);
        offset(s.end, `${path}.end`);
        if (typeof s.start === 'number' && typeof s.end === 'number' && s.end < s.start) issues.push({ path: `${path}.end`, expected: 'an offset >= start' });
      });
    }
  }
  return issues;
}
