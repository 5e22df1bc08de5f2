import { approvalStream, type StoredEvent } from '../events/event.js';
import { approvalState } from '../events/fold.js';

/** An approval still waiting for a decision, with its stream as read. */
export interface OpenApproval {
  readonly approvalId: string;
  readonly events: StoredEvent[];
}

/**
 * The approval an execution's stream last asked for, when the approval's own stream folds to
 * `pending` and belongs to that execution. The approval stream decides, not the execution's: an
 * ending recorded on the execution stream after the fact (record-execution-end) does not close the
 * approval, and a stream can only name, not prove, whose approval it is. One rule for
 * `wardflow approvals` (lib/cli/pending-approvals.ts) and the approvals-waiting metric.
 *
 * @example
 * const open = await openApprovalOf(executionEvents, 'invoice-approval:e1', (stream) => store.read(stream));
 */
export async function openApprovalOf(
  executionEvents: readonly StoredEvent[],
  executionId: string,
  read: (stream: string) => Promise<StoredEvent[]>,
): Promise<OpenApproval | undefined> {
  const approvalId = executionEvents.findLast((e) => e.type === 'ApprovalRequested' && typeof e.data.approvalId === 'string')?.data.approvalId;
  if (typeof approvalId !== 'string') return undefined;
  const events = await read(approvalStream(approvalId));
  const state = approvalState(events);
  if (state.status !== 'pending' || state.executionId !== executionId) return undefined;
  return { approvalId, events };
}
