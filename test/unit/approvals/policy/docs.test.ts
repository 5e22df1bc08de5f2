import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkPolicy } from '../../../../functions/shared/approvals/policy/check.js';

/**
 * docs/approval-policies.md quotes the checker's messages; these policies produce them, so a
 * changed message fails here until the page says what a writer will really see.
 */
const page = readFileSync(new URL('../../../../docs/approval-policies.md', import.meta.url), 'utf8');

const GROUP = { description: 'A group', approverTitle: { one: 'member', other: 'members' } };
const ENVIRONMENT = { groupMembers: { finance: ['f1@example.com', 'f2@example.com', 'f3@example.com'], managers: ['m1@example.com', 'm2@example.com'] } };

function policy(rules: unknown[]) {
  return {
    groups: { finance: GROUP, managers: GROUP, treasury: GROUP },
    facts: { amount: { type: 'decimal' }, currency: { type: 'string' } },
    rules: [...rules, { name: 'rest', when: 'always', then: { decide: 'reject' } }],
  };
}

const level = (overrides: object) => ({ name: 'finance', group: 'finance', quorum: 1, deadlineHours: 48, onDeadline: 'fail', ...overrides });
const route = (overrides: object) => policy([{ name: 'r', when: { fact: 'amount', op: 'gt', value: '1' }, then: { route: [level(overrides)] } }]);
const when = (condition: object) => policy([{ name: 'r', when: condition, then: { decide: 'approve' } }]);

const QUOTED: [string, unknown][] = [
  ['undeclared fact', when({ fact: 'vendor', op: 'eq', value: 'Acme' })],
  ['wrong literal type', when({ fact: 'amount', op: 'lt', value: 100 })],
  ['ordering a string', when({ fact: 'currency', op: 'lt', value: 'USD' })],
  ['undeclared group', route({ group: 'auditors' })],
  ['group without members', route({ group: 'treasury' })],
  ['quorum too large', route({ group: 'managers', quorum: 3 })],
  ['escalation to itself', route({ onDeadline: { escalateTo: 'finance', deadlineHours: 24 } })],
  ['escalation too small', route({ quorum: 3, onDeadline: { escalateTo: 'managers', deadlineHours: 24 } })],
  ['deadline too short', route({ deadlineHours: 0 })],
  ['deadline too long', route({ deadlineHours: 9000 })],
  ['deadline fraction', route({ deadlineHours: 2.5 })],
  ['duplicate rule name', policy([{ name: 'same', when: { fact: 'amount', op: 'gt', value: '1' }, then: { decide: 'approve' } }, { name: 'same', when: { fact: 'amount', op: 'gt', value: '2' }, then: { decide: 'approve' } }])],
  ['duplicate level name', policy([{ name: 'r', when: 'always', then: { route: [level({}), level({})] } }])],
  ['misspelt key', route({ dedlineHours: 12 })],
];

describe('docs/approval-policies.md', () => {
  it.each(QUOTED)('quotes the message for: %s', (_case, input) => {
    const checked = checkPolicy(input, ENVIRONMENT);
    expect(checked.ok).toBe(false);
    for (const { message } of checked.ok ? [] : checked.problems.filter((problem) => !problem.message.startsWith('is never reached'))) {
      expect(page, message).toContain(`\`${message}\``);
    }
  });

  it('shows how a gate declares its policy, with its groups from the environment', () => {
    expect(page).toContain('## Declaring a policy gate');
    expect(page).toContain('groups: ({ settings }) => settings.approverGroups');
    expect(page).not.toContain('Nothing uses them yet');
  });

  it('names both shipped policies', () => {
    expect(page).toContain('statemachines/invoice-approval/approval-policy.json');
    expect(page).toContain('statemachines/vendor-bank-details/approval-policy.json');
  });
});
