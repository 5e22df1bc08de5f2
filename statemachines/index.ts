import type { AnyWorkflow } from '../lib/workflows/workflow-definition.js';
import { invoiceApproval } from './invoice-approval/workflow.js';
import { vendorBankDetails } from './vendor-bank-details/workflow.js';

/**
 * The workflows this app runs: `cdk synth` deploys each, the local runtime runs each, the CLI and
 * the demo know each. A team adds its workflow here (and its settings in cdk.json); nothing in the
 * platform changes. See docs/writing-a-workflow.md.
 */
export const WORKFLOWS: readonly AnyWorkflow[] = [invoiceApproval, vendorBankDetails];
