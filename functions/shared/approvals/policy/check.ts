import type * as z from 'zod';
import { ApprovalPolicy, type Level } from './schema.js';

/**
 * Checks a policy before anyone relies on it: at synth (against each environment's groups, so
 * `cdk synth` refuses a policy prod cannot satisfy) and at run time (the policy a Lambda reads
 * from its environment). Beyond the schema (schema.ts) it refuses:
 * - a policy that can leave a subject undecided: its last rule must be `when: "always"`
 *   (simple and sound; proving that conditions cover every input is not attempted);
 * - rules that can never be reached after an `always` rule, and duplicate rule or level names;
 * - a level or escalation naming a group the policy does not declare, or one with no members in
 *   this environment;
 * - a quorum larger than its group (and than its escalation group, which is asked with the same
 *   quorum); `all` always fits;
 * - an escalation to the level's own group;
 * - a reminder that is not before the deadline it reminds of (the level's, and the escalation's).
 *
 * Every problem says where: the rule's name and index, and the field (`rule "over-50000"
 * (rules[2]) then.route[1].quorum: ...`). Messages give member counts, never addresses.
 * Never throws, whatever the input: problems are returned.
 */

export interface PolicyEnvironment {
  /** Each group's members in this environment (from the workflow's settings); addresses are only counted. */
  readonly groupMembers: Readonly<Record<string, readonly string[]>>;
}

export interface PolicyProblem {
  /** Where: `rule "name" (rules[i]) field.path`, or a top-level path such as `groups.finance`. */
  readonly at: string;
  readonly message: string;
}

export type PolicyCheck = { readonly ok: true; readonly policy: ApprovalPolicy } | { readonly ok: false; readonly problems: readonly PolicyProblem[] };

/**
 * @example
 * const checked = checkPolicy(JSON.parse(text), { groupMembers: { finance: settings.financeApprovers } });
 * if (!checked.ok) throw new Error(`approval-policy.json is refused:\n${formatProblems(checked.problems)}`);
 */
export function checkPolicy(input: unknown, environment: PolicyEnvironment): PolicyCheck {
  const parsed = ApprovalPolicy.safeParse(input);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.flatMap((issue) => leafIssues(issue)).map(({ path, message }) => problem(input, path, message)) };
  }
  const policy = parsed.data;
  const problems = [...ruleProblems(policy), ...levelProblems(policy, environment)];
  return problems.length === 0 ? { ok: true, policy } : { ok: false, problems };
}

/** One line per problem, for an error message or a terminal. */
export function formatProblems(problems: readonly PolicyProblem[]): string {
  return problems.map(({ at, message }) => `- ${at}: ${message}`).join('\n');
}

function ruleProblems(policy: ApprovalPolicy): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const firstAlways = policy.rules.findIndex((rule) => rule.when === 'always');
  const last = policy.rules.length - 1;
  if (firstAlways === -1) {
    problems.push(
      problem(policy, ['rules', last, 'when'], 'the last rule must be when: "always", so that every subject is decided (a subject no rule matches would fail closed at run time)'),
    );
  } else {
    for (let index = firstAlways + 1; index <= last; index++) {
      problems.push(problem(policy, ['rules', index], `is never reached: rule "${policy.rules[firstAlways]!.name}" (rules[${firstAlways}]) before it is when: "always"`));
    }
  }
  const seen = new Map<string, number>();
  policy.rules.forEach((rule, index) => {
    const earlier = seen.get(rule.name);
    if (earlier === undefined) seen.set(rule.name, index);
    else problems.push(problem(policy, ['rules', index, 'name'], `rule name "${rule.name}" is already used by rules[${earlier}]; the recorded rule name must say which rule decided`));
    if ('route' in rule.then) {
      const levels = new Set<string>();
      rule.then.route.forEach((level, at) => {
        if (levels.has(level.name)) problems.push(problem(policy, ['rules', index, 'then', 'route', at, 'name'], `level name "${level.name}" is used twice in this route`));
        levels.add(level.name);
      });
    }
  });
  return problems;
}

function levelProblems(policy: ApprovalPolicy, environment: PolicyEnvironment): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  policy.rules.forEach((rule, index) => {
    if (!('route' in rule.then)) return;
    rule.then.route.forEach((level, at) => {
      const path = ['rules', index, 'then', 'route', at];
      const report = (field: (string | number)[], message: string) => problems.push(problem(policy, [...path, ...field], message));
      const groupProblem = groupMissing(policy, environment, level.group);
      if (groupProblem !== undefined) report(['group'], groupProblem);
      else if (typeof level.quorum === 'number' && level.quorum > memberCount(environment, level.group)) {
        report(['quorum'], `${level.quorum} exceeds the ${memberCount(environment, level.group)} members of group "${level.group}" in this environment`);
      }
      if (level.reminderHoursBeforeDeadline !== undefined && level.reminderHoursBeforeDeadline >= level.deadlineHours) {
        report(['reminderHoursBeforeDeadline'], `${level.reminderHoursBeforeDeadline} hours before a deadline of ${level.deadlineHours} hours is not after the level opens; make it smaller than deadlineHours`);
      }
      if (level.onDeadline !== 'fail') escalationProblems(policy, environment, level, report);
    });
  });
  return problems;
}

function escalationProblems(policy: ApprovalPolicy, environment: PolicyEnvironment, level: Level, report: (field: (string | number)[], message: string) => void): void {
  if (level.onDeadline === 'fail') return;
  const { escalateTo, deadlineHours } = level.onDeadline;
  const field = ['onDeadline', 'escalateTo'];
  const groupProblem = groupMissing(policy, environment, escalateTo);
  if (escalateTo === level.group) report(field, `escalates to its own group "${escalateTo}"; escalate to another group, or use onDeadline: "fail"`);
  else if (groupProblem !== undefined) report(field, groupProblem);
  else if (typeof level.quorum === 'number' && level.quorum > memberCount(environment, escalateTo)) {
    report(field, `group "${escalateTo}" has ${memberCount(environment, escalateTo)} members in this environment, fewer than the level's quorum of ${level.quorum}, which the escalation keeps`);
  }
  if (level.reminderHoursBeforeDeadline !== undefined && level.reminderHoursBeforeDeadline >= deadlineHours) {
    report(['reminderHoursBeforeDeadline'], `${level.reminderHoursBeforeDeadline} hours is not before the escalation's deadline of ${deadlineHours} hours; make it smaller than onDeadline.deadlineHours`);
  }
}

function groupMissing(policy: ApprovalPolicy, environment: PolicyEnvironment, group: string): string | undefined {
  if (!Object.hasOwn(policy.groups, group)) return `group "${group}" is not declared in groups`;
  const count = memberCount(environment, group);
  if (count === 0) return `group "${group}" has no members in this environment; add them to the workflow's settings`;
  return undefined;
}

/** Distinct members, addresses compared case-insensitively: the same person twice is one approver. */
function memberCount(environment: PolicyEnvironment, group: string): number {
  const groups = environment.groupMembers as unknown;
  if (typeof groups !== 'object' || groups === null || !Object.hasOwn(groups, group)) return 0;
  const members = (groups as Record<string, unknown>)[group];
  if (!Array.isArray(members)) return 0;
  return new Set(members.filter((member): member is string => typeof member === 'string' && member.trim() !== '').map((member) => member.trim().toLowerCase())).size;
}

/**
 * A union's own message says nothing ("Invalid input"); the branch that got furthest (deepest
 * paths, then fewest issues) says what is wrong, at its own paths below the union's.
 */
function leafIssues(issue: z.core.$ZodIssue, at: readonly PropertyKey[] = []): { path: PropertyKey[]; message: string }[] {
  const path = [...at, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [{ path, message: issue.message }];
  const deepest = (branch: z.core.$ZodIssue[]) => Math.max(0, ...branch.map((inner) => inner.path.length));
  const best = [...issue.errors].sort((a, b) => deepest(b) - deepest(a) || a.length - b.length)[0]!;
  return best.flatMap((inner) => leafIssues(inner, path));
}

/** `rule "name" (rules[2]) when.all[0].value` when the path is inside a rule, the path itself otherwise. */
function problem(input: unknown, path: readonly PropertyKey[], message: string): PolicyProblem {
  if (path[0] === 'rules' && typeof path[1] === 'number') {
    const name = ruleName(input, path[1]);
    const rest = path.slice(2);
    const rule = name === undefined ? `rules[${path[1]}]` : `rule "${name}" (rules[${path[1]}])`;
    return { at: rest.length === 0 ? rule : `${rule} ${pathText(rest)}`, message };
  }
  return { at: path.length === 0 ? '(policy)' : pathText(path), message };
}

function ruleName(input: unknown, index: number): string | undefined {
  if (typeof input !== 'object' || input === null || !Object.hasOwn(input, 'rules')) return undefined;
  const rules = (input as { rules: unknown }).rules;
  if (!Array.isArray(rules)) return undefined;
  const rule: unknown = rules[index];
  if (typeof rule !== 'object' || rule === null || !Object.hasOwn(rule, 'name')) return undefined;
  const name = (rule as { name: unknown }).name;
  // A name from the input is shown only if it is one the schema would accept: no control characters or markup in messages.
  return typeof name === 'string' && /^[a-z0-9][a-z0-9-]{0,79}$/.test(name) ? name : undefined;
}

/** Keys come from the input (a misspelt key, a group name): anything but a plain name is quoted, so a message stays one clean line. */
function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => {
      if (typeof key === 'number') return `[${key}]`;
      const text = String(key);
      return /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(text) ? `${i === 0 ? '' : '.'}${text}` : `[${JSON.stringify(text.slice(0, 64))}]`;
    })
    .join('');
}
