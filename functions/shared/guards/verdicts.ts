import type { Json, StoredEvent } from '../events/event.js';
import type { RecordedGuardVerdict } from '../events/guard-triggered.js';

/** One guard verdict on an execution's stream, as a workflow's policy step reads it. */
export interface GuardVerdictRecord {
  /** The step whose guard fired; absent on hand-written legacy events. */
  step?: string;
  guard: string;
  verdict: RecordedGuardVerdict;
  score?: number;
  /** The kinds of what was found (`EMAIL`, `injection`), each once, never the values. */
  kinds: string[];
  /** Ungrounded output fields, or input fields a guardrail flagged. */
  fields: string[];
}

type EventLike = Pick<StoredEvent, 'type' | 'data'>;

/**
 * Every GuardTriggered on the stream, oldest first. An event without a verdict (written before
 * verdicts existed) blocked, and reads as `block`.
 *
 * @example
 * guardVerdicts(await store.read(executionStream(ctx.executionId)));
 * // [{ step: 'extract-invoice', guard: 'injection', verdict: 'human', score: 0.93, kinds: ['injection'], fields: [] }]
 */
export function guardVerdicts(events: readonly EventLike[]): GuardVerdictRecord[] {
  return events.filter((event) => event.type === 'GuardTriggered').map(({ data }) => {
    const verdict = data.verdict === 'redact' || data.verdict === 'human' ? data.verdict : 'block';
    const spans = Array.isArray(data.spans) ? data.spans : [];
    const kinds = [...new Set(spans.map((span) => (isObject(span) && typeof span.kind === 'string' ? span.kind : undefined)).filter((kind): kind is string => kind !== undefined))];
    const fields = Array.isArray(data.fields) ? data.fields.filter((field): field is string => typeof field === 'string') : [];
    return {
      ...(typeof data.step === 'string' ? { step: data.step } : {}),
      guard: typeof data.guard === 'string' ? data.guard : 'unknown',
      verdict,
      ...(typeof data.score === 'number' ? { score: data.score } : {}),
      kinds,
      fields,
    };
  });
}

/**
 * True when any guard on the execution's stream said `human`: the workflow's policy must then
 * route to a person, whatever the document says. (A `block` failed its step, so the execution
 * never reaches the policy.)
 *
 * @example
 * if (needsHuman(await store.read(executionStream(ctx.executionId)))) return { route: 'approval', reason: 'guard' };
 */
export function needsHuman(events: readonly EventLike[]): boolean {
  return events.some((event) => event.type === 'GuardTriggered' && event.data.verdict === 'human');
}

function isObject(value: Json): value is { [key: string]: Json } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
