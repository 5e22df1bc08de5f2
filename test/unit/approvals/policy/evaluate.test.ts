import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../../../functions/shared/approvals/policy/evaluate.js';
import { ApprovalPolicy } from '../../../../functions/shared/approvals/policy/schema.js';
import { factsJson, FACTS, policyJson } from './policy-arbitraries.js';

/**
 * The oracle: the same language evaluated a different way. Truth is a number (1 true, 0 false,
 * 0.5 unknown; all = min, any = max, not = 1 - x), values are read with plain Number/Date/indexOf
 * rather than the module's bigint reader, and each rule is judged on its own before the first
 * true one is picked.
 */
const LABELS = ['public', 'internal', 'confidential', 'restricted'];

function read(type: string, value: unknown): number | string | boolean | undefined {
  switch (type) {
    case 'decimal':
      return typeof value === 'string' && /^-?(0|[1-9]\d*)(\.\d{1,2})?$/.test(value) ? Math.round(Number(value) * 100) : undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? value : undefined;
    case 'classification':
      return typeof value === 'string' && LABELS.includes(value) ? LABELS.indexOf(value) : undefined;
    case 'date':
      return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) ? Date.parse(`${value}T00:00:00Z`) : undefined;
    default:
      return undefined;
  }
}

function truth(condition: any, facts: any): number {
  if (condition.all) return Math.min(...condition.all.map((part: unknown) => truth(part, facts)));
  if (condition.any) return Math.max(...condition.any.map((part: unknown) => truth(part, facts)));
  if (condition.not) return 1 - truth(condition.not, facts);
  const type = FACTS[condition.fact]!;
  const has = typeof facts === 'object' && facts !== null && Object.prototype.hasOwnProperty.call(facts, condition.fact);
  const actual = has ? read(type, facts[condition.fact]) : undefined;
  if (actual === undefined) return 0.5;
  const v = (literal: unknown) => read(type, literal)!;
  const result: Record<string, () => boolean> = {
    eq: () => actual === v(condition.value),
    ne: () => actual !== v(condition.value),
    lt: () => actual < v(condition.value),
    lte: () => actual <= v(condition.value),
    gt: () => actual > v(condition.value),
    gte: () => actual >= v(condition.value),
    in: () => condition.values.some((literal: unknown) => v(literal) === actual),
    notIn: () => !condition.values.some((literal: unknown) => v(literal) === actual),
    between: () => v(condition.from) <= actual && actual < v(condition.to),
  };
  return result[condition.op]!() ? 1 : 0;
}

describe('evaluatePolicy', () => {
  it('decides as the first rule whose condition holds, judged rule by rule by a separate evaluator', () => {
    let routes = 0;
    let autos = 0;
    let noMatches = 0;
    fc.assert(
      fc.property(policyJson, factsJson, (json, facts) => {
        const parsed = ApprovalPolicy.safeParse(json);
        fc.pre(parsed.success);
        const policy = parsed.data!;
        const verdicts = json.rules.map((rule) => (rule.when === 'always' ? 1 : truth(rule.when, facts)));
        const first = verdicts.indexOf(1);
        const outcome = evaluatePolicy(policy, facts);
        if (first === -1) {
          noMatches++;
          expect(outcome).toEqual({ kind: 'no-match' });
          return;
        }
        const rule = json.rules[first]!;
        if ('decide' in rule.then) {
          autos++;
          expect(outcome).toEqual({ kind: 'auto', decision: rule.then.decide, rule: rule.name });
        } else {
          routes++;
          expect(outcome).toEqual({ kind: 'route', rule: rule.name, levels: rule.then.route });
        }
      }),
      { numRuns: 2000 },
    );
    // The generators must reach every kind of outcome, or the property above proves little.
    expect(Math.min(routes, autos, noMatches)).toBeGreaterThan(50);
  });

  it('never throws, whatever the facts are', () => {
    fc.assert(
      fc.property(policyJson, fc.anything({ withNullPrototype: true, withBoxedValues: true, withMap: true, withSet: true, withBigInt: true, withTypedArray: true }), (json, facts) => {
        const parsed = ApprovalPolicy.safeParse(json);
        fc.pre(parsed.success);
        expect(['auto', 'route', 'no-match']).toContain(evaluatePolicy(parsed.data!, facts).kind);
      }),
      { numRuns: 500 },
    );
  });
});
