import type { ApprovalPolicy, Comparison, Condition, Level } from './schema.js';
import { compare, readAs } from './values.js';

/**
 * What a policy decides for one gate subject.
 * - `auto`: no human; record ApprovalAutoDecided naming `rule`.
 * - `route`: ask the levels in order; record which `rule` chose them.
 * - `no-match`: no rule held. A checked policy cannot get here (its last rule is `always`), so
 *   this only happens with an unchecked policy; callers MUST treat it as a rejection and fail
 *   closed, never as an approval and never as "ask someone".
 */
export type PolicyOutcome =
  | { readonly kind: 'auto'; readonly decision: 'approve' | 'reject'; readonly rule: string }
  | { readonly kind: 'route'; readonly rule: string; readonly levels: readonly Level[] }
  | { readonly kind: 'no-match' };

/**
 * Three-valued truth: a comparison on a fact that is missing, or not of its declared type, is
 * `unknown`. `not unknown` is still unknown, `all` is true only when every part is true, `any`
 * when one part is. A rule matches only when its condition is `true`: a missing fact can never
 * make a rule hold, not even through `not` (with plain booleans, `not (knownVendor eq false)`
 * would hold for an invoice with no knownVendor at all).
 */
type Truth = true | false | 'unknown';

/**
 * The first rule whose condition is true decides; later rules are not looked at. Never throws,
 * whatever `facts` holds (any JSON, or anything else): facts that are missing or of the wrong
 * type make their comparisons unknown, which is why every policy must end with a `when: 'always'`
 * rule (checkPolicy refuses one that does not).
 *
 * `policy` must be a parsed policy (`checkPolicy(...)` or `ApprovalPolicy.parse(...)`).
 *
 * @example
 * evaluatePolicy(invoicePolicy, { amount: '4999.99', currency: 'EUR', knownVendor: true });
 * // { kind: 'auto', decision: 'approve', rule: 'known-vendor-under-5000' }
 */
export function evaluatePolicy(policy: ApprovalPolicy, facts: unknown): PolicyOutcome {
  for (const rule of policy.rules) {
    if (rule.when !== 'always' && holds(rule.when, policy, facts) !== true) continue;
    return 'decide' in rule.then ? { kind: 'auto', decision: rule.then.decide, rule: rule.name } : { kind: 'route', rule: rule.name, levels: rule.then.route };
  }
  return { kind: 'no-match' };
}

function holds(condition: Condition, policy: ApprovalPolicy, facts: unknown): Truth {
  if ('all' in condition) return conjunction(condition.all.map((part) => holds(part, policy, facts)));
  if ('any' in condition) return negation(conjunction(condition.any.map((part) => negation(holds(part, policy, facts)))));
  if ('not' in condition) return negation(holds(condition.not, policy, facts));
  return comparisonHolds(condition, policy, facts);
}

function conjunction(parts: Truth[]): Truth {
  if (parts.includes(false)) return false;
  return parts.includes('unknown') ? 'unknown' : true;
}

function negation(truth: Truth): Truth {
  return truth === 'unknown' ? 'unknown' : !truth;
}

function comparisonHolds(comparison: Comparison, policy: ApprovalPolicy, facts: unknown): Truth {
  if (!Object.hasOwn(policy.facts, comparison.fact)) return 'unknown';
  const type = policy.facts[comparison.fact]!.type;
  const actual = readAs(type, factValue(facts, comparison.fact));
  if (actual === undefined) return 'unknown';
  // A literal that is not of the fact's type cannot be in a parsed policy; if one were, it is unknown too.
  const against = (literal: unknown): -1 | 0 | 1 | undefined => {
    const expected = readAs(type, literal);
    return expected === undefined ? undefined : compare(actual, expected);
  };
  const known = (order: -1 | 0 | 1 | undefined, test: (order: -1 | 0 | 1) => boolean): Truth => (order === undefined ? 'unknown' : test(order));
  switch (comparison.op) {
    case 'eq':
      return known(against(comparison.value), (order) => order === 0);
    case 'ne':
      return known(against(comparison.value), (order) => order !== 0);
    case 'lt':
      return known(against(comparison.value), (order) => order < 0);
    case 'lte':
      return known(against(comparison.value), (order) => order <= 0);
    case 'gt':
      return known(against(comparison.value), (order) => order > 0);
    case 'gte':
      return known(against(comparison.value), (order) => order >= 0);
    case 'in':
    case 'notIn': {
      const orders = comparison.values.map(against);
      if (orders.includes(undefined)) return 'unknown';
      const found = orders.includes(0);
      return comparison.op === 'in' ? found : !found;
    }
    case 'between':
      return conjunction([known(against(comparison.from), (order) => order >= 0), known(against(comparison.to), (order) => order < 0)]);
  }
}

/** A fact's own value; anything that is not a plain object holds no facts (and no inherited `toString` is ever a fact). */
function factValue(facts: unknown, name: string): unknown {
  if (typeof facts !== 'object' || facts === null || Array.isArray(facts)) return undefined;
  return Object.hasOwn(facts, name) ? (facts as Record<string, unknown>)[name] : undefined;
}
