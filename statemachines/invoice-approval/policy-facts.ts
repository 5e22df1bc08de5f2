/**
 * The facts the invoice gate's approval policy (approval-policy.json) reads, and where each is in
 * the state at the gate: the extracted invoice's amount and currency, and the vendor check's
 * answer (ApplyPolicy's output, at `$.policy`). Kept apart from workflow.ts so that tests can play
 * the gate's reading of the state without building the workflow.
 */
export const INVOICE_POLICY_FACTS = {
  amount: '$.invoice.amount',
  currency: '$.invoice.currency',
  knownVendor: '$.policy.knownVendor',
} as const;
