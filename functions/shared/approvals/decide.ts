import { ApprovalExpired, ValidationFailed, type WardflowError } from '../errors.js';
import type { NewEvent } from '../events/event.js';
import type { RefusalReason } from '../events/attempt-refused-data.js';
import type { ApprovalState } from '../events/fold.js';
import type { DecisionToDeliver } from './deliver-decision.js';
import { closedApproval, foreignApproval, humanDecision } from './guard.js';

/**
 * Who decides, as the caller names them: by position in the request's approvers (the approval
 * page, from the signed link's claim), or by address (record-decision, an operator typing it).
 */
export type NamedApprover = { index: number } | { address: string };

/** An approver's decision as record-decision or the approval page receives it. */
export interface DecideCommand {
  approvalId: string;
  /** The execution the caller names; it must own the approval. */
  executionId: string;
  approver: NamedApprover;
  decision: 'approve' | 'reject';
  /** Free text, possibly personal data: sealed, never in clear. */
  comment?: string;
}

/**
 * What to do: append `events` (none when the same decision is already on record) and then
 * deliver `deliver` to the gate; or refuse with a named error, nothing appended or sent. A
 * refusal of an attempt on this approval also says why in the words of ApprovalAttemptRefused
 * (`refusal`, with the approver's position when the approval lists them); a command naming another
 * execution's approval, or none, has no `refusal`: there is no approval of its own to record it on.
 */
export type Decided =
  | { ok: true; events: NewEvent[]; deliver: DecisionToDeliver }
  | { ok: false; error: WardflowError; refusal?: { reason: RefusalReason; approverIndex?: number } };

/** Where a refused decision's ValidationFailed says the bad value came from. */
export const DECISION_SOURCE = 'record-decision input';

/**
 * The business rule of a decision, pure: the approval must belong to the command's
 * execution, the approver must be one it lists (an address matches case-insensitively; a
 * position must be one of the list's), it must be open and not past its expiry. The same
 * approver repeating the same decision after it is on record (a retry after a failed
 * delivery) appends nothing but is delivered again, so the execution always hears it; any
 * other decision once closed is ApprovalClosed.
 *
 * `approvers` are the request's approvers as its sealed part holds them (approversOnRecord;
 * [] when there is no request): the caller opens them, decide only reads them. In the event,
 * the approver is a position in clear (`approverIndex`, actor `approver:<index>`) and the
 * address as listed is sealed with the comment, so the audit answers "who" for whoever holds
 * the key and nobody else.
 *
 * @example
 * const decided = decide({ approvalId: 'e1-1', executionId: 'e1', approver: { address: 'a@example.com' }, decision: 'approve' },
 *   approvalState(events), ['a@example.com'], new Date());
 * if (!decided.ok) throw decided.error;
 * await store.append(stream, state.version, decided.events);
 */
export function decide(command: DecideCommand, state: ApprovalState, approvers: readonly string[], now: Date): Decided {
  const foreign = foreignApproval(state, command.executionId, DECISION_SOURCE);
  if (foreign) return { ok: false, error: foreign };

  const listed = findApprover(approvers, command.approver);
  const previous = humanDecision(state);
  if (previous && listed && previous.approverIndex === listed.index && previous.decision === command.decision) {
    return { ok: true, events: [], deliver: { approvalId: command.approvalId, ...previous } };
  }
  const position = listed !== undefined && listed.index < state.approverCount ? { approverIndex: listed.index } : {};
  const closed = closedApproval(state, command.approvalId);
  // Another decision by the approver who decided is already-decided too: a closed approval takes no second decision from anyone.
  if (closed) return { ok: false, error: closed, refusal: { reason: 'already-decided', ...position } };
  if (state.expiresAt !== undefined && now.getTime() >= Date.parse(state.expiresAt)) {
    return { ok: false, error: new ApprovalExpired(command.approvalId), refusal: { reason: 'expired', ...position } };
  }
  if (listed === undefined || listed.index >= state.approverCount) {
    // The address or position is not recorded: it is no approver's, and an address is personal data.
    return {
      ok: false,
      error: new ValidationFailed(DECISION_SOURCE, [{ path: 'input.approver', expected: 'one of the approvers of this approval' }]),
      refusal: { reason: 'wrong-approver' },
    };
  }
  const { approvalId, executionId, decision, comment } = command;
  const approverIndex = listed.index;
  return {
    ok: true,
    events: [
      {
        type: 'ApprovalDecided',
        actor: `approver:${approverIndex}`,
        data: { approvalId, executionId, approverIndex, decision },
        sensitive: { approver: listed.address, ...(comment !== undefined ? { comment } : {}) },
      },
    ],
    deliver: { approvalId, approverIndex, decision },
  };
}

/** The listed approver the caller names, with the address as listed, or undefined when the list has no such approver. */
function findApprover(approvers: readonly string[], named: NamedApprover): { index: number; address: string } | undefined {
  if ('index' in named) {
    const address = Number.isSafeInteger(named.index) && named.index >= 0 ? approvers[named.index] : undefined;
    return address === undefined ? undefined : { index: named.index, address };
  }
  const wanted = named.address.toLowerCase();
  const index = approvers.findIndex((listed) => listed.toLowerCase() === wanted);
  return index === -1 ? undefined : { index, address: approvers[index]! };
}
