import type { ValidationIssue } from '../../errors.js';
import type { Json } from '../../events/event.js';

/**
 * The clear data of the events a multi-level approval appends on its approval stream
 * (`approval#<id>`). Approvers appear only as positions in their level's group, never as
 * addresses: whoever needs "who" opens the sealed part the wiring adds (as decide.ts seals the
 * address in ApprovalDecided today).
 *
 * The store takes ApprovalRouted, ApprovalLevelStarted, ApprovalVoted, ApprovalLevelCompleted,
 * ApprovalReminderSent and ApprovalEscalated only in these shapes (validateAppend calls
 * `levelEventIssues`). ApprovalDecided and ApprovalExpired keep their existing shapes
 * (`{ approvalId, executionId, approverIndex, decision }`, `{ approvalId, executionId }`), with
 * `level` added so the record says where the gate ended; the existing approval fold reads them
 * unchanged (it ignores keys it does not know).
 */

/** What a policy level became when the gate was routed: everything a timer or a vote needs, resolved against the environment's group sizes. */
export interface RoutedLevel {
  name: string;
  group: string;
  /** Approvals needed, resolved (`all` became the group's size when routed). */
  quorum: number;
  approverCount: number;
  deadlineHours: number;
  reminderHoursBeforeDeadline?: number;
  /** Fail closed, or ask `escalateTo` (its own size and resolved quorum) for `deadlineHours` more. */
  onDeadline: 'fail' | { escalateTo: string; deadlineHours: number; quorum: number; approverCount: number };
}

/** What one member and several members of a group are called (the policy's approverTitle), for the words of emails and the page. */
export interface GroupTitle {
  one: string;
  other: string;
}

export interface ApprovalRoutedData {
  approvalId: string;
  executionId: string;
  /** The policy rule that chose this route. */
  rule: string;
  levels: RoutedLevel[];
  /** The title of every group the route asks (levels and escalations), from the policy. */
  groupTitles?: Record<string, GroupTitle>;
}

export interface ApprovalLevelStartedData {
  approvalId: string;
  /** Index of the level in the route, from 0. */
  level: number;
  group: string;
  quorum: number;
  approverCount: number;
  deadlineAt: string;
  reminderAt?: string;
  /** Set when this start is the level's escalation: the group that did not decide in time. */
  escalatedFrom?: string;
}

export interface ApprovalVotedData {
  approvalId: string;
  level: number;
  /** The group asked at this level when the vote was cast (the level's, or its escalation's). */
  group: string;
  approverIndex: number;
  decision: 'approve' | 'reject';
}

export interface ApprovalLevelCompletedData {
  approvalId: string;
  level: number;
  decision: 'approve';
}

export interface ApprovalReminderSentData {
  approvalId: string;
  level: number;
  /** Positions in the level's current group that had not voted: those the wiring emails. */
  approverIndexes: number[];
}

export interface ApprovalEscalatedData {
  approvalId: string;
  level: number;
  toGroup: string;
  deadlineAt: string;
}

export interface ApprovalExpiredData {
  approvalId: string;
  executionId: string;
  level: number;
}

/** The existing ApprovalDecided shape, closing the gate; `level` says at which level. */
export interface ApprovalDecidedData {
  approvalId: string;
  executionId: string;
  approverIndex: number;
  decision: 'approve' | 'reject';
  level: number;
}

export interface LevelEventData {
  ApprovalRouted: ApprovalRoutedData;
  ApprovalLevelStarted: ApprovalLevelStartedData;
  ApprovalVoted: ApprovalVotedData;
  ApprovalLevelCompleted: ApprovalLevelCompletedData;
  ApprovalReminderSent: ApprovalReminderSentData;
  ApprovalEscalated: ApprovalEscalatedData;
  ApprovalExpired: ApprovalExpiredData;
  ApprovalDecided: ApprovalDecidedData;
}
export type LevelEventType = keyof LevelEventData;
export const LEVEL_EVENT_TYPES: readonly LevelEventType[] = [
  'ApprovalRouted',
  'ApprovalLevelStarted',
  'ApprovalVoted',
  'ApprovalLevelCompleted',
  'ApprovalReminderSent',
  'ApprovalEscalated',
  'ApprovalExpired',
  'ApprovalDecided',
];

/**
 * An event to append, shaped like NewEvent (type, actor, clear data; no sensitive part: the
 * wiring adds the sealed approver address to votes). Actors: `approver:<group>:<position>` for
 * votes and the decision they close, `policy:<rule>` for routing, `timer` for what a timer does.
 */
export type LevelEvent = { [T in LevelEventType]: { type: T; actor: string; data: LevelEventData[T] } }[LevelEventType];

/** What the gate's waiting task must be told once, when the events that carry it have landed. */
export type LevelDeliver = { kind: 'success' } | { kind: 'failure'; error: 'ApprovalRejected' | 'ApprovalExpired' };

/** JSON data for an append (the shapes are JSON already; this only satisfies NewEvent's index signature). */
export function asEventData(event: LevelEvent): { [key: string]: Json } {
  return event.data as unknown as { [key: string]: Json };
}

const ID = /^[A-Za-z0-9._:-]{1,160}$/;
const NAME = /^[a-z0-9][a-z0-9-]{0,79}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** A gate asks at most 20 approvers per group (policy MAX_QUORUM), 5 levels per route (MAX_LEVELS); positions stay small. */
const MAX_POSITION = 99;
/** The largest group a level can ask: positions 0 to 99. */
export const MAX_GROUP_SIZE = MAX_POSITION + 1;
const MAX_LEVEL = 4;
const MAX_HOURS = 365 * 24;

const KEYS: { [T in LevelEventType]: { required: readonly string[]; optional: readonly string[] } } = {
  ApprovalRouted: { required: ['approvalId', 'executionId', 'rule', 'levels'], optional: ['groupTitles'] },
  ApprovalLevelStarted: { required: ['approvalId', 'level', 'group', 'quorum', 'approverCount', 'deadlineAt'], optional: ['reminderAt', 'escalatedFrom'] },
  ApprovalVoted: { required: ['approvalId', 'level', 'group', 'approverIndex', 'decision'], optional: [] },
  ApprovalLevelCompleted: { required: ['approvalId', 'level', 'decision'], optional: [] },
  ApprovalReminderSent: { required: ['approvalId', 'level', 'approverIndexes'], optional: [] },
  ApprovalEscalated: { required: ['approvalId', 'level', 'toGroup', 'deadlineAt'], optional: [] },
  ApprovalExpired: { required: ['approvalId', 'executionId'], optional: ['level'] },
  ApprovalDecided: { required: ['approvalId', 'executionId', 'approverIndex', 'decision'], optional: ['level'] },
};

/**
 * What is wrong with a level event's clear data, as issues naming paths only (never values):
 * only the keys of its shape, ids and names in their patterns, positions and counts in range.
 * A type that is not a level event has no issues here (other validators own it).
 *
 * @example
 * levelEventIssues('ApprovalVoted', { approvalId: 'e1-1', level: 0, group: 'finance', approverIndex: 2, decision: 'approve' }, 'events[0].data'); // []
 */
export function levelEventIssues(type: string, data: unknown, at: string): ValidationIssue[] {
  if (!Object.hasOwn(KEYS, type)) return [];
  const issues: ValidationIssue[] = [];
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [{ path: at, expected: 'a plain object' }];
  const record = data as Record<string, unknown>;
  const { required, optional } = KEYS[type as LevelEventType];
  const allowed = new Set([...required, ...optional]);
  for (const key of Object.keys(record)) {
    if (!allowed.has(key)) issues.push({ path: `${at}.${key.length > 64 ? `${key.slice(0, 64)}...` : key}`, expected: `no such key in ${type} (only ${[...allowed].join(', ')})` });
  }
  for (const key of required) if (!Object.hasOwn(record, key)) issues.push({ path: `${at}.${key}`, expected: 'present' });
  const check = (key: string, ok: (value: unknown) => boolean, expected: string) => {
    if (Object.hasOwn(record, key) && !ok(record[key])) issues.push({ path: `${at}.${key}`, expected });
  };
  check('approvalId', isId, 'an approval id');
  check('executionId', isId, 'an execution id');
  check('rule', isName, 'a rule name');
  check('group', isName, 'a group name');
  check('toGroup', isName, 'a group name');
  check('escalatedFrom', isName, 'a group name');
  check('level', (value) => isWhole(value, 0, MAX_LEVEL), `a level index 0 to ${MAX_LEVEL}`);
  check('quorum', (value) => isWhole(value, 1, MAX_POSITION + 1), 'a quorum of at least 1');
  check('approverCount', (value) => isWhole(value, 1, MAX_POSITION + 1), 'a group size of at least 1');
  check('approverIndex', (value) => isWhole(value, 0, MAX_POSITION), `a position 0 to ${MAX_POSITION}`);
  check('deadlineAt', isInstant, 'an ISO-8601 instant');
  check('reminderAt', isInstant, 'an ISO-8601 instant');
  check('decision', (value) => (type === 'ApprovalLevelCompleted' ? value === 'approve' : value === 'approve' || value === 'reject'), type === 'ApprovalLevelCompleted' ? 'approve' : 'approve or reject');
  check('approverIndexes', (value) => Array.isArray(value) && value.length <= MAX_POSITION + 1 && value.every((item) => isWhole(item, 0, MAX_POSITION)), `positions 0 to ${MAX_POSITION}`);
  if (typeof record.quorum === 'number' && typeof record.approverCount === 'number' && record.quorum > record.approverCount) {
    issues.push({ path: `${at}.quorum`, expected: 'no larger than approverCount' });
  }
  if (type === 'ApprovalRouted' && Object.hasOwn(record, 'levels')) issues.push(...routedLevelsIssues(record.levels, `${at}.levels`));
  if (type === 'ApprovalRouted' && Object.hasOwn(record, 'groupTitles')) issues.push(...groupTitlesIssues(record.groupTitles, `${at}.groupTitles`));
  return issues;
}

/** Titles are the policy's words (1 to 200 characters, no control characters), keyed by group names; at most one per group a route can ask. */
function groupTitlesIssues(titles: unknown, at: string): ValidationIssue[] {
  if (typeof titles !== 'object' || titles === null || Array.isArray(titles)) return [{ path: at, expected: 'an object of group titles' }];
  const entries = Object.entries(titles as Record<string, unknown>);
  if (entries.length > 2 * (MAX_LEVEL + 1)) return [{ path: at, expected: `at most ${2 * (MAX_LEVEL + 1)} groups` }];
  const issues: ValidationIssue[] = [];
  for (const [group, title] of entries) {
    const path = `${at}.${group.length > 64 ? `${group.slice(0, 64)}...` : group}`;
    const t = typeof title === 'object' && title !== null && !Array.isArray(title) ? (title as Record<string, unknown>) : undefined;
    const ok = isName(group) && t !== undefined && Object.keys(t).length === 2 && isTitle(t.one) && isTitle(t.other);
    if (!ok) issues.push({ path, expected: 'a group name with { one, other }: 1 to 200 characters each, no control characters' });
  }
  return issues;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function isTitle(value: unknown): boolean {
  return typeof value === 'string' && value.trim().length > 0 && value.length <= 200 && !CONTROL.test(value);
}

function routedLevelsIssues(levels: unknown, at: string): ValidationIssue[] {
  if (!Array.isArray(levels) || levels.length === 0 || levels.length > MAX_LEVEL + 1) return [{ path: at, expected: `1 to ${MAX_LEVEL + 1} levels` }];
  const issues: ValidationIssue[] = [];
  levels.forEach((level: unknown, i) => {
    const path = `${at}[${i}]`;
    if (typeof level !== 'object' || level === null || Array.isArray(level)) {
      issues.push({ path, expected: 'a routed level' });
      return;
    }
    const l = level as Record<string, unknown>;
    const keys = new Set(['name', 'group', 'quorum', 'approverCount', 'deadlineHours', 'reminderHoursBeforeDeadline', 'onDeadline']);
    if (Object.keys(l).some((key) => !keys.has(key))) issues.push({ path, expected: `only ${[...keys].join(', ')}` });
    if (!isName(l.name)) issues.push({ path: `${path}.name`, expected: 'a level name' });
    if (!isName(l.group)) issues.push({ path: `${path}.group`, expected: 'a group name' });
    if (!isSizedQuorum(l.quorum, l.approverCount)) issues.push({ path: `${path}.quorum`, expected: 'from 1 to approverCount' });
    if (!isWhole(l.deadlineHours, 1, MAX_HOURS)) issues.push({ path: `${path}.deadlineHours`, expected: `1 to ${MAX_HOURS} hours` });
    if (l.reminderHoursBeforeDeadline !== undefined && !isWhole(l.reminderHoursBeforeDeadline, 1, MAX_HOURS)) {
      issues.push({ path: `${path}.reminderHoursBeforeDeadline`, expected: `1 to ${MAX_HOURS} hours` });
    }
    const onDeadline = l.onDeadline;
    if (onDeadline === 'fail') return;
    const e = typeof onDeadline === 'object' && onDeadline !== null && !Array.isArray(onDeadline) ? (onDeadline as Record<string, unknown>) : undefined;
    const escalationKeys = new Set(['escalateTo', 'deadlineHours', 'quorum', 'approverCount']);
    if (e === undefined || Object.keys(e).some((key) => !escalationKeys.has(key)) || !isName(e.escalateTo) || !isWhole(e.deadlineHours, 1, MAX_HOURS) || !isSizedQuorum(e.quorum, e.approverCount)) {
      issues.push({ path: `${path}.onDeadline`, expected: '"fail", or { escalateTo, deadlineHours, quorum, approverCount }' });
    }
  });
  return issues;
}

function isSizedQuorum(quorum: unknown, count: unknown): boolean {
  return isWhole(count, 1, MAX_POSITION + 1) && isWhole(quorum, 1, count as number);
}

function isId(value: unknown): boolean {
  return typeof value === 'string' && ID.test(value);
}

function isName(value: unknown): boolean {
  return typeof value === 'string' && NAME.test(value);
}

function isInstant(value: unknown): boolean {
  return typeof value === 'string' && INSTANT.test(value) && !Number.isNaN(Date.parse(value));
}

function isWhole(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}
