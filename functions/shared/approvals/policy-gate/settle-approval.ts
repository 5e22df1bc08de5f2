import { approvalStream, type StoredEvent } from '../../events/event.js';
import { readVerified } from '../../events/read-verified.js';
import { approversOnRecord } from '../approvers-on-record.js';
import type { Delivery } from '../deliver-decision.js';
import { settleLevel } from '../levels/settle.js';
import { levelState } from '../levels/state.js';
import { appendEach } from './append-each.js';
import { deliverEnded, type OutcomeDependencies } from './level-outcome.js';
import { addressOf, rosterOfState, toNewEvent } from './level-stream.js';
import type { EventStore } from '../../events/store.js';

/** What settling did: the stream after, and what this call itself appended and delivered. */
export interface Settled {
  events: StoredEvent[];
  /** Set when this call appended the ApprovalDecided that ends the gate, and told the gate. */
  delivery?: Delivery;
  /** This call opened the next level (its group is still to be emailed). */
  openedLevel: boolean;
}

/** Rounds of settling again after other writers moved the stream; each round at least one of them lands. */
const SETTLE_ATTEMPTS = 25;

/**
 * Appends what the votes on record already decide (levels/settle.ts), one event at a time, until
 * nothing is pending. The ApprovalDecided that ends the gate seals the deciding approver's address,
 * as a single-list decision does; whoever appends it delivers it to the gate, so the gate hears the
 * outcome exactly once from the record (a repeat click or a retried gate delivers it again).
 */
export async function settleApproval(events: StoredEvent[], deps: OutcomeDependencies & { store: EventStore }): Promise<Settled> {
  let current = events;
  let openedLevel = false;
  let delivery: Delivery | undefined;
  for (let attempt = 1; attempt <= SETTLE_ATTEMPTS; attempt++) {
    const state = levelState(current);
    const due = settleLevel(state, deps.now());
    if (due.events.length === 0) return { events: current, ...(delivery !== undefined ? { delivery } : {}), openedLevel };
    const approvers = due.deliver !== undefined ? await approversOnRecord(current, deps.sealer) : [];
    const roster = rosterOfState(state);
    const newEvents = due.events.map((event) => {
      if (event.type !== 'ApprovalDecided' || state.group === undefined) return toNewEvent(event);
      const address = addressOf(approvers, roster, state.group, event.data.approverIndex);
      return toNewEvent(event, address !== undefined ? { approver: address } : undefined);
    });
    const { appended, complete } = await appendEach(deps.store, approvalStream(state.approvalId!), state.version, newEvents);
    current = complete ? [...current, ...appended] : await readVerified(deps.store, approvalStream(state.approvalId!));
    if (appended.some((event) => event.type === 'ApprovalLevelStarted')) openedLevel = true;
    if (appended.some((event) => event.type === 'ApprovalDecided')) delivery = await deliverEnded(state.approvalId!, current, deps);
  }
  return { events: current, ...(delivery !== undefined ? { delivery } : {}), openedLevel };
}
