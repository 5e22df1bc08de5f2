import type { ApprovalPolicy, Level } from './schema.js';

/**
 * A level's quorum and deadline in words, for emails and the approval page: "2 of 3 finance
 * directors", "every manager", "one finance approver". Pure: the member count is passed in
 * (from the environment's settings), and no address ever appears, only the group's titles
 * (GroupDeclaration.approverTitle).
 */

type Titles = ApprovalPolicy['groups'][string]['approverTitle'];

/**
 * How many approvals a level needs, given its group's member count: `all` means every member
 * at the moment the level opens. This is the number the gate counts to (the wiring's quorum).
 *
 * @example
 * approvalsNeeded(2, 3); // 2
 * approvalsNeeded('all', 3); // 3
 */
export function approvalsNeeded(quorum: Level['quorum'], members: number): number {
  return quorum === 'all' ? members : quorum;
}

/**
 * @example
 * describeQuorum(2, 3, { one: 'finance director', other: 'finance directors' }); // '2 of 3 finance directors'
 * describeQuorum('all', 2, { one: 'manager', other: 'managers' });                // 'every manager'
 * describeQuorum(1, 3, { one: 'finance approver', other: 'finance approvers' });  // 'one finance approver'
 */
export function describeQuorum(quorum: Level['quorum'], members: number, titles: Titles): string {
  if (quorum === 'all') return members === 1 ? `the ${titles.one}` : `every ${titles.one}`;
  if (quorum === 1) return members === 1 ? `the ${titles.one}` : `one ${titles.one}`;
  return `${quorum} of ${members} ${titles.other}`;
}

/**
 * A whole route, levels in order: "one manager, then 2 of 3 finance directors". Members per
 * group come from the environment; a group the policy does not declare is named as it is
 * written (checkPolicy refuses such a policy, so this is only a fallback).
 */
export function describeRoute(levels: readonly Level[], policy: ApprovalPolicy, members: (group: string) => number): string {
  return levels.map((level) => describeQuorum(level.quorum, members(level.group), titlesOf(policy, level.group))).join(', then ');
}

/**
 * What a level still needs, for the page beside who has decided: "1 more finance director",
 * "2 more finance directors", "no more approvals".
 */
export function describeStillNeeded(quorum: Level['quorum'], members: number, approvedSoFar: number, titles: Titles): string {
  const remaining = Math.max(0, approvalsNeeded(quorum, members) - approvedSoFar);
  if (remaining === 0) return 'no more approvals';
  return `${remaining} more ${remaining === 1 ? titles.one : titles.other}`;
}

/**
 * What happens at the level's deadline, in hours as the policy states them (the approver's own
 * "in 2 days, on ..." wording, which needs a clock and a time zone, belongs to the email):
 * "within 48 hours, then the finance directors are asked for 24 hours more" or
 * "within 72 hours, or the approval fails".
 */
export function describeDeadline(level: Level, policy: ApprovalPolicy): string {
  const within = `within ${hours(level.deadlineHours)}`;
  if (level.onDeadline === 'fail') return `${within}, or the approval fails`;
  return `${within}, then the ${titlesOf(policy, level.onDeadline.escalateTo).other} are asked for ${hours(level.onDeadline.deadlineHours)} more, then the approval fails`;
}

function hours(count: number): string {
  return count === 1 ? '1 hour' : `${count} hours`;
}

function titlesOf(policy: ApprovalPolicy, group: string): Titles {
  return Object.hasOwn(policy.groups, group) ? policy.groups[group]!.approverTitle : { one: `member of ${group}`, other: `members of ${group}` };
}
