import type { Sealer } from '../crypto/sealer.js';
import { TamperDetected } from '../errors.js';
import type { StoredEvent } from '../events/event.js';
import { openSealed } from '../events/open-sealed.js';

/**
 * The approvers of an approval, as its ApprovalRequested recorded them: addresses are personal
 * data, so they sit in the request's sealed part (next to the task token), and the clear part
 * says only how many (`approverCount`). Everything else names an approver by position in this
 * list: the signed link (claim `i`), ApprovalDecided's `approverIndex`, its actor `approver:<i>`.
 *
 * Opens the first ApprovalRequested (the one the fold reads) with `sealer`, bound to its stream
 * and version. An approval without a request (auto-decided) has none: `[]`. Read the events with
 * readVerified first: the chain proves the sealed part is the one written with the request.
 * Throws TamperDetected when the sealed part holds no list of addresses of the recorded count
 * (never quoting what it holds).
 *
 * @example
 * const events = await readVerified(store, approvalStream('exec-42-1'));
 * const approvers = await approversOnRecord(events, sealer); // ['approver@example.com']
 */
export async function approversOnRecord(events: readonly StoredEvent[], sealer: Sealer): Promise<string[]> {
  const requested = events.find((event) => event.type === 'ApprovalRequested');
  if (requested === undefined) return [];
  const { approvers } = await openSealed(requested, sealer);
  const listed = Array.isArray(approvers) && approvers.every((a) => typeof a === 'string' && a !== '') ? (approvers as string[]) : undefined;
  if (listed === undefined || listed.length !== requested.data.approverCount) {
    throw new TamperDetected(requested.stream, requested.version, 'the sealed approvers do not match the approverCount of the request');
  }
  return listed;
}
