import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkPolicy } from '../../../../functions/shared/approvals/policy/check.js';
import { evaluatePolicy } from '../../../../functions/shared/approvals/policy/evaluate.js';
import { ApprovalPolicy } from '../../../../functions/shared/approvals/policy/schema.js';
import { factsJson, policyJson } from './policy-arbitraries.js';

const ENVIRONMENT = { groupMembers: { alpha: ['a@example.com', 'b@example.com'], beta: ['c@example.com'] } };

/** Any value at all, including objects without a prototype, boxed values, -0, NaN and __proto__ keys. */
const anything = fc.anything({ withNullPrototype: true, withBoxedValues: true, withBigInt: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, maxDepth: 4 });

/** A valid policy with one subtree (found by walking random keys) replaced by random JSON: near misses reach deeper code than noise. */
const mutatedPolicy = fc.tuple(policyJson, fc.array(fc.nat(), { minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 3 })).map(([policy, steps, replacement]) => {
  const copy = structuredClone(policy) as unknown as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const [i, step] of steps.entries()) {
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[step % keys.length]!;
    const child = node[key];
    if (i === steps.length - 1 || typeof child !== 'object' || child === null) {
      node[key] = replacement;
      break;
    }
    node = child as Record<string, unknown>;
  }
  return copy;
});

describe('no policy input crashes the schema, the checker or the evaluator', () => {
  it.each([
    ['any value', anything, false],
    ['any JSON', fc.jsonValue(), false],
    ['a valid policy with a subtree replaced', mutatedPolicy, true],
  ] as const)('%s', (_label, input: fc.Arbitrary<unknown>, someParse) => {
    let parsedCount = 0;
    fc.assert(
      fc.property(input, factsJson, (value, facts) => {
        const parsed = ApprovalPolicy.safeParse(value);
        const checked = checkPolicy(value, ENVIRONMENT);
        if (!checked.ok) {
          expect(checked.problems.length).toBeGreaterThan(0);
          for (const problem of checked.problems) {
            expect(typeof problem.at).toBe('string');
            expect(problem.message.length).toBeGreaterThan(0);
          }
        }
        if (parsed.success) {
          parsedCount++;
          expect(['auto', 'route', 'no-match']).toContain(evaluatePolicy(parsed.data, facts).kind);
        }
      }),
      { numRuns: 1000 },
    );
    // Near misses must sometimes still parse, or the evaluator half of this property is never exercised.
    if (someParse) expect(parsedCount).toBeGreaterThan(0);
  });

  it('a checked policy always decides: every accepted policy ends in an always rule, so no-match never happens', () => {
    fc.assert(
      fc.property(policyJson, factsJson, (json, facts) => {
        const checked = checkPolicy(json, ENVIRONMENT);
        if (checked.ok) expect(evaluatePolicy(checked.policy, facts).kind).not.toBe('no-match');
      }),
      { numRuns: 1000 },
    );
  });
});
