import type { ApprovalPolicy } from './schema.js';

/** Step Functions' ceiling for a task timeout (and the policy's own for one deadline). */
export const MAX_ROUTE_HOURS = 365 * 24;

/**
 * On top of the longest route: the timer that expires the last level fires at its deadline, and
 * it needs time to run (a retried invocation, a throttled Scheduler) before the task times out.
 * Without it the gate's States.Timeout could win the race and hide the recorded ApprovalExpired.
 */
export const ROUTE_MARGIN_HOURS = 1;

/**
 * How long a policy gate may wait, in hours: the longest route the policy can take, each level
 * running to its deadline and then, where it escalates, to the escalation's deadline, plus the
 * margin; at most 365 days. A policy that only auto-decides waits the margin alone.
 *
 * @example
 * routeHoursOf(policy); // route [{ deadlineHours: 48, onDeadline: { escalateTo: 'cfo', deadlineHours: 24 } }, { deadlineHours: 72, onDeadline: 'fail' }] → 48 + 24 + 72 + 1 = 145
 */
export function routeHoursOf(policy: ApprovalPolicy): number {
  const longest = policy.rules.reduce((most, rule) => {
    if (!('route' in rule.then)) return most;
    const hours = rule.then.route.reduce((sum, level) => sum + level.deadlineHours + (level.onDeadline === 'fail' ? 0 : level.onDeadline.deadlineHours), 0);
    return Math.max(most, hours);
  }, 0);
  return Math.min(longest + ROUTE_MARGIN_HOURS, MAX_ROUTE_HOURS);
}
