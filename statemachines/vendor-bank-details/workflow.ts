import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as z from 'zod';
import { defineWorkflow, SourceLabel } from '#wardflow/workflow';
import { LetterText } from '../../functions/workflows/vendor-bank-details/domain/letter.js';
import { VENDOR_STREAM_KIND } from '../../functions/workflows/vendor-bank-details/domain/vendor-id.js';

/** The approval gate's policy, as data: 2 vendor-master approvers, always; never auto-approved. */
export const APPROVAL_POLICY_FILE = new URL('./approval-policy.json', import.meta.url).pathname;

/**
 * A vendor's letter asks to change the bank account its invoices are paid to: a classic fraud
 * vector, so people always decide: 2 approvers of the vendor-master group (not the invoice
 * approvers), by the gate's approval policy (approval-policy.json, one rule, no facts).
 *
 *   (RecordStart) -> ExtractBankDetails (model: vendor, new IBAN, effective date)
 *     -> CheckBankDetails (IBAN valid; every value occurs in the letter; what is on record now)
 *     -> VendorMasterApproval (always 2 of the vendor-master group; one rejection rejects; fails closed at its deadline)
 *          approved: RecordBankDetailsChange (VendorBankDetailsChanged on vendor#<id>) -> (RecordSuccess)
 *          rejected: RecordRejection (VendorBankDetailsChangeRejected on vendor#<id>) -> failed, ApprovalRejected
 *
 * Settings per environment (cdk.json `wardflow:environments.<env>.workflows.vendor-bank-details`):
 * `approverGroups`, with the members of the policy's one group, `vendor-master` (1 to 20 addresses
 * here; the policy's check refuses an environment with fewer than the 2 distinct people its quorum needs).
 */
export const vendorBankDetails = defineWorkflow({
  name: 'vendor-bank-details',
  description: "Reads a vendor's request to change its bank details, checks it, and records it once two vendor-master approvers agree.",
  owner: 'vendor-master@example.com',
  reviewDate: '2027-02-26',
  classification: 'confidential',
  modelBudgetUsdPerDay: 5,
  input: z.object({ letterText: LetterText, source: SourceLabel.optional() }),
  settings: z.object({ approverGroups: z.strictObject({ 'vendor-master': z.array(z.email('an email address')).min(1).max(20) }) }),
  streams: [VENDOR_STREAM_KIND],
  events: ['VendorBankDetailsChanged', 'VendorBankDetailsChangeRejected'],
  steps: {
    'extract-bank-details': {
      handler: 'workflows/vendor-bank-details/extract-bank-details',
      description: 'asks the model for the vendor, the new IBAN and the effective date',
      models: true,
      seal: ['execution'], // ModelInvoked.prompt
      timeoutSeconds: 120,
    },
    'check-bank-details': {
      handler: 'workflows/vendor-bank-details/check-bank-details',
      description: 'the IBAN is valid and every value occurs in the letter; reads the register',
      read: [VENDOR_STREAM_KIND],
    },
    'record-bank-details-change': {
      handler: 'workflows/vendor-bank-details/record-bank-details-change',
      description: 'records the approved change in the vendor register',
      append: [VENDOR_STREAM_KIND],
      seal: [VENDOR_STREAM_KIND], // the new IBAN
    },
    'record-rejection': {
      handler: 'workflows/vendor-bank-details/record-rejection',
      description: 'records a rejected change in the vendor register',
      append: [VENDOR_STREAM_KIND],
    },
  },
  gates: {
    'vendor-master': {
      policy: { file: APPROVAL_POLICY_FILE, groups: ({ settings }) => settings.approverGroups, facts: {} },
      subject: {
        title: { format: 'Bank details change for {}', args: ['$.request.vendor'] },
        fields: [
          { label: 'Vendor', path: '$.request.vendor' },
          { label: 'New IBAN', path: '$.check.ibanDisplay' },
          { label: 'Effective from', path: '$.request.effectiveDate' },
          { label: 'On record now', path: '$.check.onRecord' },
        ],
      },
    },
  },
  succeededStateName: 'BankDetailsChanged',
  successNotRecorded: {
    error: 'ChangedButNotRecorded',
    cause:
      "The vendor's bank details WERE changed (VendorBankDetailsChanged is on the vendor's stream), but recording the execution's success failed. Do not request the change again; check the record-outcome logs for this execution.",
  },
  examples: 'statemachines/vendor-bank-details/examples',
  definition: (flow) => {
    const letterText = sfn.JsonPath.stringAt('$.letterText');
    const request = sfn.JsonPath.objectAt('$.request');
    const vendorId = sfn.JsonPath.stringAt('$.check.vendorId');
    const recordRejection = flow
      .step('RecordRejection', 'record-rejection', { input: { vendorId, ibanMasked: sfn.JsonPath.stringAt('$.check.ibanMasked') }, resultPath: sfn.JsonPath.DISCARD })
      .next(flow.fail);
    return flow
      .step('ExtractBankDetails', 'extract-bank-details', { input: { letterText }, resultPath: '$.request' })
      .next(flow.step('CheckBankDetails', 'check-bank-details', { input: { letterText, request }, resultPath: '$.check' }))
      .next(flow.gate('VendorMasterApproval', 'vendor-master', { onRejected: recordRejection }))
      .next(flow.step('RecordBankDetailsChange', 'record-bank-details-change', { input: { request, vendorId }, resultPath: '$.change' }))
      .next(flow.done);
  },
});
