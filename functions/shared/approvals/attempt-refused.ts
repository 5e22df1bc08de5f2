import { ConcurrencyConflict } from '../errors.js';
import type { AttemptRefusedData, RefusalReason } from '../events/attempt-refused-data.js';
import { approvalStream, type StoredEvent } from '../events/event.js';
import { approvalState } from '../events/fold.js';
import { readVerified } from '../events/read-verified.js';
import type { EventStore } from '../events/store.js';
import { emitMetrics } from '../metrics/emit.js';
import { DIMENSION, METRIC } from '../metrics/metric-names.js';
import { MAX_REFUSALS_PER_APPROVAL, REFUSAL_APPEND_ATTEMPTS, refusalWindow } from './refusal-limits.js';

export type { RefusalReason } from '../events/attempt-refused-data.js';

/** A refused attempt to decide, as ApprovalAttemptRefused records it in clear: no address, no token, no link, no comment. */
export interface AttemptRefusal {
  approvalId: string;
  executionId: string;
  reason: RefusalReason;
  /** The approver's position, only when a verified claim or a listed address names it; never for a forged link. */
  approverIndex?: number;
  /** What Step Functions said about the execution (FAILED, ABORTED, ..., NOT_FOUND), for execution-not-running. */
  executionStatus?: string;
}

/**
 * What became of a refusal: `recorded` (this call appended it), `limited` (the rate limit: one
 * like it is on record for this window, or the approval has its cap), `contended` (other writers
 * kept moving the stream; counted, not recorded) or `no-approval` (no approval to record it on).
 */
export type RefusalRecord = 'recorded' | 'limited' | 'contended' | 'no-approval';

/**
 * Records that an attempt to decide an approval was refused (ApprovalAttemptRefused on the
 * approval stream, actor `step:<step>`), within the limits of refusal-limits.ts: at most one per
 * (reason, approver position) per window, and at most MAX_REFUSALS_PER_APPROVAL in all. Every
 * refusal, recorded or not, is counted in the ApprovalAttemptsRefused metric by reason (no
 * personal data in a dimension). `verified` is the stream as the caller read it with readVerified.
 *
 * Only a stream that holds an approval request is written to, and always at the version read
 * (never 0): a refusal never creates a stream, so a forged link naming an invented approval id
 * adds nothing anywhere.
 *
 * Appends at the version read, so of concurrent refusals one lands per round; the others read
 * again and find it (the same window: `limited`) or append after it.
 *
 * @example
 * const record = await recordAttemptRefused(store, events,
 *   { approvalId: 'exec-42-1', executionId: 'exec-42', reason: 'execution-not-running', executionStatus: 'ABORTED' }, 'approval-page', new Date());
 */
export async function recordAttemptRefused(
  store: EventStore,
  verified: readonly StoredEvent[],
  refusal: AttemptRefusal,
  step: string,
  now: Date,
): Promise<RefusalRecord> {
  countRefusal(refusal.reason);
  const stream = approvalStream(refusal.approvalId);
  const window = refusalWindow(now);
  let events = verified;
  for (let attempt = 1; ; attempt++) {
    const state = approvalState(events);
    if (state.status === 'none' || state.version === 0) return 'no-approval';
    if (refusalLimited(events, refusal, window)) return 'limited';
    const data: AttemptRefusedData = {
      approvalId: refusal.approvalId,
      executionId: refusal.executionId,
      reason: refusal.reason,
      ...(refusal.approverIndex !== undefined ? { approverIndex: refusal.approverIndex } : {}),
      ...(refusal.executionStatus !== undefined ? { executionStatus: refusal.executionStatus } : {}),
      window,
    };
    try {
      await store.append(stream, state.version, [{ type: 'ApprovalAttemptRefused', actor: `step:${step}`, data: { ...data } }]);
      return 'recorded';
    } catch (error) {
      if (!(error instanceof ConcurrencyConflict)) throw error;
      // A refused click is answered the same whether or not it made the record: never an error page for it.
      if (attempt >= REFUSAL_APPEND_ATTEMPTS) return 'contended';
      events = await readVerified(store, stream);
    }
  }
}

/**
 * Counts a refusal that cannot be put on any approval's record (a link that does not even parse,
 * a forged claim naming no approval): the metric only.
 *
 * @example
 * countRefusal('forged-link');
 */
export function countRefusal(reason: RefusalReason): void {
  emitMetrics({ [DIMENSION.reason]: reason }, [{ name: METRIC.approvalAttemptsRefused, unit: 'Count', value: 1 }]);
}

/**
 * Whether the rate limit keeps this refusal off the record: the approval has its cap of refusal
 * events, or one with the same reason and position is on record for this window. Events written
 * before windows existed (no `window`) count towards the cap and stand for their reason and
 * position in every window, as they did when a reason was recorded once per approval.
 *
 * @example
 * refusalLimited(events, { approvalId: 'e1-1', executionId: 'e1', reason: 'forged-link' }, '2026-12-01T09:00:00.000Z');
 */
export function refusalLimited(events: readonly StoredEvent[], refusal: Pick<AttemptRefusal, 'reason' | 'approverIndex'>, window: string): boolean {
  const refusals = events.filter((event) => event.type === 'ApprovalAttemptRefused');
  if (refusals.length >= MAX_REFUSALS_PER_APPROVAL) return true;
  return refusals.some(
    (event) =>
      event.data.reason === refusal.reason &&
      (event.data.approverIndex ?? undefined) === refusal.approverIndex &&
      (event.data.window === undefined || event.data.window === window),
  );
}
