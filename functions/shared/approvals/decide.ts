import { ApprovalExpired, ValidationFailed, type WardflowError } from '../errors.js';
import type { NewEvent } from '../events/event.js';
import type { ApprovalState } from '../events/fold.js';
import type { DecisionToDeliver } from './deliver-decision.js';
import { closedApproval, foreignApproval, humanDecision } from './guard.js';

/** An approver's decision as record-decision receives it. */
export interface DecideCommand {
  approvalId: string;
  /** The execution the caller names; it must own the approval. */
  executionId: string;
  approver: string;
  decision: 'approve' | 'reject';
  /** Free text, possibly personal data: sealed, never in clear. */
  comment?: string;
}

/**
 * What to do: append `events` (none when the same decision is already on record) and then
 * deliver `deliver` to the gate; or refuse with a named error, nothing appended or sent.
 */
export type Decided = { ok: true; events: NewEvent[]; deliver: DecisionToDeliver } | { ok: false; error: WardflowError };

const SOURCE = 'record-decision input';

/**
 * The business rule of a decision, pure: the approval must belong to the command's
 * execution, the approver must be one it lists (case-insensitive; the listed spelling is
 * recorded), it must be open and not past its expiry. The same approver repeating the same
 * decision after it is on record (a retry after a failed delivery) appends nothing but is
 * delivered again, so the execution always hears it; any other decision once closed is
 * ApprovalClosed.
 *
 * @example
 * const decided = decide({ approvalId: 'e1-1', executionId: 'e1', approver: 'a@example.com', decision: 'approve' }, approvalState(events), new Date());
 * if (!decided.ok) throw decided.error;
 * await store.append(stream, state.version, decided.events);
 */
export function decide(command: DecideCommand, state: ApprovalState, now: Date): Decided {
  const foreign = foreignApproval(state, command.executionId, SOURCE);
  if (foreign) return { ok: false, error: foreign };

  const previous = humanDecision(state);
  if (previous && sameApprover(previous.approver, command.approver) && previous.decision === command.decision) {
    return { ok: true, events: [], deliver: { approvalId: command.approvalId, ...previous } };
  }
  const closed = closedApproval(state, command.approvalId);
  if (closed) return { ok: false, error: closed };
  if (state.expiresAt !== undefined && now.getTime() >= Date.parse(state.expiresAt)) {
    return { ok: false, error: new ApprovalExpired(command.approvalId) };
  }
  const approver = state.approvers.find((listed) => sameApprover(listed, command.approver));
  if (approver === undefined) {
    return { ok: false, error: new ValidationFailed(SOURCE, [{ path: 'input.approver', expected: 'one of the approvers of this approval' }]) };
  }
  const { approvalId, executionId, decision, comment } = command;
  return {
    ok: true,
    events: [
      {
        type: 'ApprovalDecided',
        actor: `user:${approver}`,
        data: { approvalId, executionId, approver, decision },
        ...(comment !== undefined ? { sensitive: { comment } } : {}),
      },
    ],
    deliver: { approvalId, approver, decision },
  };
}

function sameApprover(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
