import { readFileSync } from 'node:fs';
import { checkPolicy, formatProblems } from '../../functions/shared/approvals/policy/check.js';
import { routeHoursOf } from '../../functions/shared/approvals/policy/route-hours.js';
import type { ApprovalPolicy } from '../../functions/shared/approvals/policy/schema.js';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import type { GatePolicyDeclaration, SettingsContext } from './workflow-definition.js';

/** A gate asks at most 20 approvers per group, as a plain gate asks at most 20 (GateDeclaration.approvers). */
const MAX_GROUP_MEMBERS = 20;

/** A policy gate as synth deploys it in one environment. */
export interface PolicyGate {
  /** The policy as checked: what the gate's payload carries, literally. */
  readonly policy: ApprovalPolicy;
  /** Each group's members in this environment: request-approval's APPROVER_GROUPS. */
  readonly groups: Readonly<Record<string, readonly string[]>>;
  /** Each fact's JsonPath in the state at the gate. */
  readonly facts: Readonly<Record<string, string>>;
  /** The longest route the policy can take, plus the margin (route-hours.ts): the gate's task timeout. */
  readonly hours: number;
}

/**
 * Reads and checks a gate's policy for one environment, so `cdk synth` refuses what the gate
 * could not run: a file that cannot be read or parsed, a policy with problems against this
 * environment's groups (checkPolicy, each problem on its own line), a group without 1 to 20
 * distinct addresses, a fact the policy declares without a JsonPath or a JsonPath for a fact it
 * does not declare. Every message
 * names the workflow, the gate and the environment; none quotes an address.
 *
 * @example
 * const gate = readPolicyGate({ workflow: 'expense-claim', gate: 'manager', environment: 'dev' }, declaration.policy, context);
 */
export function readPolicyGate(where: { workflow: string; gate: string; environment: string }, declaration: GatePolicyDeclaration<unknown>, context: SettingsContext<unknown>): PolicyGate {
  const at = `workflow ${where.workflow}: gate ${where.gate}`;
  let input: unknown;
  try {
    input = JSON.parse(readFileSync(declaration.file, 'utf8'));
  } catch (error) {
    const reason = error instanceof SyntaxError ? 'it is not valid JSON' : 'it cannot be read';
    throw new ConfigurationInvalid(`${at}: its policy file ${declaration.file} is refused: ${reason}`);
  }

  const groups: Record<string, string[]> = {};
  const groupProblems: string[] = [];
  for (const [group, members] of Object.entries(declaration.groups(context) ?? {})) {
    const list = Array.isArray(members) ? members.filter((member): member is string => typeof member === 'string') : [];
    const distinct = new Set(list.map((member) => member.trim().toLowerCase()));
    if (list.length !== (Array.isArray(members) ? members.length : -1) || list.some((member) => member.trim() === '')) groupProblems.push(`- groups.${group}: every member must be an email address`);
    else if (list.length < 1 || list.length > MAX_GROUP_MEMBERS) groupProblems.push(`- groups.${group}: has ${list.length} members; give it 1 to ${MAX_GROUP_MEMBERS} (its settings in cdk.json)`);
    else if (distinct.size !== list.length) groupProblems.push(`- groups.${group}: lists the same address twice; each member is one approver`);
    groups[group] = [...list];
  }

  const checked = checkPolicy(input, { groupMembers: groups });
  const problems = [...groupProblems, ...(checked.ok ? [] : [formatProblems(checked.problems)])];
  if (checked.ok) {
    const declared = Object.keys(checked.policy.facts);
    const given = Object.keys(declaration.facts);
    for (const fact of declared.filter((fact) => !Object.hasOwn(declaration.facts, fact))) problems.push(`- facts.${fact}: the policy declares it; give its JsonPath in the gate's policy.facts`);
    for (const fact of given.filter((fact) => !Object.hasOwn(checked.policy.facts, fact))) problems.push(`- policy.facts.${fact}: the policy declares no such fact; remove it or declare it in the policy`);
  }
  if (problems.length > 0) {
    throw new ConfigurationInvalid(`${at} in ${where.environment}: its policy ${declaration.file} is refused:\n${problems.join('\n')}`);
  }
  const policy = (checked as { ok: true; policy: ApprovalPolicy }).policy;
  return { policy, groups, facts: { ...declaration.facts }, hours: routeHoursOf(policy) };
}
