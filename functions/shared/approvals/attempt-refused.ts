import { ConcurrencyConflict } from '../errors.js';
import { approvalStream, type StoredEvent } from '../events/event.js';
import { readVerified } from '../events/read-verified.js';
import type { EventStore } from '../events/store.js';

/** Why a decision was refused without deciding anything. Only one so far. */
export type RefusalReason = 'execution-not-running';

/** A refused attempt to decide, as ApprovalAttemptRefused records it in clear: no address, no token, no comment. */
export interface AttemptRefusal {
  approvalId: string;
  executionId: string;
  reason: RefusalReason;
  /** What Step Functions said about the execution (FAILED, ABORTED, ..., NOT_FOUND). */
  executionStatus: string;
}

/** Rounds of read-and-append before a ConcurrencyConflict is given up on; concurrent refusals settle in two. */
const REFUSAL_ATTEMPTS = 3;

/**
 * Records that an attempt to decide an approval was refused (ApprovalAttemptRefused on the
 * approval stream, actor `step:<step>`), at most once per approval and reason: a flood of
 * clicks on a dead execution's link must not grow the stream without bound, and the first
 * refusal already answers the auditor's question (someone tried after the execution ended;
 * nothing was decided). `verified` is the stream as the caller read it with readVerified.
 *
 * Appends at the version read, so of concurrent refusals exactly one lands; the others read
 * again, find it, and append nothing. Returns whether this call appended.
 *
 * @example
 * const appended = await recordAttemptRefused(store, events,
 *   { approvalId: 'exec-42-1', executionId: 'exec-42', reason: 'execution-not-running', executionStatus: 'ABORTED' }, 'approval-page');
 */
export async function recordAttemptRefused(store: EventStore, verified: readonly StoredEvent[], refusal: AttemptRefusal, step: string): Promise<boolean> {
  const stream = approvalStream(refusal.approvalId);
  let events = verified;
  for (let attempt = 1; ; attempt++) {
    if (alreadyRefused(events, refusal.reason)) return false;
    const { approvalId, executionId, reason, executionStatus } = refusal;
    try {
      await store.append(stream, events.at(-1)?.version ?? 0, [
        { type: 'ApprovalAttemptRefused', actor: `step:${step}`, data: { approvalId, executionId, reason, executionStatus } },
      ]);
      return true;
    } catch (error) {
      if (!(error instanceof ConcurrencyConflict) || attempt >= REFUSAL_ATTEMPTS) throw error;
      events = await readVerified(store, stream);
    }
  }
}

/**
 * Whether the stream already records a refusal for this reason.
 *
 * @example
 * alreadyRefused(events, 'execution-not-running'); // true after the first refused click
 */
export function alreadyRefused(events: readonly StoredEvent[], reason: RefusalReason): boolean {
  return events.some((event) => event.type === 'ApprovalAttemptRefused' && event.data.reason === reason);
}
