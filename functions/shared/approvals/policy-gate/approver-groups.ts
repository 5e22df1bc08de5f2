import * as z from 'zod';
import { requireEnv } from '../../config.js';
import { ConfigurationInvalid } from '../../errors.js';

/** A group of a policy gate has 1 to 20 members, as a single-list gate has 1 to 20 approvers. */
export const MAX_GROUP_MEMBERS = 20;

const GroupName = z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/).max(64);
const Members = z
  .array(z.email().max(254))
  .min(1)
  .max(MAX_GROUP_MEMBERS)
  .refine((members) => new Set(members.map((member) => member.toLowerCase())).size === members.length);
const Groups = z.record(GroupName, Members);

/**
 * The members of each approver group of a policy gate, from APPROVER_GROUPS (a JSON object of
 * group name to a list of 1 to 20 distinct addresses), which the platform sets on the gate's
 * request-approval function from the workflow's settings in cdk.json. A malformed value is
 * ConfigurationInvalid naming the variable and the group, never an address (personal data).
 *
 * @example
 * approverGroups(); // { finance: ['ann@example.com', 'bo@example.com'], managers: ['cy@example.com'] }
 */
export function approverGroups(env: NodeJS.ProcessEnv = process.env): Record<string, string[]> {
  const text = requireEnv('APPROVER_GROUPS', env);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigurationInvalid('APPROVER_GROUPS is not JSON (an object of group name to a list of email addresses)');
  }
  const parsed = Groups.safeParse(value);
  if (!parsed.success) {
    // A key is named only when it is a group name: a malformed key could be anything, an address among them.
    const named = (key: unknown) => (typeof key === 'string' && GroupName.safeParse(key).success ? key : '(a key that is no group name)');
    const where = [...new Set(parsed.error.issues.map((issue) => (issue.path.length > 0 ? named(issue.path[0]) : '(the object)')))].slice(0, 5);
    throw new ConfigurationInvalid(
      `APPROVER_GROUPS malformed at ${where.join(', ')} (each group: a lower-case hyphenated name with 1 to ${MAX_GROUP_MEMBERS} distinct email addresses)`,
    );
  }
  return parsed.data;
}

/** How many members each group has: all a policy check and a route need to know of them. */
export function groupSizes(groups: Readonly<Record<string, readonly string[]>>): Record<string, number> {
  return Object.fromEntries(Object.entries(groups).map(([group, members]) => [group, members.length]));
}
