import * as z from 'zod';
import { jsonDepthExceeds } from '../../json-depth.js';
import { EXPECTED, FACT_TYPES, type FactType, isOrdered, readAs } from './values.js';

/**
 * An approval policy as data: which facts of a gate's subject it reads, which approver groups
 * it names, and ordered rules whose first match decides (see evaluate.ts). Members of a group
 * are not in the policy: they come per environment from the workflow's settings in cdk.json,
 * so one policy serves dev and prod.
 *
 * This schema refuses what is wrong inside one policy: its shape (objects are strict, so a
 * misspelt key is an error, not an ignored one), names, ranges, and literals that are not of
 * their fact's type ("4999.999" for a decimal fact) or a fact no one declared. What needs the
 * environment or looks across rules (coverage, unreachable rules, groups and their members,
 * quorums, reminders) is in check.ts; `checkPolicy` runs both and is the one entry point.
 */

/** Deadlines run from 1 hour to 365 days. */
export const MIN_DEADLINE_HOURS = 1;
export const MAX_DEADLINE_HOURS = 365 * 24;
/** A gate asks at most 20 approvers (GateDeclaration.approvers), so no quorum can be larger. */
export const MAX_QUORUM = 20;
export const MAX_RULES = 100;
export const MAX_LEVELS = 5;
/**
 * How deeply a policy document may nest, checked without recursion before zod's recursive walk
 * (which a document nested thousands deep would overflow). A rule's condition starts at depth 4
 * and each all/any adds 2, so conditions nest up to 10 all/any/not deep.
 */
export const MAX_POLICY_DEPTH = 24;
export const MAX_LIST_VALUES = 200;

/** Groups: lower-case words joined by hyphens (`finance-directors`), as they appear in settings. */
const GroupName = z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'lower-case words joined by hyphens, such as finance-directors').max(64);
/** Facts: identifiers as the subject's fields are named (`amount`, `knownVendor`). */
const FactName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'a letter, then letters, digits or _').max(64);
const RuleName = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and hyphens').max(80);
const Text = z.string().trim().min(1).max(200);

export const GroupDeclaration = z.strictObject({
  description: Text,
  /** What one member and several members are called, for the words in emails and on the page (describe.ts). */
  approverTitle: z.strictObject({ one: Text, other: Text }),
});

export const FactDeclaration = z.strictObject({
  type: z.enum(FACT_TYPES),
  description: Text.optional(),
});

const Literal = z.union([z.string().max(200), z.number(), z.boolean()]);

const COMPARISON_OPS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte'] as const;
const ORDERING_OPS = new Set<string>(['lt', 'lte', 'gt', 'gte', 'between']);

export const Comparison = z.union([
  z.strictObject({ fact: FactName, op: z.enum(COMPARISON_OPS), value: Literal }),
  z.strictObject({ fact: FactName, op: z.enum(['in', 'notIn']), values: z.array(Literal).min(1).max(MAX_LIST_VALUES) }),
  /** Inclusive lower bound, exclusive upper bound: `from <= fact < to`, so adjacent ranges never overlap. */
  z.strictObject({ fact: FactName, op: z.literal('between'), from: Literal, to: Literal }),
]);
export type Comparison = z.infer<typeof Comparison>;

export type Condition = Comparison | { all: Condition[] } | { any: Condition[] } | { not: Condition };

export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(Condition).min(1).max(50) }),
    z.strictObject({ any: z.array(Condition).min(1).max(50) }),
    z.strictObject({ not: Condition }),
    Comparison,
  ]),
);

const Hours = z
  .number()
  .int('a whole number of hours')
  .min(MIN_DEADLINE_HOURS, `at least ${MIN_DEADLINE_HOURS} hour`)
  .max(MAX_DEADLINE_HOURS, `at most ${MAX_DEADLINE_HOURS} hours (365 days)`);

export const Level = z.strictObject({
  name: RuleName,
  group: GroupName,
  /** How many distinct members of the group must approve: a number, or `all` of them. */
  quorum: z.union([z.number().int('a whole number').min(1, 'at least 1').max(MAX_QUORUM, `at most ${MAX_QUORUM}`), z.literal('all')]),
  /** Hours from the moment the level opens until its deadline. */
  deadlineHours: Hours,
  /** One reminder to those who have not decided, this many hours before each of the level's deadlines. */
  reminderHoursBeforeDeadline: z.number().int('a whole number of hours').min(1, 'at least 1 hour').optional(),
  /** At the deadline: ask the escalation group (same quorum, a new deadline, then fail closed), or fail closed now. */
  onDeadline: z.union([z.literal('fail'), z.strictObject({ escalateTo: GroupName, deadlineHours: Hours })]),
});
export type Level = z.infer<typeof Level>;

export const Decision = z.strictObject({ decide: z.enum(['approve', 'reject']) });
export const Route = z.strictObject({ route: z.array(Level).min(1).max(MAX_LEVELS) });

export const Rule = z.strictObject({
  name: RuleName,
  when: z.union([z.literal('always'), Condition]),
  then: z.union([Decision, Route]),
});
export type Rule = z.infer<typeof Rule>;

const PolicyShape = z.strictObject({
  groups: z.record(GroupName, GroupDeclaration),
  facts: z.record(FactName, FactDeclaration),
  rules: z.array(Rule).min(1).max(MAX_RULES),
});

/**
 * The schema of an approval policy (`ApprovalPolicy.safeParse(json)`); prefer `checkPolicy`,
 * which also checks the policy against an environment's groups and turns issues into messages.
 */
export const ApprovalPolicy = z
  .custom<unknown>((value) => !jsonDepthExceeds(value, MAX_POLICY_DEPTH), { message: `the policy nests more than ${MAX_POLICY_DEPTH} levels deep` })
  .pipe(PolicyShape)
  .superRefine((policy, context) => {
  policy.rules.forEach((rule, index) => {
    if (rule.when === 'always') return;
    for (const { comparison, path } of comparisonsOf(rule.when, ['rules', index, 'when'])) {
      for (const issue of comparisonIssues(comparison, policy.facts)) {
        context.addIssue({ code: 'custom', path: [...path, ...issue.path], message: issue.message });
      }
    }
  });
});
export type ApprovalPolicy = z.infer<typeof ApprovalPolicy>;

/** Every comparison of a condition with its path; iterative, though the schema already bounds the depth. */
function comparisonsOf(condition: Condition, at: (string | number)[]): { comparison: Comparison; path: (string | number)[] }[] {
  const found: { comparison: Comparison; path: (string | number)[] }[] = [];
  const pending: { condition: Condition; path: (string | number)[] }[] = [{ condition, path: at }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { condition: current, path } = next;
    if ('all' in current) current.all.forEach((child, i) => pending.push({ condition: child, path: [...path, 'all', i] }));
    else if ('any' in current) current.any.forEach((child, i) => pending.push({ condition: child, path: [...path, 'any', i] }));
    else if ('not' in current) pending.push({ condition: current.not, path: [...path, 'not'] });
    else found.push({ comparison: current, path });
  }
  return found.reverse();
}

function comparisonIssues(comparison: Comparison, facts: Record<string, { type: FactType }>): { path: (string | number)[]; message: string }[] {
  if (!Object.hasOwn(facts, comparison.fact)) {
    return [{ path: ['fact'], message: `fact "${comparison.fact}" is not declared in facts` }];
  }
  const type = (facts[comparison.fact] as { type: FactType }).type;
  if (ORDERING_OPS.has(comparison.op) && !isOrdered(type)) {
    return [{ path: ['op'], message: `${comparison.op} does not apply to fact "${comparison.fact}" of type ${type} (use eq, ne, in or notIn)` }];
  }
  const literals: { path: (string | number)[]; value: unknown }[] =
    'values' in comparison ? comparison.values.map((value, i) => ({ path: ['values', i], value })) : 'value' in comparison ? [{ path: ['value'], value: comparison.value }] : [
      { path: ['from'], value: comparison.from },
      { path: ['to'], value: comparison.to },
    ];
  const issues = literals
    .filter(({ value }) => readAs(type, value) === undefined)
    .map(({ path, value }) => ({ path, message: `${JSON.stringify(value)} is not ${EXPECTED[type]} (fact "${comparison.fact}" is ${type})` }));
  if (issues.length === 0 && 'from' in comparison) {
    const from = readAs(type, comparison.from);
    const to = readAs(type, comparison.to);
    if (from !== undefined && to !== undefined && !(from < to)) {
      issues.push({ path: ['to'], message: `between includes from and excludes to, so to must be greater than from (${JSON.stringify(comparison.from)} .. ${JSON.stringify(comparison.to)} matches nothing)` });
    }
  }
  return issues;
}
