import { describe, expect, it } from 'vitest';
import { checkPolicy, formatProblems, type PolicyProblem } from '../../../../functions/shared/approvals/policy/check.js';

const MEMBERS = {
  groupMembers: {
    finance: ['f1@example.com', 'f2@example.com', 'f3@example.com'],
    managers: ['m1@example.com', 'm2@example.com'],
    directors: ['d1@example.com', 'd2@example.com', 'd3@example.com'],
    empty: [],
  },
};

const GROUP = (name: string) => ({ description: `The ${name}`, approverTitle: { one: name, other: `${name}s` } });

function level(overrides: Record<string, unknown> = {}) {
  return { name: 'finance', group: 'finance', quorum: 1, deadlineHours: 48, reminderHoursBeforeDeadline: 24, onDeadline: 'fail', ...overrides };
}

/** A valid policy, with `rules` replaced when given. */
function policy(rules?: unknown[], extra: Record<string, unknown> = {}) {
  return {
    groups: { finance: GROUP('finance'), managers: GROUP('manager'), directors: GROUP('director'), empty: GROUP('nobody'), missing: GROUP('ghost') },
    facts: { amount: { type: 'decimal' }, currency: { type: 'string' }, label: { type: 'classification' } },
    rules: rules ?? [
      { name: 'small', when: { fact: 'amount', op: 'lt', value: '100.00' }, then: { decide: 'approve' } },
      { name: 'otherwise', when: 'always', then: { route: [level()] } },
    ],
    ...extra,
  };
}

function problems(input: unknown): PolicyProblem[] {
  const checked = checkPolicy(input, MEMBERS);
  return checked.ok ? [] : [...checked.problems];
}

function routeRule(levelOverrides: Record<string, unknown>) {
  return policy([{ name: 'otherwise', when: 'always', then: { route: [level(levelOverrides)] } }]);
}

describe('checkPolicy', () => {
  it('accepts a valid policy and returns it parsed', () => {
    const checked = checkPolicy(policy(), MEMBERS);
    expect(checked.ok).toBe(true);
    expect(checked.ok && checked.policy.rules.map((rule) => rule.name)).toEqual(['small', 'otherwise']);
  });

  it('refuses a policy whose last rule is not always', () => {
    expect(problems(policy([{ name: 'small', when: { fact: 'amount', op: 'lt', value: '100.00' }, then: { decide: 'approve' } }]))).toEqual([
      { at: 'rule "small" (rules[0]) when', message: expect.stringContaining('the last rule must be when: "always"') },
    ]);
  });

  it('names every rule after an always rule as never reached', () => {
    const found = problems(
      policy([
        { name: 'first', when: 'always', then: { decide: 'reject' } },
        { name: 'second', when: { fact: 'amount', op: 'lt', value: '1' }, then: { decide: 'approve' } },
        { name: 'third', when: 'always', then: { decide: 'approve' } },
      ]),
    );
    expect(found).toEqual([
      { at: 'rule "second" (rules[1])', message: 'is never reached: rule "first" (rules[0]) before it is when: "always"' },
      { at: 'rule "third" (rules[2])', message: 'is never reached: rule "first" (rules[0]) before it is when: "always"' },
    ]);
  });

  it('refuses a fact the policy does not declare', () => {
    expect(problems(policy([{ name: 'vendor', when: { all: [{ fact: 'vendor', op: 'eq', value: 'Acme' }] }, then: { decide: 'approve' } }, { name: 'rest', when: 'always', then: { decide: 'reject' } }]))).toEqual([
      { at: 'rule "vendor" (rules[0]) when.all[0].fact', message: 'fact "vendor" is not declared in facts' },
    ]);
  });

  it('refuses an inherited property name as a fact (no prototype lookups)', () => {
    expect(problems(policy([{ name: 'odd', when: { fact: 'constructor', op: 'eq', value: 'x' }, then: { decide: 'approve' } }, { name: 'rest', when: 'always', then: { decide: 'reject' } }]))[0]?.message).toBe(
      'fact "constructor" is not declared in facts',
    );
  });

  it('refuses a value of the wrong type for its fact, naming rule and field', () => {
    expect(problems(policy([{ name: 'small', when: { any: [{ fact: 'currency', op: 'eq', value: 'EUR' }, { fact: 'amount', op: 'lt', value: 100 }] }, then: { decide: 'approve' } }, { name: 'rest', when: 'always', then: { decide: 'reject' } }]))).toEqual([
      { at: 'rule "small" (rules[0]) when.any[1].value', message: '100 is not a decimal string with at most 2 fraction digits, such as "4999.99" (fact "amount" is decimal)' },
    ]);
    expect(problems(policy([{ name: 'label', when: { fact: 'label', op: 'in', values: ['internal', 'secret'] }, then: { decide: 'approve' } }, { name: 'rest', when: 'always', then: { decide: 'reject' } }]))).toEqual([
      { at: 'rule "label" (rules[0]) when.values[1]', message: '"secret" is not one of public, internal, confidential, restricted (fact "label" is classification)' },
    ]);
  });

  it('refuses an ordering comparison on a string fact', () => {
    expect(problems(policy([{ name: 'cur', when: { fact: 'currency', op: 'lt', value: 'USD' }, then: { decide: 'approve' } }, { name: 'rest', when: 'always', then: { decide: 'reject' } }]))).toEqual([
      { at: 'rule "cur" (rules[0]) when.op', message: 'lt does not apply to fact "currency" of type string (use eq, ne, in or notIn)' },
    ]);
  });

  it('refuses a between whose upper bound is not above its lower bound', () => {
    expect(problems(policy([{ name: 'range', when: { fact: 'amount', op: 'between', from: '5000', to: '5000.00' }, then: { decide: 'approve' } }, { name: 'rest', when: 'always', then: { decide: 'reject' } }]))).toEqual([
      { at: 'rule "range" (rules[0]) when.to', message: expect.stringContaining('to must be greater than from') },
    ]);
  });

  it('refuses a group the policy does not declare', () => {
    expect(problems(routeRule({ group: 'auditors' }))).toEqual([{ at: 'rule "otherwise" (rules[0]) then.route[0].group', message: 'group "auditors" is not declared in groups' }]);
  });

  it('refuses a group with no members in this environment, declared or not in the settings', () => {
    expect(problems(routeRule({ group: 'empty' }))).toEqual([
      { at: 'rule "otherwise" (rules[0]) then.route[0].group', message: 'group "empty" has no members in this environment; add them to the workflow\'s settings' },
    ]);
    expect(problems(routeRule({ group: 'missing' }))[0]?.message).toBe('group "missing" has no members in this environment; add them to the workflow\'s settings');
  });

  it('refuses a quorum larger than its group, counting the same address once', () => {
    expect(problems(routeRule({ group: 'managers', quorum: 3 }))).toEqual([
      { at: 'rule "otherwise" (rules[0]) then.route[0].quorum', message: '3 exceeds the 2 members of group "managers" in this environment' },
    ]);
    const doubled = checkPolicy(routeRule({ group: 'managers', quorum: 2 }), { groupMembers: { managers: ['m1@example.com', 'M1@example.com '] } });
    expect(doubled.ok ? [] : doubled.problems.map((found) => found.message)).toEqual(['2 exceeds the 1 members of group "managers" in this environment']);
  });

  it('accepts quorum all for any group with members, and a quorum equal to the group', () => {
    expect(problems(routeRule({ group: 'managers', quorum: 'all' }))).toEqual([]);
    expect(problems(routeRule({ group: 'managers', quorum: 2 }))).toEqual([]);
  });

  it('refuses an escalation to an unknown group, to an empty one, to its own, or to one smaller than the quorum', () => {
    const at = 'rule "otherwise" (rules[0]) then.route[0].onDeadline.escalateTo';
    expect(problems(routeRule({ onDeadline: { escalateTo: 'cfo', deadlineHours: 48 } }))).toEqual([{ at, message: 'group "cfo" is not declared in groups' }]);
    expect(problems(routeRule({ onDeadline: { escalateTo: 'empty', deadlineHours: 48 } }))).toEqual([{ at, message: expect.stringContaining('group "empty" has no members') }]);
    expect(problems(routeRule({ onDeadline: { escalateTo: 'finance', deadlineHours: 48 } }))).toEqual([{ at, message: 'escalates to its own group "finance"; escalate to another group, or use onDeadline: "fail"' }]);
    expect(problems(routeRule({ quorum: 3, onDeadline: { escalateTo: 'managers', deadlineHours: 48 } }))).toEqual([
      { at, message: 'group "managers" has 2 members in this environment, fewer than the level\'s quorum of 3, which the escalation keeps' },
    ]);
  });

  it('refuses deadlines outside 1 hour .. 365 days, and fractions of an hour', () => {
    const at = 'rule "otherwise" (rules[0]) then.route[0].deadlineHours';
    expect(problems(routeRule({ deadlineHours: 0, reminderHoursBeforeDeadline: undefined }))).toEqual([{ at, message: 'at least 1 hour' }]);
    expect(problems(routeRule({ deadlineHours: 8761 }))).toEqual([{ at, message: 'at most 8760 hours (365 days)' }]);
    expect(problems(routeRule({ deadlineHours: 8760 }))).toEqual([]);
    expect(problems(routeRule({ deadlineHours: 1, reminderHoursBeforeDeadline: undefined }))).toEqual([]);
    expect(problems(routeRule({ deadlineHours: 1.5 }))).toEqual([{ at, message: 'a whole number of hours' }]);
    expect(problems(routeRule({ onDeadline: { escalateTo: 'directors', deadlineHours: 9000 } }))).toEqual([
      { at: 'rule "otherwise" (rules[0]) then.route[0].onDeadline.deadlineHours', message: 'at most 8760 hours (365 days)' },
    ]);
  });

  it('refuses a reminder that is not before the deadline, its own or the escalation\'s', () => {
    const at = 'rule "otherwise" (rules[0]) then.route[0].reminderHoursBeforeDeadline';
    expect(problems(routeRule({ deadlineHours: 24, reminderHoursBeforeDeadline: 24 }))).toEqual([{ at, message: expect.stringContaining('24 hours before a deadline of 24 hours is not after the level opens') }]);
    expect(problems(routeRule({ deadlineHours: 48, reminderHoursBeforeDeadline: 24, onDeadline: { escalateTo: 'directors', deadlineHours: 12 } }))).toEqual([
      { at, message: "24 hours is not before the escalation's deadline of 12 hours; make it smaller than onDeadline.deadlineHours" },
    ]);
    expect(problems(routeRule({ reminderHoursBeforeDeadline: 0 }))).toEqual([{ at, message: 'at least 1 hour' }]);
  });

  it('refuses duplicate rule names and duplicate level names in a route', () => {
    expect(problems(policy([{ name: 'same', when: { fact: 'amount', op: 'lt', value: '1' }, then: { decide: 'approve' } }, { name: 'same', when: 'always', then: { route: [level(), level()] } }]))).toEqual([
      { at: 'rule "same" (rules[1]) name', message: 'rule name "same" is already used by rules[0]; the recorded rule name must say which rule decided' },
      { at: 'rule "same" (rules[1]) then.route[1].name', message: 'level name "finance" is used twice in this route' },
    ]);
  });

  it('refuses a misspelt key instead of ignoring it', () => {
    const found = problems(routeRule({ dedlineHours: 12 }));
    expect(found).toEqual([{ at: 'rule "otherwise" (rules[0]) then.route[0]', message: expect.stringContaining('dedlineHours') }]);
  });

  it('says what is wrong inside a union rather than "Invalid input"', () => {
    const found = problems(policy([{ name: 'rest', when: 'always', then: { decide: 'maybe' } }]));
    expect(found).toHaveLength(1);
    expect(found[0]!.at).toBe('rule "rest" (rules[0]) then.decide');
    expect(found[0]!.message).toMatch(/approve.*reject/);
  });

  it('refuses a policy nested deeper than it may be, without overflowing the stack', () => {
    let when: unknown = { fact: 'amount', op: 'lt', value: '1' };
    for (let i = 0; i < 100_000; i++) when = { not: when };
    const found = problems(policy([{ name: 'deep', when, then: { decide: 'approve' } }, { name: 'rest', when: 'always', then: { decide: 'reject' } }]));
    expect(found).toEqual([{ at: '(policy)', message: 'the policy nests more than 24 levels deep' }]);
  });

  it('quotes odd keys so that a message stays one line', () => {
    const found = problems({ ...policy(), groups: { 'bad\nname': GROUP('x') } });
    expect(found.some((problem) => problem.at.startsWith('groups["bad\\nname"]'))).toBe(true);
    expect(found.every((problem) => !problem.at.includes('\n'))).toBe(true);
  });

  it('formats problems one per line', () => {
    expect(formatProblems([{ at: 'rules[0]', message: 'a' }, { at: 'groups', message: 'b' }])).toBe('- rules[0]: a\n- groups: b');
  });
});
