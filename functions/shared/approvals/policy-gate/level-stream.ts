import type { Json, NewEvent, StoredEvent } from '../../events/event.js';
import { asEventData, type LevelEvent } from '../levels/events.js';
import type { LevelState } from '../levels/state.js';
import { rosterIndex, rosterOf, type RosterEntry } from '../levels/roster.js';
import type { GroupTitle } from '../levels/events.js';

/**
 * Reading and writing a policy gate's approval stream: what the levels domain (pure) needs turned
 * into events the store takes, and the few facts of the stream the domain does not fold.
 */

/** Whether an approval stream belongs to a policy gate: its request was routed by a policy. */
export function isRouted(events: readonly StoredEvent[]): boolean {
  return events.some((event) => event.type === 'ApprovalRouted');
}

/** A level event as the store takes it, with its sealed part (an approver's address and comment) when it has one. */
export function toNewEvent(event: LevelEvent, sensitive?: { [key: string]: Json }): NewEvent {
  return { type: event.type, actor: event.actor, data: asEventData(event), ...(sensitive !== undefined ? { sensitive } : {}) };
}

/** The route's roster: where each group's members sit in the approval's one sealed list (levels/roster.ts). */
export function rosterOfState(state: LevelState): RosterEntry[] {
  return rosterOf(state.route);
}

/** The address of a group's member from the approval's opened list, or undefined when the roster does not hold them. */
export function addressOf(approvers: readonly string[], roster: readonly RosterEntry[], group: string, approverIndex: number): string | undefined {
  const index = rosterIndex(roster, group, approverIndex);
  return index === undefined ? undefined : approvers[index];
}

/** The titles the route recorded for its groups (ApprovalRouted's groupTitles); a group without one is called by its name. */
export function groupTitlesOf(events: readonly StoredEvent[]): Record<string, GroupTitle> {
  const routed = events.find((event) => event.type === 'ApprovalRouted');
  const titles = routed?.data.groupTitles;
  return typeof titles === 'object' && titles !== null && !Array.isArray(titles) ? (titles as unknown as Record<string, GroupTitle>) : {};
}

/** A group's title, or its name in words ("finance-directors" becomes "finance-directors member(s)") when the route recorded none. */
export function titleOf(titles: Readonly<Record<string, GroupTitle>>, group: string): GroupTitle {
  return Object.hasOwn(titles, group) ? titles[group]! : { one: `${group} member`, other: `${group} members` };
}

/**
 * Whether the group asked now at the current level has been emailed its links: an ApprovalNotified
 * naming this level and group after the ApprovalLevelStarted that opened it. The first level is
 * announced by the gate; a level opened by a vote or an escalation by the approval timer, which
 * checks this so that a timer firing twice emails nobody twice.
 */
export function currentLevelAnnounced(events: readonly StoredEvent[], state: LevelState): boolean {
  const opened = events.findLastIndex((event) => event.type === 'ApprovalLevelStarted' && event.data.level === state.level && event.data.group === state.group);
  if (opened === -1) return false;
  return events.slice(opened + 1).some((event) => event.type === 'ApprovalNotified' && event.data.level === state.level && event.data.group === state.group);
}
