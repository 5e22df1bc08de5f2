import fc from 'fast-check';
import type { FactType } from '../../../../functions/shared/approvals/policy/values.js';

/**
 * Random policies over a fixed set of facts, one per type, with literals from small domains so
 * that conditions often hold and often do not, and random facts: each one missing, of its type,
 * or any JSON at all (mostly the wrong type).
 */

export const FACTS: Record<string, FactType> = {
  amount: 'decimal',
  count: 'number',
  currency: 'string',
  known: 'boolean',
  label: 'classification',
  due: 'date',
};

export const DOMAIN: Record<FactType, readonly (string | number | boolean)[]> = {
  decimal: ['0', '0.5', '-1.5', '4999.99', '5000', '5000.00', '5000.01', '50000', '50000.01'],
  number: [-1, 0, 1.5, 3, 10],
  string: ['EUR', 'USD', 'GBP', ''],
  boolean: [true, false],
  classification: ['public', 'internal', 'confidential', 'restricted'],
  date: ['2026-01-01', '2026-06-30', '2026-12-31', '2027-02-28'],
};

const ORDERED: readonly string[] = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'notIn', 'between'];
const UNORDERED: readonly string[] = ['eq', 'ne', 'in', 'notIn'];

const comparison = fc.constantFrom(...Object.keys(FACTS)).chain((fact) => {
  const type = FACTS[fact]!;
  const literal = fc.constantFrom(...DOMAIN[type]);
  const ops = type === 'string' || type === 'boolean' ? UNORDERED : ORDERED;
  return fc.constantFrom(...ops).chain((op): fc.Arbitrary<object> => {
    if (op === 'in' || op === 'notIn') return fc.array(literal, { minLength: 1, maxLength: 3 }).map((values) => ({ fact, op, values }));
    if (op === 'between') return fc.tuple(literal, literal).map(([from, to]) => ({ fact, op, from, to }));
    return literal.map((value) => ({ fact, op, value }));
  });
});

const { condition } = fc.letrec<{ condition: object }>((tie) => ({
  condition: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    fc.array(tie('condition'), { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
    fc.array(tie('condition'), { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
    tie('condition').map((not) => ({ not })),
  ),
}));

const level = fc.record({
  name: fc.constantFrom('first', 'second'),
  group: fc.constantFrom('alpha', 'beta'),
  quorum: fc.oneof(fc.constantFrom(1, 2), fc.constant('all' as const)),
  deadlineHours: fc.integer({ min: 2, max: 100 }),
  onDeadline: fc.constant('fail' as const),
});

const then = fc.oneof(
  fc.constantFrom('approve', 'reject').map((decide) => ({ decide })),
  fc.array(level, { minLength: 1, maxLength: 2 }).map((route) => ({ route: route.map((one, i) => ({ ...one, name: `level-${i}` })) })),
);

/** A policy the schema accepts (when `between` bounds happen to be in order) whose rules are named r0, r1, ... */
export const policyJson = fc.array(fc.record({ when: fc.oneof({ weight: 1, arbitrary: fc.constant('always' as const) }, { weight: 4, arbitrary: condition }), then }), { minLength: 1, maxLength: 6 }).map((rules) => ({
  groups: {
    alpha: { description: 'Alpha', approverTitle: { one: 'alpha', other: 'alphas' } },
    beta: { description: 'Beta', approverTitle: { one: 'beta', other: 'betas' } },
  },
  facts: Object.fromEntries(Object.entries(FACTS).map(([name, type]) => [name, { type }])),
  rules: rules.map((rule, i) => ({ name: `r${i}`, ...rule })),
}));

/** Facts for those policies: each missing, from its domain, or any JSON (usually the wrong type). */
export const factsJson = fc.record(
  Object.fromEntries(Object.entries(FACTS).map(([name, type]) => [name, fc.oneof(fc.constantFrom(...DOMAIN[type]), fc.jsonValue({ maxDepth: 1 }))])),
  { requiredKeys: [] },
);
