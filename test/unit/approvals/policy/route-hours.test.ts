import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ROUTE_HOURS, routeHoursOf } from '../../../../functions/shared/approvals/policy/route-hours.js';
import { ApprovalPolicy, type Level } from '../../../../functions/shared/approvals/policy/schema.js';

const GROUP = { description: 'Someone', approverTitle: { one: 'approver', other: 'approvers' } };

function level(name: string, deadlineHours: number, escalationHours?: number): Level {
  return { name, group: 'managers', quorum: 1, deadlineHours, onDeadline: escalationHours === undefined ? 'fail' : { escalateTo: 'directors', deadlineHours: escalationHours } };
}

/** A policy parsed by its schema, so the function is fed what checkPolicy hands it. */
function policyOf(rules: unknown[]): ApprovalPolicy {
  return ApprovalPolicy.parse({ groups: { managers: GROUP, directors: GROUP }, facts: { amount: { type: 'decimal' } }, rules });
}

describe('routeHoursOf: how long a policy gate may wait', () => {
  it('is the longest route (each level to its deadline, plus its escalation deadline) plus one hour', () => {
    const policy = policyOf([
      { name: 'small', when: { fact: 'amount', op: 'lt', value: '100.00' }, then: { route: [level('one', 200)] } },
      { name: 'large', when: { fact: 'amount', op: 'lt', value: '9999.00' }, then: { route: [level('managers', 48, 24), level('directors', 72)] } },
      { name: 'otherwise', when: 'always', then: { decide: 'reject' } },
    ]);
    // small: 200; large: 48 + 24 + 72 = 144. The longer one wins, whichever rule comes first.
    expect(routeHoursOf(policy)).toBe(201);
  });

  it('counts an escalation of a later rule that makes it the longest', () => {
    const policy = policyOf([
      { name: 'first', when: { fact: 'amount', op: 'lt', value: '1.00' }, then: { route: [level('a', 10)] } },
      { name: 'otherwise', when: 'always', then: { route: [level('b', 5, 8)] } },
    ]);
    expect(routeHoursOf(policy)).toBe(14);
  });

  it('is the margin alone for a policy that only decides by itself', () => {
    expect(routeHoursOf(policyOf([{ name: 'otherwise', when: 'always', then: { decide: 'approve' } }]))).toBe(1);
  });

  it('never exceeds 365 days, the most Step Functions lets a task wait', () => {
    const long = policyOf([{ name: 'otherwise', when: 'always', then: { route: [level('a', 8760, 8760), level('b', 8760)] } }]);
    expect(routeHoursOf(long)).toBe(MAX_ROUTE_HOURS);
    expect(MAX_ROUTE_HOURS).toBe(8760);
  });

  it('is, for any routes, within 2 and 365 days of hours and at least every route plus the margin when that fits', () => {
    const levelArb = fc.record({ deadline: fc.integer({ min: 1, max: 8760 }), escalation: fc.option(fc.integer({ min: 1, max: 8760 }), { nil: undefined }) });
    fc.assert(
      fc.property(fc.array(fc.array(levelArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }), (routes) => {
        const rules = routes.map((route, r) => ({
          name: r === routes.length - 1 ? 'otherwise' : `rule-${r}`,
          when: r === routes.length - 1 ? 'always' : { fact: 'amount', op: 'lt', value: `${r + 1}.00` },
          then: { route: route.map((l, i) => level(`level-${i}`, l.deadline, l.escalation)) },
        }));
        const hours = routeHoursOf(policyOf(rules));
        const sums = routes.map((route) => route.reduce((sum, l) => sum + l.deadline + (l.escalation ?? 0), 0));
        expect(hours).toBe(Math.min(Math.max(...sums) + 1, MAX_ROUTE_HOURS));
        expect(hours).toBeGreaterThanOrEqual(2);
        expect(hours).toBeLessThanOrEqual(MAX_ROUTE_HOURS);
      }),
      { numRuns: 200 },
    );
  });
});
