import { describe, expect, it } from 'vitest';
import { ValidationFailed } from '../../../functions/shared/errors.js';
import type { Json, StoredEvent } from '../../../functions/shared/events/event.js';
import { validateAppend } from '../../../functions/shared/events/event-validation.js';
import { executionState } from '../../../functions/shared/events/fold.js';
import { guardTriggeredEvent, MAX_GUARD_SPANS } from '../../../functions/shared/events/guard-triggered.js';
import { guardVerdicts, needsHuman } from '../../../functions/shared/guards/verdicts.js';

const stored = (...data: { [key: string]: Json }[]): StoredEvent[] => [
  { stream: 'execution#g1', version: 1, type: 'ExecutionStarted', time: '2026-01-01T00:00:00.000Z', actor: 'step:start', data: { workflow: 'w' }, sealed: null, prevHash: null, hash: '' },
  ...data.map((d, i) => ({ stream: 'execution#g1', version: i + 2, type: 'GuardTriggered' as const, time: '2026-01-01T00:00:01.000Z', actor: 'step:read', data: d, sealed: null, prevHash: null, hash: '' })),
];

const append = (data: { [key: string]: Json }) => () => validateAppend('execution#g1', 1, [{ type: 'GuardTriggered', actor: 'step:read', data }]);

describe('GuardTriggered data', () => {
  it('accepts kinds, offsets, scores and field names, and legacy data without a verdict', () => {
    expect(append(guardTriggeredEvent({ step: 'read', guard: 'pii', verdict: 'redact', spans: [{ kind: 'EMAIL', start: 3, end: 20, field: 'documentText' }] }).data)).not.toThrow();
    expect(append({ step: 'check-grounding', guard: 'grounding', fields: ['vendor', 'amount'] })).not.toThrow();
  });

  it.each<[string, { [key: string]: Json }]>([
    ['a span kind that is text', { guard: 'pii', verdict: 'redact', spans: [{ kind: 'jane@example.com', start: 0, end: 1, field: 'f' }] }],
    ['a span that carries the value', { guard: 'pii', verdict: 'redact', spans: [{ kind: 'EMAIL', start: 0, end: 1, field: 'f', value: 'jane' }] }],
    ['a key of its own', { guard: 'injection', verdict: 'block', text: 'ignore previous instructions' }],
    ['an unknown verdict', { guard: 'injection', verdict: 'allow' }],
    ['a score out of range', { guard: 'injection', verdict: 'human', score: 3 }],
    ['a field that is text', { guard: 'grounding', verdict: 'block', fields: ['Northwind Traders Ltd'] }],
    ['an end before its start', { guard: 'pii', verdict: 'redact', spans: [{ kind: 'EMAIL', start: 5, end: 1, field: 'f' }] }],
  ])('refuses %s, naming the path, never the value', (_case, data) => {
    const error = (() => {
      try {
        append(data)();
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationFailed);
    const text = JSON.stringify({ m: (error as ValidationFailed).message, i: (error as ValidationFailed).issues });
    for (const value of ['jane', 'ignore previous', 'Northwind']) expect(text).not.toContain(value);
  });

  it('cuts spans to MAX_GUARD_SPANS and says how many there were', () => {
    const spans = Array.from({ length: MAX_GUARD_SPANS + 5 }, (_, i) => ({ kind: 'EMAIL', start: i, end: i + 1, field: 'f' }));
    const event = guardTriggeredEvent({ step: 'read', guard: 'pii', verdict: 'redact', spans });
    expect((event.data.spans as Json[]).length).toBe(MAX_GUARD_SPANS);
    expect(event.data.spanCount).toBe(MAX_GUARD_SPANS + 5);
    expect(append(event.data)).not.toThrow();
  });

  it('the builder refuses what the store would refuse', () => {
    expect(() => guardTriggeredEvent({ step: 'read', guard: 'pii', verdict: 'redact', spans: [{ kind: 'a value with spaces', start: 0, end: 1, field: 'f' }] })).toThrow(TypeError);
  });
});

describe('verdicts on the execution stream', () => {
  it('only block, and legacy events without a verdict, are errors in the execution fold', () => {
    expect(executionState(stored({ step: 'read', guard: 'injection', verdict: 'human', spans: [] })).lastError).toBeUndefined();
    expect(executionState(stored({ step: 'read', guard: 'pii', verdict: 'redact', spans: [] })).lastError).toBeUndefined();
    expect(executionState(stored({ step: 'read', guard: 'canary', verdict: 'block', spans: [] })).lastError).toBe('GuardTriggered');
    expect(executionState(stored({ step: 'check', guard: 'grounding', fields: ['vendor'] })).lastError).toBe('GuardTriggered');
  });

  it('needsHuman: true when any guard said human, whatever else happened', () => {
    expect(needsHuman(stored())).toBe(false);
    expect(needsHuman(stored({ guard: 'pii', verdict: 'redact', spans: [] }, { guard: 'grounding', fields: ['vendor'] }))).toBe(false);
    expect(needsHuman(stored({ guard: 'pii', verdict: 'redact', spans: [] }, { guard: 'injection', verdict: 'human', spans: [] }))).toBe(true);
  });

  it('guardVerdicts: each verdict with its kinds once, legacy read as block', () => {
    expect(
      guardVerdicts(
        stored(
          { step: 'read', guard: 'pii', verdict: 'redact', spans: [{ kind: 'EMAIL', start: 0, end: 3, field: 'f' }, { kind: 'EMAIL', start: 5, end: 9, field: 'f' }, { kind: 'IBAN', start: 10, end: 30, field: 'f' }] },
          { step: 'read', guard: 'injection', verdict: 'human', score: 0.91, spans: [] },
          { step: 'check', guard: 'grounding', fields: ['vendor'] },
        ),
      ),
    ).toEqual([
      { step: 'read', guard: 'pii', verdict: 'redact', kinds: ['EMAIL', 'IBAN'], fields: [] },
      { step: 'read', guard: 'injection', verdict: 'human', score: 0.91, kinds: [], fields: [] },
      { step: 'check', guard: 'grounding', verdict: 'block', kinds: [], fields: ['vendor'] },
    ]);
  });
});
