import type { ValidationIssue } from '../errors.js';

/**
 * The ApprovalAttemptRefused event's clear data, checked by the store (validateAppend) like
 * GuardTriggered's: only these keys, the reason from the closed list, the approver only as a
 * position, so no address, token, link or signature can ride along by mistake.
 *
 * Lives with the events (not with the approvals) because the store checks it and the store must
 * not import the approval code.
 */

/**
 * Why an attempt to decide was refused, the closed list:
 * - `forged-link`: the link's signature does not verify (any claim or the MAC changed, or another key signed it);
 * - `expired-link`: a genuine link whose own expiry passed;
 * - `wrong-approver`: the position (a link) or address (record-decision) is not one of the approval's approvers;
 * - `already-decided`: the approval is closed (approved, rejected, expired), or an approver who decided asks for another decision;
 * - `duplicate-approver`: an approver whose decision is on record decides again while the approval stays open
 *   (levels with quorums: an approval that waits for more approvers). The same decision again is a re-delivery, never a refusal;
 * - `expired`: the approval's own deadline passed (no ApprovalExpired on record yet);
 * - `execution-not-running`: the execution ended, nothing could act on a decision.
 */
export const REFUSAL_REASONS = ['forged-link', 'expired-link', 'wrong-approver', 'already-decided', 'duplicate-approver', 'expired', 'execution-not-running'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/** ApprovalAttemptRefused's data. */
export interface AttemptRefusedData {
  approvalId: string;
  executionId: string;
  reason: RefusalReason;
  /** The approver's position, only when a verified claim (a genuine link) or a listed address names it. */
  approverIndex?: number;
  /** What Step Functions said about the execution (FAILED, ABORTED, ..., NOT_FOUND), for `execution-not-running`. */
  executionStatus?: string;
  /** The rate limit's window this refusal stands for (ISO-8601, its start); absent on events written before refusals were limited by window. */
  window?: string;
}

const REASONS: ReadonlySet<string> = new Set(REFUSAL_REASONS);
const KEYS: ReadonlySet<string> = new Set(['approvalId', 'executionId', 'reason', 'approverIndex', 'executionStatus', 'window']);
/** Ids as ApprovalIdSchema and execution ids spell them; statuses as Step Functions does; an ISO instant. */
const ID = /^[A-Za-z0-9._:-]{1,160}$/;
const STATUS = /^[A-Z_]{1,32}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Whether a string is one of the refusal reasons.
 *
 * @example
 * isRefusalReason('forged-link'); // true
 */
export function isRefusalReason(value: unknown): value is RefusalReason {
  return typeof value === 'string' && REASONS.has(value);
}

/**
 * What is wrong with an ApprovalAttemptRefused's data, as issues naming paths only (never values).
 *
 * @example
 * attemptRefusedIssues({ approvalId: 'e1-1', executionId: 'e1', reason: 'forged-link' }, 'events[0].data'); // []
 */
export function attemptRefusedIssues(data: Record<string, unknown>, at: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(data)) if (!KEYS.has(key)) issues.push({ path: `${at}.${key}`, expected: `no such key in ApprovalAttemptRefused (only ${[...KEYS].join(', ')})` });
  if (typeof data.approvalId !== 'string' || !ID.test(data.approvalId)) issues.push({ path: `${at}.approvalId`, expected: 'an approval id' });
  if (typeof data.executionId !== 'string' || !ID.test(data.executionId)) issues.push({ path: `${at}.executionId`, expected: 'an execution id' });
  if (!isRefusalReason(data.reason)) issues.push({ path: `${at}.reason`, expected: `one of ${REFUSAL_REASONS.join(', ')}` });
  if (data.approverIndex !== undefined && !(Number.isSafeInteger(data.approverIndex) && (data.approverIndex as number) >= 0 && (data.approverIndex as number) <= 99)) {
    issues.push({ path: `${at}.approverIndex`, expected: 'a position 0 to 99' });
  }
  if (data.executionStatus !== undefined && (typeof data.executionStatus !== 'string' || !STATUS.test(data.executionStatus))) {
    issues.push({ path: `${at}.executionStatus`, expected: 'a Step Functions status word' });
  }
  if (data.window !== undefined && (typeof data.window !== 'string' || !INSTANT.test(data.window))) issues.push({ path: `${at}.window`, expected: 'an ISO-8601 instant' });
  return issues;
}
