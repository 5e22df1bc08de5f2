import { readFileSync } from 'node:fs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as z from 'zod';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import { InvoiceText } from '../../functions/workflows/invoice-approval/domain/invoice-text.js';
import { SourceLabel } from '../../functions/shared/source-label.js';
import { VENDOR_STREAM_KIND } from '../../functions/workflows/vendor-bank-details/domain/vendor-id.js';
import { defineWorkflow } from '../../lib/workflows/workflow-definition.js';

/** The auto-approval policy, as data (statemachines/invoice-approval/policy.json). */
export const APPROVAL_POLICY_FILE = new URL('./policy.json', import.meta.url).pathname;

/** Lambda allows 4 KB of environment variables per function; keep room for the others. */
const MAX_POLICY_BYTES = 2_048;

/**
 * The invoice-approval workflow, the first on wardflow, declared like any team's:
 *
 *   (RecordStart) -> ExtractInvoice -> CheckGrounding -> ApplyPolicy (reads the vendor register)
 *     -> auto-approved?  yes: PayInvoice
 *                        no:  ApprovalGate (a human from the invoice approvers; fails closed on timeout) -> PayInvoice
 *     -> (RecordSuccess) -> InvoicePaid
 *
 * "Known vendor" is the vendor register that the vendor-bank-details workflow keeps (its
 * VendorBankDetailsChanged events on `vendor#<id>` streams): ApplyPolicy auto-approves only an
 * invoice whose IBAN equals the vendor's bank details in force there, below the threshold.
 *
 * The platform adds RecordStart, RecordSuccess and the failure path. When RecordSuccess fails the
 * payment has already been made and recorded (PaymentRecorded): reporting "failed, not paid" would
 * invite paying twice, so the execution ends in PaidButNotRecorded instead.
 *
 * Settings per environment (cdk.json `wardflow:environments.<env>.workflows.invoice-approval`):
 * `approvers` (who decides invoices the policy does not auto-approve) and optionally
 * `paymentsApiUrl` (without it, payments are recorded in the ledger only and no money moves).
 */
export const invoiceApproval = defineWorkflow({
  name: 'invoice-approval',
  description: 'Reads an invoice with a model, checks the reading against the text, auto-approves or asks a human, then pays it.',
  owner: 'finance-automation@example.com',
  reviewDate: '2027-02-26',
  classification: 'confidential',
  modelBudgetUsdPerDay: 20,
  input: z.object({ invoiceText: InvoiceText, source: SourceLabel.optional() }),
  // The vendor register, kept by vendor-bank-details; this workflow only reads it.
  streams: [VENDOR_STREAM_KIND],
  settings: z.object({
    approvers: z.array(z.email('an email address')).min(1).max(20),
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
      description: 'auto-approves by the policy and the vendor register, or asks a human',
      append: ['approval'], // ApprovalAutoDecided
      read: [VENDOR_STREAM_KIND], // the vendor register
      open: [VENDOR_STREAM_KIND], // the IBAN in force, sealed in VendorBankDetailsChanged
      environment: () => ({ APPROVAL_POLICY: readApprovalPolicy(APPROVAL_POLICY_FILE) }),
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
      approvers: ({ settings }) => settings.approvers,
      subject: {
        title: { format: 'Invoice {} from {}', args: ['$.invoice.invoiceNumber', '$.invoice.vendor'] },
        fields: [
          { label: 'Vendor', path: '$.invoice.vendor' },
          { label: 'Invoice number', path: '$.invoice.invoiceNumber' },
          { label: 'Amount', path: '$.invoice.amount' },
          { label: 'Currency', path: '$.invoice.currency' },
          { label: 'Due date', path: '$.invoice.dueDate' },
          { label: 'Why a person decides', path: '$.policy.reason' },
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
    const payInvoice = flow.step('PayInvoice', 'pay-invoice', { input: { invoice }, resultPath: '$.payment' });
    // After PayInvoice the money has moved: the platform's done path ends in PaidButNotRecorded if recording fails.
    payInvoice.next(flow.done);
    const gate = flow.gate('ApprovalGate', 'approval'); // the decision lands in $.approval
    gate.next(payInvoice);
    return flow
      .step('ExtractInvoice', 'extract-invoice', { input: { invoiceText }, resultPath: '$.invoice' })
      .next(flow.step('CheckGrounding', 'check-grounding', { input: { invoiceText, invoice }, resultPath: sfn.JsonPath.DISCARD }))
      .next(flow.step('ApplyPolicy', 'apply-policy', { input: { invoice }, resultPath: '$.policy' }))
      .next(
        new sfn.Choice(flow.scope, 'IsAutoApproved')
          .when(sfn.Condition.stringEquals('$.policy.decision', 'auto-approve'), payInvoice)
          .otherwise(gate),
      );
  },
});

/** Reads the approval policy, proves it is a JSON object, and returns it compact for the environment variable. */
export function readApprovalPolicy(file: string): string {
  const name = 'statemachines/invoice-approval/policy.json';
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ConfigurationInvalid(`approval policy file ${name} cannot be read`);
  }
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    throw new ConfigurationInvalid(`approval policy file ${name} is not valid JSON; fix its syntax`);
  }
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy)) {
    throw new ConfigurationInvalid(`approval policy file ${name} must hold a JSON object`);
  }
  const compact = JSON.stringify(policy);
  if (Buffer.byteLength(compact, 'utf8') > MAX_POLICY_BYTES) {
    throw new ConfigurationInvalid(`approval policy file ${name} is larger than ${MAX_POLICY_BYTES} bytes compacted; Lambda environments hold 4 KB in all`);
  }
  return compact;
}
