import type { StoredEvent } from '#wardflow/step';

/**
 * Whether an execution already recorded its change or rejection on a vendor's stream: every
 * step is run again by Step Functions after a transient failure, and the record must be written
 * once. Matched by execution id, which the clear data carries.
 *
 * @example
 * if (recordedBy(events, 'VendorBankDetailsChanged', ctx.executionId)) return { recorded: true };
 */
export function recordedBy(events: readonly StoredEvent[], type: string, executionId: string): StoredEvent | undefined {
  return events.find((event) => event.type === type && event.data.executionId === executionId);
}

/**
 * The masked IBAN of the vendor's current bank details on record, or undefined when none was
 * ever recorded: what the approver compares the requested change with.
 *
 * @example
 * currentIbanMasked(events); // 'DE89 **** 3000'
 */
export function currentIbanMasked(events: readonly StoredEvent[]): string | undefined {
  const last = events.findLast((event) => event.type === 'VendorBankDetailsChanged');
  return typeof last?.data.ibanMasked === 'string' ? last.data.ibanMasked : undefined;
}
