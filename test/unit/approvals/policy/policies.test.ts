import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkPolicy, formatProblems } from '../../../../functions/shared/approvals/policy/check.js';
import { describeDeadline, describeRoute } from '../../../../functions/shared/approvals/policy/describe.js';
import { evaluatePolicy, type PolicyOutcome } from '../../../../functions/shared/approvals/policy/evaluate.js';
import type { ApprovalPolicy } from '../../../../functions/shared/approvals/policy/schema.js';

/** The shipped policies, checked against example memberships of the size the issue describes. */
const members = (group: string, count: number) => Array.from({ length: count }, (_, i) => `${group}-${i + 1}@example.com`);
const ENVIRONMENT = {
  groupMembers: { finance: members('finance', 3), managers: members('manager', 2), 'finance-directors': members('director', 3), 'vendor-master': members('vendor-master', 2) },
};
const count = (group: string) => ENVIRONMENT.groupMembers[group as keyof typeof ENVIRONMENT.groupMembers]?.length ?? 0;

function load(path: string): ApprovalPolicy {
  const checked = checkPolicy(JSON.parse(readFileSync(new URL(`../../../../${path}`, import.meta.url), 'utf8')), ENVIRONMENT);
  if (!checked.ok) throw new Error(`${path} is refused:\n${formatProblems(checked.problems)}`);
  return checked.policy;
}

const summary = (policy: ApprovalPolicy, outcome: PolicyOutcome) =>
  outcome.kind === 'route' ? `${outcome.rule}: ${describeRoute(outcome.levels, policy, count)}` : outcome.kind === 'auto' ? `${outcome.rule}: ${outcome.decision}` : 'no-match';

describe('statemachines/invoice-approval/approval-policy.json', () => {
  const policy = load('statemachines/invoice-approval/approval-policy.json');
  const decide = (facts: object) => summary(policy, evaluatePolicy(policy, facts));

  it('auto-approves under 5,000 from a known vendor in EUR, USD or GBP', () => {
    expect(decide({ amount: '4999.99', currency: 'EUR', knownVendor: true })).toBe('known-vendor-under-5000: approve');
    expect(decide({ amount: '0.01', currency: 'GBP', knownVendor: true })).toBe('known-vendor-under-5000: approve');
  });

  it('asks one finance approver from 5,000 to 50,000 inclusive', () => {
    for (const amount of ['5000', '5000.00', '12480.00', '50000.00']) {
      expect(decide({ amount, currency: 'EUR', knownVendor: true }), amount).toBe('5000-to-50000: one finance approver');
    }
  });

  it('asks a manager and then 2 of 3 finance directors above 50,000, in any currency', () => {
    expect(decide({ amount: '50000.01', currency: 'EUR', knownVendor: true })).toBe('above-50000: one manager, then 2 of 3 finance directors');
    expect(decide({ amount: '750000', currency: 'CHF', knownVendor: false })).toBe('above-50000: one manager, then 2 of 3 finance directors');
  });

  it('sends anything else to one finance approver: unknown vendors, other currencies, missing or malformed facts', () => {
    for (const facts of [
      { amount: '4999.99', currency: 'EUR', knownVendor: false },
      { amount: '100', currency: 'JPY', knownVendor: true },
      { amount: '100', currency: 'EUR' },
      { amount: 100, currency: 'EUR', knownVendor: true },
      { amount: '4999.999', currency: 'EUR', knownVendor: true },
      {},
    ]) {
      expect(decide(facts), JSON.stringify(facts)).toBe('otherwise-finance: one finance approver');
    }
  });

  it('fails closed at the last deadline of every route, after at most one escalation', () => {
    const routes = policy.rules.flatMap((rule) => ('route' in rule.then ? [rule.then.route] : []));
    for (const route of routes) expect(route.at(-1)!.onDeadline === 'fail' || describeDeadline(route.at(-1)!, policy).endsWith('then the approval fails')).toBe(true);
    const big = routes.find((route) => route.length === 2)!;
    expect(big.map((level) => describeDeadline(level, policy))).toEqual([
      'within 24 hours, then the finance directors are asked for 24 hours more, then the approval fails',
      'within 48 hours, or the approval fails',
    ]);
  });

  it('is refused where the environment cannot meet it', () => {
    const json = JSON.parse(readFileSync(new URL('../../../../statemachines/invoice-approval/approval-policy.json', import.meta.url), 'utf8'));
    const checked = checkPolicy(json, { groupMembers: { ...ENVIRONMENT.groupMembers, 'finance-directors': members('director', 1) } });
    expect(checked.ok ? [] : checked.problems).toEqual([{ at: 'rule "above-50000" (rules[1]) then.route[1].quorum', message: '2 exceeds the 1 members of group "finance-directors" in this environment' }]);
  });
});

describe('statemachines/vendor-bank-details/approval-policy.json', () => {
  const policy = load('statemachines/vendor-bank-details/approval-policy.json');

  it('always asks 2 vendor-master approvers, whatever the subject', () => {
    for (const facts of [{}, { amount: '1' }, null]) {
      expect(summary(policy, evaluatePolicy(policy, facts))).toBe('two-vendor-master-approvers: 2 of 2 vendor-master approvers');
    }
  });

  it('is refused with fewer than 2 vendor-master members', () => {
    const json = JSON.parse(readFileSync(new URL('../../../../statemachines/vendor-bank-details/approval-policy.json', import.meta.url), 'utf8'));
    expect(checkPolicy(json, { groupMembers: { 'vendor-master': ['only@example.com'] } }).ok).toBe(false);
  });
});
