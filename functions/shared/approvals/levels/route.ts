import type { PolicyOutcome } from '../policy/evaluate.js';
import { type ApprovalLevelStartedData, type LevelEvent, MAX_GROUP_SIZE, type RoutedLevel } from './events.js';
import { levelTimes } from './instants.js';

/**
 * Opening a routed gate: ApprovalRouted (the route as it will run, quorums resolved against the
 * environment's group sizes) and the first ApprovalLevelStarted. Group sizes are counts only
 * (distinct addresses in the workflow's settings); addresses never reach these events.
 *
 * Refuses, fail closed, what checkPolicy already refuses at synth: a group with no members, a
 * quorum larger than its group (the level's or its escalation's), an outcome that is not a route.
 * The caller then fails the gate (rejects), never approves and never asks anyone.
 */
export type Routing = { ok: true; events: LevelEvent[] } | { ok: false; problem: string };

export interface RouteIds {
  approvalId: string;
  executionId: string;
}

/**
 * @example
 * const routing = startRoute(evaluatePolicy(policy, facts), { finance: 3 }, new Date(), { approvalId: 'e1-1', executionId: 'e1' });
 * if (routing.ok) await store.append(approvalStream('e1-1'), state.version, routing.events.map(toNewEvent));
 */
export function startRoute(outcome: PolicyOutcome, groupSizes: Readonly<Record<string, number>>, now: Date, ids: RouteIds): Routing {
  if (outcome.kind !== 'route') return { ok: false, problem: `the policy outcome is ${outcome.kind}, not a route` };
  if (outcome.levels.length === 0) return { ok: false, problem: 'the route has no levels' };
  const levels: RoutedLevel[] = [];
  for (const [index, level] of outcome.levels.entries()) {
    const size = sizeOf(groupSizes, level.group);
    const quorum = level.quorum === 'all' ? size : level.quorum;
    if (size === 0) return { ok: false, problem: `level ${index} (${level.name}): group "${level.group}" has no members` };
    if (quorum > size) return { ok: false, problem: `level ${index} (${level.name}): quorum ${quorum} exceeds the ${size} members of group "${level.group}"` };
    let onDeadline: RoutedLevel['onDeadline'] = 'fail';
    if (level.onDeadline !== 'fail') {
      const { escalateTo, deadlineHours } = level.onDeadline;
      const escalationSize = sizeOf(groupSizes, escalateTo);
      // `all` means every member of the group asked, so an escalation's `all` is its own group's size.
      const escalationQuorum = level.quorum === 'all' ? escalationSize : level.quorum;
      if (escalationSize === 0) return { ok: false, problem: `level ${index} (${level.name}): escalation group "${escalateTo}" has no members` };
      if (escalationQuorum > escalationSize) {
        return { ok: false, problem: `level ${index} (${level.name}): quorum ${escalationQuorum} exceeds the ${escalationSize} members of escalation group "${escalateTo}"` };
      }
      onDeadline = { escalateTo, deadlineHours, quorum: escalationQuorum, approverCount: escalationSize };
    }
    levels.push({
      name: level.name,
      group: level.group,
      quorum,
      approverCount: size,
      deadlineHours: level.deadlineHours,
      ...(level.reminderHoursBeforeDeadline !== undefined ? { reminderHoursBeforeDeadline: level.reminderHoursBeforeDeadline } : {}),
      onDeadline,
    });
  }
  const actor = `policy:${outcome.rule}`;
  return {
    ok: true,
    events: [
      { type: 'ApprovalRouted', actor, data: { approvalId: ids.approvalId, executionId: ids.executionId, rule: outcome.rule, levels } },
      { type: 'ApprovalLevelStarted', actor, data: levelStartedData(ids.approvalId, 0, levels[0]!, now) },
    ],
  };
}

/** The start of a level of the route, asked of its own group. */
export function levelStartedData(approvalId: string, level: number, routed: RoutedLevel, now: Date): ApprovalLevelStartedData {
  return { approvalId, level, group: routed.group, quorum: routed.quorum, approverCount: routed.approverCount, ...levelTimes(now, routed.deadlineHours, routed.reminderHoursBeforeDeadline) };
}

/** A group's size as given; anything that is not a whole number from 1 to MAX_GROUP_SIZE is refused as no members. */
function sizeOf(groupSizes: Readonly<Record<string, number>>, group: string): number {
  if (typeof groupSizes !== 'object' || groupSizes === null || !Object.hasOwn(groupSizes, group)) return 0;
  const size = groupSizes[group];
  return typeof size === 'number' && Number.isSafeInteger(size) && size > 0 && size <= MAX_GROUP_SIZE ? size : 0;
}
