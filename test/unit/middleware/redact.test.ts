import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSensitiveKey, REDACTED, Redactor } from '../../../functions/shared/middleware/redact.js';

const SECRET = 'sk_live_PLANTED_redact_0001';

describe('Redactor', () => {
  it('replaces every occurrence of a registered value inside longer strings, deep', () => {
    const r = new Redactor();
    r.register(SECRET);
    const out = r.redact({ a: `x${SECRET}y${SECRET}`, list: [SECRET, { deeper: [`Bearer ${SECRET}`] }], n: 3, b: true, z: null });
    expect(out).toEqual({ a: `x${REDACTED}y${REDACTED}`, list: [REDACTED, { deeper: [`Bearer ${REDACTED}`] }], n: 3, b: true, z: null });
  });

  it('redacts values under credential-like keys even when never registered, and keeps look-alikes', () => {
    const r = new Redactor();
    const out = r.redact({ password: 'p', apiKey: 'k', api_key: 'k', Authorization: 'Basic x', taskToken: 't', clientSecret: 's', secrets: { a: 'b' }, secretName: 'wardflow/dev/x', inputTokens: 12 });
    expect(out).toEqual({
      password: REDACTED, apiKey: REDACTED, api_key: REDACTED, Authorization: REDACTED, taskToken: REDACTED,
      clientSecret: REDACTED, secrets: REDACTED, secretName: 'wardflow/dev/x', inputTokens: 12,
    });
    expect(isSensitiveKey('x-api-key')).toBe(true);
    expect(isSensitiveKey('tokenCount')).toBe(false);
  });

  it('turns errors into plain objects with redacted message, stack and cause', () => {
    const r = new Redactor();
    r.register(SECRET);
    const error = new Error(`refused key ${SECRET}`, { cause: new Error(`inner ${SECRET}`) });
    const out = JSON.stringify(r.redact({ error }));
    expect(out).not.toContain(SECRET);
    expect(out).toContain('refused key [REDACTED]');
    expect(out).toContain('inner [REDACTED]');
  });

  it('redacts keys, survives cycles and throwing getters, and does not mutate its input', () => {
    const r = new Redactor();
    r.register(SECRET);
    const input: Record<string, unknown> = { [SECRET]: 1, text: SECRET };
    input.self = input;
    Object.defineProperty(input, 'boom', { enumerable: true, get() { throw new Error('no'); } });
    const out = r.redact(input) as Record<string, unknown>;
    expect(out[REDACTED]).toBe(1);
    expect(out.self).toBe('[Circular]');
    expect(out.boom).toBe('[Unreadable]');
    expect(input.text).toBe(SECRET);
  });

  it('replaces the longest value first when registered values overlap', () => {
    const r = new Redactor();
    r.register('abcd');
    r.register('abcdefgh');
    expect(r.redact('xxabcdefghxx')).toBe(`xx${REDACTED}xx`);
  });

  it('ignores values shorter than 4 characters (they would shred ordinary text)', () => {
    const r = new Redactor();
    r.register('abc');
    expect(r.redact('abcdef')).toBe('abcdef');
  });

  it('forgets per-invocation values (task tokens) at the next invocation, keeps lasting ones', () => {
    const r = new Redactor();
    r.register(SECRET);
    r.registerForInvocation('task-token-AAAA');
    expect(r.contains({ t: 'x task-token-AAAA' })).toBe(true);
    r.beginInvocation();
    expect(r.contains({ t: 'x task-token-AAAA' })).toBe(false);
    expect(r.contains([SECRET])).toBe(true);
  });

  it('property: no registered value survives redaction of any JSON value that embeds it', () => {
    fc.assert(
      // '§' never occurs in fast-check's ASCII JSON, so only the planted copies can match.
      fc.property(fc.string({ minLength: 3, maxLength: 30 }), fc.jsonValue(), (tail, json) => {
        const secret = `§${tail}`;
        const r = new Redactor();
        r.register(secret);
        const planted = { json, planted: `pre${secret}post`, list: [secret], [secret]: json };
        expect(JSON.stringify(r.redact(planted))).not.toContain('§');
      }),
      { numRuns: 500 },
    );
  });
});
