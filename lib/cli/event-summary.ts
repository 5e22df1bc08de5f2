import { approvalStream, type Json, type StoredEvent } from '../../functions/shared/events/event.js';
import { maskEmails } from '../shared/mask.js';

/**
 * Which fields of each event type's clear data a one-line summary shows, in order (dotted
 * paths reach into objects). The sealed part is never among them: it is never opened.
 */
const SUMMARY_FIELDS: Partial<Record<string, readonly string[]>> = {
  ExecutionStarted: ['workflow', 'source', 'startedBy', 'startedThrough'],
  StepSucceeded: ['step', 'durationMs'],
  StepFailed: ['step', 'error'],
  ValidationFailed: ['step', 'source', 'issues'],
  SecretRead: ['name', 'versionId'],
  ModelInvoked: ['modelId', 'provider', 'inputTokens', 'outputTokens', 'costUsd'],
  GuardTriggered: ['step', 'guard', 'verdict', 'fields'],
  // The approval id last: it is long (execution name + gate), and left out in the approval's own stream.
  // A gate's subject title (older requests recorded an invoice summary instead: shown as they were).
  ApprovalRequested: ['workflow', 'subject.title', 'summary.vendor', 'summary.amount', 'summary.currency', 'expiresAt', 'approverCount', 'approvalId'],
  ApprovalTokenReplaced: ['expiresAt'],
  ApprovalAutoDecided: ['decision', 'reason'],
  ApprovalDecided: ['decision', 'approverIndex'],
  ApprovalExpired: ['approvalId'],
  // Why it was refused and whose link it was, when known; the window is in `--json`.
  ApprovalAttemptRefused: ['reason', 'approverIndex', 'executionStatus'],
  PaymentRecorded: ['paymentId', 'amount', 'currency', 'mode'],
  ExecutionSucceeded: [],
  ExecutionFailed: ['error'],
};

/**
 * Fields a summary shows under a name or in a form of its own. Approvers are never named in
 * clear (their addresses are sealed): a request says how many, a decision which one, numbered
 * from 1 for people (`approverIndex` 0 is `approver=#1`).
 */
const PRESENTED: Readonly<Record<string, { label: string; format?: (value: Json) => string }>> = {
  approverCount: { label: 'approvers' },
  approverIndex: { label: 'approver', format: approverNumber },
};

export const SUMMARY_MAX_LENGTH = 120;

/**
 * A short line about an event's clear data: `field=value` pairs, any address in a value masked,
 * cut at {@link SUMMARY_MAX_LENGTH} characters. Types without an entry show their top-level plain
 * values. An `approvalId` that names the event's own stream is left out: the stream heading says it.
 *
 * @example
 * summarizeEvent(stepSucceeded); // 'step=extract-invoice durationMs=412'
 * summarizeEvent(approvalDecided); // 'decision=approve approver=#1'
 */
export function summarizeEvent(event: Pick<StoredEvent, 'type' | 'data'> & { stream?: string }): string {
  const fields = SUMMARY_FIELDS[event.type] ?? Object.keys(event.data).filter((key) => isPlain(event.data[key]));
  const parts: string[] = [];
  for (const field of fields) {
    const value = valueAt(event.data, field);
    if (value === undefined || value === null) continue;
    if (field === 'approvalId' && event.stream === approvalStream(String(value))) continue;
    const name = field.split('.').at(-1)!;
    const presented = PRESENTED[name];
    parts.push(`${presented?.label ?? name}=${maskEmails((presented?.format ?? render)(value))}`);
  }
  return cut(parts.join(' '));
}

/**
 * An event's actor as people read it: an approver by number from 1 (`approver:0` is
 * `approver #1`), any address masked, everything else as recorded.
 *
 * @example
 * displayActor('approver:0');       // 'approver #1'
 * displayActor('step:record-start'); // 'step:record-start'
 */
export function displayActor(actor: string): string {
  const approver = /^approver:(\d{1,6})$/.exec(actor);
  return approver ? `approver #${Number(approver[1]) + 1}` : maskEmails(actor);
}

function approverNumber(value: Json): string {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? `#${value + 1}` : render(value);
}

function valueAt(data: { [key: string]: Json }, path: string): Json | undefined {
  let value: Json | undefined = data;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = value[key];
  }
  return value;
}

function render(value: Json): string {
  if (Array.isArray(value)) return value.map(render).join(',');
  if (value !== null && typeof value === 'object') {
    // Validation issues and similar: the path says where, which is what a summary needs.
    if (typeof value.path === 'string') return value.path;
    return Object.entries(value)
      .filter(([, item]) => isPlain(item))
      .map(([key, item]) => `${key}:${render(item)}`)
      .join(',');
  }
  return String(value);
}

function isPlain(value: Json | undefined): boolean {
  return value !== undefined && (value === null || typeof value !== 'object');
}

function cut(text: string): string {
  const chars = Array.from(text);
  return chars.length <= SUMMARY_MAX_LENGTH ? text : `${chars.slice(0, SUMMARY_MAX_LENGTH - 1).join('')}…`;
}
