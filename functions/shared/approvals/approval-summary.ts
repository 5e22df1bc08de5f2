import * as z from 'zod';
import type { StoredEvent } from '../events/event.js';

/** What is being approved, as ApprovalRequested recorded it: the facts an approver decides on. */
export interface ApprovalSummary {
  vendor: string;
  invoiceNumber: string;
  currency: string;
  amount: string;
}

// Recorded by request-approval from a validated Invoice; checked again because a reader never assumes.
const SummarySchema = z.object({
  vendor: z.string().max(200),
  invoiceNumber: z.string().max(64),
  currency: z.string().max(3),
  amount: z.string().max(20),
});

/**
 * The summary recorded with the approval's ApprovalRequested, or undefined when it has none
 * (or not in the expected shape). Read from a verified stream, so it is what was asked for.
 *
 * @example
 * approvalSummary(await readVerified(store, approvalStream('exec-42-1')));
 * // { vendor: 'Northwind Traders', invoiceNumber: 'NW-88213', currency: 'USD', amount: '12480.00' }
 */
export function approvalSummary(events: readonly StoredEvent[]): ApprovalSummary | undefined {
  const requested = events.find((event) => event.type === 'ApprovalRequested');
  const parsed = SummarySchema.safeParse(requested?.data.summary);
  return parsed.success ? parsed.data : undefined;
}

/**
 * An ISO-8601 time as approvers read it, in UTC to the minute; the input unchanged when it is no date.
 *
 * @example
 * formatUtc('2026-12-02T08:59:00.000Z'); // '2026-12-02 08:59 UTC'
 */
export function formatUtc(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
