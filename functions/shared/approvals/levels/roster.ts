import type { RoutedLevel } from './events.js';

/**
 * Where each group's members sit in an approval's one list of approvers. A policy gate seals a
 * single list in ApprovalRequested (its `approvers`, as a single-list gate does), laid out group
 * by group in the order the route first names them (a level's group, then its escalation group,
 * level after level; a group named twice is laid out once). A link names a position in that list,
 * so the signed link format stays one number per approver; the roster turns it back into a
 * group and a position in the group, which is how the levels domain counts votes.
 */

export interface RosterEntry {
  group: string;
  /** Position of the group's first member in the approval's list. */
  from: number;
  count: number;
}

/**
 * @example
 * rosterOf([{ group: 'managers', approverCount: 1, onDeadline: { escalateTo: 'finance-directors', approverCount: 3, ... }, ... },
 *           { group: 'finance-directors', approverCount: 3, onDeadline: 'fail', ... }]);
 * // [{ group: 'managers', from: 0, count: 1 }, { group: 'finance-directors', from: 1, count: 3 }]
 */
export function rosterOf(route: readonly RoutedLevel[]): RosterEntry[] {
  const roster: RosterEntry[] = [];
  let from = 0;
  const add = (group: string, count: number) => {
    if (roster.some((entry) => entry.group === group)) return;
    roster.push({ group, from, count });
    from += count;
  };
  for (const level of route) {
    add(level.group, level.approverCount);
    if (level.onDeadline !== 'fail') add(level.onDeadline.escalateTo, level.onDeadline.approverCount);
  }
  return roster;
}

/** The group and position within it of the approval list's position `index`; undefined when no group holds it. */
export function rosterPosition(roster: readonly RosterEntry[], index: number): { group: string; approverIndex: number } | undefined {
  if (!Number.isSafeInteger(index) || index < 0) return undefined;
  const entry = roster.find((candidate) => index >= candidate.from && index < candidate.from + candidate.count);
  return entry === undefined ? undefined : { group: entry.group, approverIndex: index - entry.from };
}

/** The approval list's position of a group's member; undefined for a group the roster does not hold or a position outside it. */
export function rosterIndex(roster: readonly RosterEntry[], group: string, approverIndex: number): number | undefined {
  const entry = roster.find((candidate) => candidate.group === group);
  if (entry === undefined || !Number.isSafeInteger(approverIndex) || approverIndex < 0 || approverIndex >= entry.count) return undefined;
  return entry.from + approverIndex;
}
