import { describe, expect, it } from 'vitest';
import { approvalsNeeded, describeDeadline, describeQuorum, describeRoute, describeStillNeeded } from '../../../../functions/shared/approvals/policy/describe.js';
import { ApprovalPolicy, type Level } from '../../../../functions/shared/approvals/policy/schema.js';

const DIRECTOR = { one: 'finance director', other: 'finance directors' };
const MANAGER = { one: 'manager', other: 'managers' };
const FINANCE = { one: 'finance approver', other: 'finance approvers' };

describe('describeQuorum', () => {
  it('says the level and quorum as an approver reads them', () => {
    expect(describeQuorum(2, 3, DIRECTOR)).toBe('2 of 3 finance directors');
    expect(describeQuorum('all', 2, MANAGER)).toBe('every manager');
    expect(describeQuorum(1, 3, FINANCE)).toBe('one finance approver');
    expect(describeQuorum(2, 2, MANAGER)).toBe('2 of 2 managers');
  });

  it('says "the" when the group has one member', () => {
    expect(describeQuorum(1, 1, FINANCE)).toBe('the finance approver');
    expect(describeQuorum('all', 1, MANAGER)).toBe('the manager');
  });
});

describe('approvalsNeeded and describeStillNeeded', () => {
  it('counts all as every member and says what is left', () => {
    expect(approvalsNeeded('all', 3)).toBe(3);
    expect(approvalsNeeded(2, 3)).toBe(2);
    expect(describeStillNeeded(2, 3, 0, DIRECTOR)).toBe('2 more finance directors');
    expect(describeStillNeeded(2, 3, 1, DIRECTOR)).toBe('1 more finance director');
    expect(describeStillNeeded(2, 3, 2, DIRECTOR)).toBe('no more approvals');
    expect(describeStillNeeded('all', 2, 1, MANAGER)).toBe('1 more manager');
    expect(describeStillNeeded(1, 3, 5, FINANCE)).toBe('no more approvals');
  });
});

describe('describeRoute and describeDeadline', () => {
  const policy = ApprovalPolicy.parse({
    groups: {
      managers: { description: 'Managers', approverTitle: MANAGER },
      'finance-directors': { description: 'Directors', approverTitle: DIRECTOR },
    },
    facts: {},
    rules: [
      {
        name: 'big',
        when: 'always',
        then: {
          route: [
            { name: 'manager', group: 'managers', quorum: 1, deadlineHours: 24, onDeadline: { escalateTo: 'finance-directors', deadlineHours: 12 } },
            { name: 'directors', group: 'finance-directors', quorum: 2, deadlineHours: 1, onDeadline: 'fail' },
          ],
        },
      },
    ],
  });
  const route = (policy.rules[0]!.then as { route: Level[] }).route;
  const members = (group: string) => ({ managers: 2, 'finance-directors': 3 })[group] ?? 0;

  it('joins the levels in order', () => {
    expect(describeRoute(route, policy, members)).toBe('one manager, then 2 of 3 finance directors');
  });

  it('says what happens at the deadline', () => {
    expect(describeDeadline(route[0]!, policy)).toBe('within 24 hours, then the finance directors are asked for 12 hours more, then the approval fails');
    expect(describeDeadline(route[1]!, policy)).toBe('within 1 hour, or the approval fails');
  });
});
