import { openApprovalOf } from '../shared/approvals/open-approval.js';
import { executionStream, type StoredEvent } from '../shared/events/event.js';
import { approvalState } from '../shared/events/fold.js';

/**
 * How far an open approval is into its time, in percent: 0 at its request, 100 at its expiry.
 * The reminder time is half the gate's timeout, so above 50 it waits past its reminder time.
 * The expiry is the newest one on record (a retried gate restarts it), the request the first.
 *
 * @example
 * waitPercent('2026-12-01T00:00:00Z', '2026-12-04T00:00:00Z', new Date('2026-12-02T12:00:00Z')); // 50
 */
export function waitPercent(requestedAt: string, expiresAt: string, now: Date): number {
  const start = Date.parse(requestedAt);
  const span = Date.parse(expiresAt) - start;
  if (!Number.isFinite(start) || !Number.isFinite(span) || span <= 0) return 0;
  return Math.max(0, Math.min(100, ((now.getTime() - start) / span) * 100));
}

/**
 * The wait percent of an execution's open approval, or undefined when it waits on none: the
 * approval its stream last asked for, when that approval's own stream folds to pending and is
 * this execution's (as `wardflow approvals` finds them, lib/cli/pending-approvals.ts).
 */
export async function executionWaitPercent(
  read: (stream: string) => Promise<StoredEvent[]>,
  executionId: string,
  now: Date,
): Promise<number | undefined> {
  const open = await openApprovalOf(await read(executionStream(executionId)), executionId, read);
  if (open === undefined) return undefined;
  const state = approvalState(open.events);
  if (state.requestedAt === undefined || state.expiresAt === undefined) return undefined;
  return waitPercent(state.requestedAt, state.expiresAt, now);
}
