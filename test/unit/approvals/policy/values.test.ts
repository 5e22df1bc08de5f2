import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../../../functions/shared/approvals/policy/evaluate.js';
import { ApprovalPolicy } from '../../../../functions/shared/approvals/policy/schema.js';
import { compare, readAs } from '../../../../functions/shared/approvals/policy/values.js';

/** A two-rule policy: `when` on one fact of `type` approves, everything else is rejected. */
function oneRule(type: string, when: object) {
  return ApprovalPolicy.parse({
    groups: {},
    facts: { x: { type } },
    rules: [
      { name: 'hit', when: { fact: 'x', ...when }, then: { decide: 'approve' } },
      { name: 'rest', when: 'always', then: { decide: 'reject' } },
    ],
  });
}

const rule = (policy: ApprovalPolicy, x: unknown) => {
  const outcome = evaluatePolicy(policy, { x });
  return outcome.kind === 'auto' ? outcome.rule : outcome.kind;
};

describe('decimals', () => {
  it('compare exactly in minor units: "5000.00" equals "5000", "0.1" + "0.2" style errors cannot happen', () => {
    expect(readAs('decimal', '5000.00')).toBe(500000n);
    expect(compare(readAs('decimal', '5000.00')!, readAs('decimal', '5000')!)).toBe(0);
    expect(compare(readAs('decimal', '4999.99')!, readAs('decimal', '5000')!)).toBe(-1);
    expect(compare(readAs('decimal', '0.3')!, readAs('decimal', '0.30')!)).toBe(0);
    expect(readAs('decimal', '999999999999999.99')).toBe(99999999999999999n);
    expect(rule(oneRule('decimal', { op: 'eq', value: '5000' }), '5000.00')).toBe('hit');
    expect(rule(oneRule('decimal', { op: 'lt', value: '5000.00' }), '4999.99')).toBe('hit');
    expect(rule(oneRule('decimal', { op: 'lt', value: '5000.00' }), '5000')).toBe('rest');
  });

  it('refuses more than 2 fraction digits in a policy, in the schema', () => {
    const parsed = ApprovalPolicy.safeParse({
      groups: {},
      facts: { amount: { type: 'decimal' } },
      rules: [
        { name: 'small', when: { fact: 'amount', op: 'lt', value: '4999.999' }, then: { decide: 'approve' } },
        { name: 'rest', when: 'always', then: { decide: 'reject' } },
      ],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['rules.0.when.value', '"4999.999" is not a decimal string with at most 2 fraction digits, such as "4999.99" (fact "amount" is decimal)'],
    ]);
  });

  it('treats a fact that is not a 2-digit decimal string as unknown: no comparison, not even ne, holds', () => {
    for (const value of ['4999.999', 4999.99, '1e3', ' 5', '05', '', null, undefined, true]) {
      expect(readAs('decimal', value), String(value)).toBeUndefined();
      expect(rule(oneRule('decimal', { op: 'ne', value: '1' }), value), String(value)).toBe('rest');
    }
  });
});

describe('between', () => {
  const policy = oneRule('decimal', { op: 'between', from: '5000.00', to: '50000.01' });

  it('includes its lower bound and excludes its upper bound', () => {
    expect(rule(policy, '4999.99')).toBe('rest');
    expect(rule(policy, '5000')).toBe('hit');
    expect(rule(policy, '50000.00')).toBe('hit');
    expect(rule(policy, '50000.01')).toBe('rest');
  });

  it('works the same on dates and numbers', () => {
    const q1 = oneRule('date', { op: 'between', from: '2026-01-01', to: '2026-04-01' });
    expect(['2025-12-31', '2026-01-01', '2026-03-31', '2026-04-01'].map((day) => rule(q1, day))).toEqual(['rest', 'hit', 'hit', 'rest']);
    const small = oneRule('number', { op: 'between', from: 0, to: 1 });
    expect([-0.001, 0, 0.999, 1].map((n) => rule(small, n))).toEqual(['rest', 'hit', 'hit', 'rest']);
  });
});

describe('classification', () => {
  it('orders public < internal < confidential < restricted', () => {
    const sensitive = oneRule('classification', { op: 'gte', value: 'confidential' });
    expect(['public', 'internal', 'confidential', 'restricted'].map((label) => rule(sensitive, label))).toEqual(['rest', 'rest', 'hit', 'hit']);
    const open = oneRule('classification', { op: 'lt', value: 'internal' });
    expect(['public', 'internal'].map((label) => rule(open, label))).toEqual(['hit', 'rest']);
  });

  it('treats an unknown label as unknown, never as the lowest', () => {
    expect(rule(oneRule('classification', { op: 'lt', value: 'internal' }), 'secret')).toBe('rest');
    expect(rule(oneRule('classification', { op: 'lt', value: 'internal' }), 'PUBLIC')).toBe('rest');
  });
});

describe('dates, strings, booleans and missing facts', () => {
  it('reads only real calendar dates', () => {
    expect(readAs('date', '2028-02-29')).toBe('2028-02-29');
    expect(readAs('date', '2026-02-29')).toBeUndefined();
    expect(readAs('date', '2026-1-01')).toBeUndefined();
    expect(readAs('date', '2026-01-01T00:00:00Z')).toBeUndefined();
  });

  it('compares strings and booleans by equality and lists only', () => {
    const euro = oneRule('string', { op: 'in', values: ['EUR', 'USD'] });
    expect(['EUR', 'eur', 'GBP'].map((currency) => rule(euro, currency))).toEqual(['hit', 'rest', 'rest']);
    const notKnown = oneRule('boolean', { op: 'eq', value: false });
    expect([false, true, 'false', 0].map((known) => rule(notKnown, known))).toEqual(['hit', 'rest', 'rest', 'rest']);
  });

  it('does not let a missing fact make a rule hold through not, notIn or ne', () => {
    const policy = ApprovalPolicy.parse({
      groups: {},
      facts: { knownVendor: { type: 'boolean' }, currency: { type: 'string' } },
      rules: [
        { name: 'not-unknown', when: { not: { fact: 'knownVendor', op: 'eq', value: false } }, then: { decide: 'approve' } },
        { name: 'not-in', when: { fact: 'currency', op: 'notIn', values: ['JPY'] }, then: { decide: 'approve' } },
        { name: 'any-known', when: { any: [{ fact: 'knownVendor', op: 'eq', value: true }, { fact: 'currency', op: 'eq', value: 'EUR' }] }, then: { decide: 'approve' } },
        { name: 'rest', when: 'always', then: { decide: 'reject' } },
      ],
    });
    expect(evaluatePolicy(policy, {})).toEqual({ kind: 'auto', decision: 'reject', rule: 'rest' });
    expect(evaluatePolicy(policy, null)).toEqual({ kind: 'auto', decision: 'reject', rule: 'rest' });
    expect(evaluatePolicy(policy, { knownVendor: 'yes', currency: 7 })).toEqual({ kind: 'auto', decision: 'reject', rule: 'rest' });
    // One known part is enough for any: the unknown part does not spoil it.
    expect(evaluatePolicy(policy, { knownVendor: false, currency: 'EUR' })).toEqual({ kind: 'auto', decision: 'approve', rule: 'not-in' });
    expect(evaluatePolicy(policy, { knownVendor: false, currency: 'JPY' })).toEqual({ kind: 'auto', decision: 'reject', rule: 'rest' });
    expect(evaluatePolicy(policy, { currency: 'JPY', knownVendor: true })).toEqual({ kind: 'auto', decision: 'approve', rule: 'not-unknown' });
    expect(evaluatePolicy(policy, { knownVendor: undefined, currency: 'EUR' })).toEqual({ kind: 'auto', decision: 'approve', rule: 'not-in' });
  });

  it('reads only own facts: an inherited name is missing', () => {
    const policy = oneRule('string', { op: 'ne', value: 'x' });
    expect(evaluatePolicy(policy, Object.create({ x: 'inherited' }))).toEqual({ kind: 'auto', decision: 'reject', rule: 'rest' });
  });

  it('ends in no-match, never a decision, when an unchecked policy has no always rule', () => {
    const policy = ApprovalPolicy.parse({ groups: {}, facts: { x: { type: 'number' } }, rules: [{ name: 'only', when: { fact: 'x', op: 'gt', value: 1 }, then: { decide: 'approve' } }] });
    expect(evaluatePolicy(policy, { x: 0 })).toEqual({ kind: 'no-match' });
    expect(evaluatePolicy(policy, { x: 2 })).toEqual({ kind: 'auto', decision: 'approve', rule: 'only' });
  });
});
