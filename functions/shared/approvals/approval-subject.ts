import * as z from 'zod';
import type { Json, StoredEvent } from '../events/event.js';

/**
 * What an approver decides on: a title and labelled fields, declared by the workflow (its state
 * machine builds them with JsonPath from the workflow's state) and shown as they are, in the
 * email, on the approval page and by `wardflow approvals`. The platform knows nothing of what is
 * being approved beyond this.
 *
 * Nothing is stripped or rewritten when a subject is read: the text may come from a model reading
 * an untrusted document, so every place that shows it makes it safe for where it goes (HTML
 * escaped on the page and in the email, control characters flattened in an email subject line
 * and in a terminal).
 */

export const MAX_TITLE_LENGTH = 200;
export const MAX_FIELDS = 12;
export const MAX_LABEL_LENGTH = 60;
export const MAX_VALUE_LENGTH = 500;

/** A value as JsonPath may deliver it: text, a (finite) number or a boolean; never an object, an array or null. */
function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** A field's value: a string, or a number or boolean turned into one (`12480` → `'12480'`, `true` → `'true'`). */
const FieldValue = z
  .custom<string | number | boolean>(isScalar, { params: { expected: 'a string, number or boolean' } })
  .transform((value) => String(value))
  .pipe(z.string().max(MAX_VALUE_LENGTH));

/** One labelled fact of a subject: `{ label: 'Vendor', value: 'Northwind Traders' }`. */
export const ApprovalField = z.object({
  label: z.string().min(1).max(MAX_LABEL_LENGTH),
  value: FieldValue,
});

export type ApprovalField = z.output<typeof ApprovalField>;

/**
 * The subject of an approval as request-approval accepts it (`input.subject`) and records it in
 * ApprovalRequested.data.subject: a title of 1 to 200 characters and 0 to 12 fields, each a label
 * of 1 to 60 characters and a value of at most 500. Values that are numbers or booleans become
 * strings; an object, an array or null where a value belongs fails with ValidationFailed at
 * `input.subject.fields[<i>].value`, expected "a string, number or boolean".
 *
 * @example
 * ApprovalSubject.parse({ title: 'Purchase order PO-7 from Contoso', fields: [{ label: 'Amount', value: 9100 }, { label: 'Urgent', value: false }] });
 * // { title: 'Purchase order PO-7 from Contoso', fields: [{ label: 'Amount', value: '9100' }, { label: 'Urgent', value: 'false' }] }
 */
export const ApprovalSubject = z.object({
  title: z.string().min(1).max(MAX_TITLE_LENGTH),
  fields: z.array(ApprovalField).max(MAX_FIELDS),
});

export type ApprovalSubject = z.output<typeof ApprovalSubject>;

/**
 * The subject of an approval, from the ApprovalRequested of its stream: the recorded `subject`,
 * or, for a stream recorded before subjects existed, its legacy `summary` turned into one (see
 * {@link legacySummarySubject}); undefined when the request holds neither in a readable shape.
 * Read the events with readVerified first: the chain proves this is what was asked for.
 *
 * @example
 * approvalSubjectOf(await readVerified(store, approvalStream('exec-42-1')));
 * // { title: 'Purchase order PO-7 from Contoso', fields: [{ label: 'Amount', value: '9100.00 EUR' }] }
 */
export function approvalSubjectOf(events: readonly StoredEvent[]): ApprovalSubject | undefined {
  const requested = events.find((event) => event.type === 'ApprovalRequested');
  if (requested === undefined) return undefined;
  // A reader never assumes: what was recorded is checked again against the same schema.
  const subject = ApprovalSubject.safeParse(requested.data.subject);
  if (subject.success) return subject.data;
  return legacySummarySubject(requested.data.summary);
}

// Legacy streams only: the one place the platform still knows the words of the invoice workflow.
// ApprovalRequested events recorded before the generic gate carried `summary: { vendor,
// invoiceNumber, currency, amount }` (the invoice-approval workflow was then the only one), and an
// existing data folder or table still holds such pending approvals. They are shown as the subject
// that workflow now declares, so they render, and can be decided, as before.
const LegacySummary = z.object({
  vendor: z.string().max(200),
  invoiceNumber: z.string().max(64),
  currency: z.string().max(3),
  amount: z.string().max(20),
});

/**
 * The subject of a legacy `summary` (an ApprovalRequested recorded before subjects existed):
 * title `Invoice <number> from <vendor>`, fields Vendor, Invoice number and Amount; undefined
 * when `summary` is not one.
 *
 * @example
 * legacySummarySubject({ vendor: 'Northwind Traders', invoiceNumber: 'NW-88213', currency: 'USD', amount: '12480.00' });
 * // { title: 'Invoice NW-88213 from Northwind Traders', fields: [{ label: 'Vendor', value: 'Northwind Traders' },
 * //   { label: 'Invoice number', value: 'NW-88213' }, { label: 'Amount', value: '12480.00 USD' }] }
 */
export function legacySummarySubject(summary: Json | undefined): ApprovalSubject | undefined {
  const parsed = LegacySummary.safeParse(summary);
  if (!parsed.success) return undefined;
  const { vendor, invoiceNumber, currency, amount } = parsed.data;
  return {
    title: cut(`Invoice ${invoiceNumber} from ${vendor}`, MAX_TITLE_LENGTH),
    fields: [
      { label: 'Vendor', value: vendor },
      { label: 'Invoice number', value: invoiceNumber },
      { label: 'Amount', value: `${amount} ${currency}` },
    ],
  };
}

/** At most `max` UTF-16 units (as zod counts), whole code points, `...` marking a cut. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const char of text) {
    if (out.length + char.length > max - 3) break;
    out += char;
  }
  return `${out}...`;
}
