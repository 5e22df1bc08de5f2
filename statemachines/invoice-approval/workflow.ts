import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as z from 'zod';
import { InvoiceText } from '../../functions/workflows/invoice-approval/domain/invoice-text.js';
import { SourceLabel } from '../../functions/shared/source-label.js';
import { VENDOR_STREAM_KIND } from '../../functions/workflows/vendor-bank-details/domain/vendor-id.js';
import { defineWorkflow } from '../../lib/workflows/workflow-definition.js';
import { INVOICE_POLICY_FACTS } from './policy-facts.js';

/** The approval gate's policy, as data: who decides which invoice, or that none needs a person. */
export const APPROVAL_POLICY_FILE = new URL('./approval-policy.json', import.meta.url).pathname;

/** Who may be in one approver group: 1 to 20 addresses, per environment. */
const GroupMembers = z.array(z.email('an email address')).min(1).max(20);

/**
 * The invoice-approval workflow, the first on wardflow, declared like any team's:
 *
 *   (RecordStart) -> ExtractInvoice -> CheckGrounding -> ApplyPolicy (the vendor check: reads the vendor register)
 *     -> ApprovalGate (its approval policy: auto-approves, or asks one finance approver, or a
 *        manager then 2 of 3 finance directors; fails closed at its deadlines)
 *     -> PayInvoice -> (RecordSuccess) -> InvoicePaid
 *
 * Every invoice passes the gate, which decides by approval-policy.json from the amount, the
 * currency and ApplyPolicy's `knownVendor`: the vendor register that the vendor-bank-details
 * workflow keeps (its VendorBankDetailsChanged events on `vendor#<id>` streams) has bank details in
 * force for the vendor, equal to the invoice's IBAN. Only such an invoice under 5,000 (EUR, USD,
 * GBP) is approved without a person (ApprovalAutoDecided, actor `policy:known-vendor-under-5000`,
 * and no email); the amount threshold lives in the policy alone.
 *
 * The platform adds RecordStart, RecordSuccess and the failure path. When RecordSuccess fails the
 * payment has already been made and recorded (PaymentRecorded): reporting "failed, not paid" would
 * invite paying twice, so the execution ends in PaidButNotRecorded instead.
 *
 * Settings per environment (cdk.json `wardflow:environments.<env>.workflows.invoice-approval`):
 * `approverGroups`, the members of the policy's groups (`finance`, `managers`,
 * `finance-directors`, each 1 to 20 addresses; the policy is checked against them), and optionally
 * `paymentsApiUrl` (without it, payments are recorded in the ledger only and no money moves).
 */
export const invoiceApproval = defineWorkflow({
  name: 'invoice-approval',
  description: 'Reads an invoice with a model, checks the reading against the text and the vendor register, has its approval policy approve it or ask people, then pays it.',
  owner: 'finance-automation@example.com',
  reviewDate: '2027-02-26',
  classification: 'confidential',
  modelBudgetUsdPerDay: 20,
  input: z.object({ invoiceText: InvoiceText, source: SourceLabel.optional() }),
  // The vendor register, kept by vendor-bank-details; this workflow only reads it.
  streams: [VENDOR_STREAM_KIND],
  settings: z.object({
    approverGroups: z.strictObject({ finance: GroupMembers, managers: GroupMembers, 'finance-directors': GroupMembers }),
    paymentsApiUrl: z.url({ protocol: /^https$/, error: 'an https:// URL' }).optional(),
  }),
  secrets: {
    'payments-api-key': { description: "payments API key (the provider's).", rotation: 'provider' },
  },
  steps: {
    'extract-invoice': {
      handler: 'workflows/invoice-approval/extract-invoice',
      description: 'asks the model for the invoice fields',
      models: true,
      seal: ['execution'], // ModelInvoked.prompt
      timeoutSeconds: 120,
    },
    'check-grounding': { handler: 'workflows/invoice-approval/check-grounding', description: 'every extracted value occurs in the invoice text' },
    'apply-policy': {
      handler: 'workflows/invoice-approval/apply-policy',
      description: "checks the vendor against the vendor register: the approval policy's knownVendor fact",
      read: [VENDOR_STREAM_KIND], // the vendor register
      open: [VENDOR_STREAM_KIND], // the IBAN in force, sealed in VendorBankDetailsChanged
    },
    'pay-invoice': {
      handler: 'workflows/invoice-approval/pay-invoice',
      description: 'pays what the approval stream says was approved',
      egress: 'money',
      read: ['approval'],
      secrets: { PAYMENTS_SECRET_ID: 'payments-api-key' },
      environment: ({ settings }): Record<string, string> => (settings.paymentsApiUrl === undefined ? {} : { PAYMENTS_API_URL: settings.paymentsApiUrl }),
    },
  },
  gates: {
    approval: {
      policy: {
        file: APPROVAL_POLICY_FILE,
        groups: ({ settings }) => settings.approverGroups,
        facts: INVOICE_POLICY_FACTS,
      },
      subject: {
        title: { format: 'Invoice {} from {}', args: ['$.invoice.invoiceNumber', '$.invoice.vendor'] },
        fields: [
          { label: 'Vendor', path: '$.invoice.vendor' },
          { label: 'Invoice number', path: '$.invoice.invoiceNumber' },
          { label: 'Amount', path: '$.invoice.amount' },
          { label: 'Currency', path: '$.invoice.currency' },
          { label: 'Due date', path: '$.invoice.dueDate' },
          { label: 'Vendor check', path: '$.policy.reason' },
        ],
      },
    },
  },
  successNotRecorded: {
    error: 'PaidButNotRecorded',
    cause:
      'The invoice WAS paid, but recording the success failed. Do not pay it again: the PaymentRecorded event of this execution stream holds the payment; check the record-outcome logs for this execution.',
  },
  failureCause:
    'The workflow failed. Read the ExecutionFailed event of this execution stream for the reason; a PaymentRecorded event there means the invoice was paid and must not be paid again.',
  succeededStateName: 'InvoicePaid',
  examples: 'statemachines/invoice-approval/examples',
  definition: (flow) => {
    const invoice = sfn.JsonPath.objectAt('$.invoice');
    const invoiceText = sfn.JsonPath.stringAt('$.invoiceText');
    return flow
      .step('ExtractInvoice', 'extract-invoice', { input: { invoiceText }, resultPath: '$.invoice' })
      .next(flow.step('CheckGrounding', 'check-grounding', { input: { invoiceText, invoice }, resultPath: sfn.JsonPath.DISCARD }))
      .next(flow.step('ApplyPolicy', 'apply-policy', { input: { invoice }, resultPath: '$.policy' }))
      .next(flow.gate('ApprovalGate', 'approval')) // the decision, a person's or the policy's, lands in $.approval
      // After PayInvoice the money has moved: the platform's done path ends in PaidButNotRecorded if recording fails.
      .next(flow.step('PayInvoice', 'pay-invoice', { input: { invoice }, resultPath: '$.payment' }))
      .next(flow.done);
  },
});
