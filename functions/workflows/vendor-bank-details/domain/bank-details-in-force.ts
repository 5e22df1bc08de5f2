import { type EventStore, isIsoCalendarDate, openSealed, readVerified, type StoredEvent } from '#wardflow/step';
import { checkIban } from './iban.js';
import { normalizeVendorName, vendorStreamOf } from './vendor-id.js';

/**
 * The vendor register: what this workflow's approved changes (VendorBankDetailsChanged on
 * `vendor#<vendorIdOf(name)>`) say a vendor is paid to today. Other workflows read it here, by
 * the same rules this workflow writes it with, instead of keeping a list of their own: the
 * invoice workflow auto-approves only an invoice whose bank account is the one in force.
 */

/** The sealer a step's dependencies carry, as openSealed takes it. */
type EventSealer = Parameters<typeof openSealed>[1];

/** What the register says about one vendor on one day. */
export type RegisteredBankDetails =
  /** No approved change was ever recorded for this name: the vendor is not in the register. */
  | { status: 'unregistered' }
  /** Approved changes exist, but every one takes effect after the day asked about. */
  | { status: 'not-yet-in-force' }
  /** The change in force does not open into a valid IBAN for this very name: nothing to compare with. */
  | { status: 'unusable'; version: number }
  /** The account in force: electronic format (upper case, no spaces). Never log or record it in clear. */
  | { status: 'in-force'; iban: string; effectiveDate: string; version: number };

/**
 * The change in force on `today` (YYYY-MM-DD): the latest recorded VendorBankDetailsChanged (the
 * highest version) whose effectiveDate is on or before today. A change recorded later wins even
 * when it takes effect earlier: the register's newest approved decision is the one that holds.
 * Rejected changes (VendorBankDetailsChangeRejected) change nothing, and an event whose
 * effectiveDate is not a calendar date never counts.
 *
 * @example
 * changeInForce(events, '2026-12-03'); // the StoredEvent, or undefined
 */
export function changeInForce(events: readonly StoredEvent[], today: string): StoredEvent | undefined {
  return events.findLast((event) => {
    if (event.type !== 'VendorBankDetailsChanged') return false;
    const effective = event.data.effectiveDate;
    return typeof effective === 'string' && isIsoCalendarDate(effective) && effective <= today;
  });
}

/**
 * Reads the vendor's stream (`vendor#<vendorIdOf(vendorName)>`, hash chain verified), finds the
 * change in force on `today` and opens its sealed part. The name is matched by vendorIdOf's rules
 * (case, spacing and compatibility forms only): a lookalike name ("Acme 0ffice Supplies") is another
 * vendor, with a stream of its own, usually empty. The sealed name must be the same vendor too, so
 * a name that merely collides with another's id reads as unregistered.
 *
 * @example
 * const registered = await bankDetailsInForce(ctx.deps.store, ctx.deps.sealer, invoice.vendor, '2026-12-03');
 * if (registered.status === 'in-force' && registered.iban === normalizeIban(invoice.iban)) ...
 */
export async function bankDetailsInForce(store: EventStore, sealer: EventSealer, vendorName: string, today: string): Promise<RegisteredBankDetails> {
  const events = await readVerified(store, vendorStreamOf(vendorName));
  if (!events.some((event) => event.type === 'VendorBankDetailsChanged')) return { status: 'unregistered' };
  const change = changeInForce(events, today);
  if (change === undefined) return { status: 'not-yet-in-force' };
  const sealed = await openSealed(change, sealer);
  if (typeof sealed.vendor !== 'string' || normalizeVendorName(sealed.vendor) !== normalizeVendorName(vendorName)) return { status: 'unregistered' };
  const iban = typeof sealed.iban === 'string' ? checkIban(sealed.iban) : undefined;
  if (iban === undefined || !iban.valid) return { status: 'unusable', version: change.version };
  return { status: 'in-force', iban: iban.iban, effectiveDate: change.data.effectiveDate as string, version: change.version };
}
