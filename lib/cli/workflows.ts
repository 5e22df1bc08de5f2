import * as z from 'zod';
import { InvoiceText } from '../../functions/shared/invoice/invoice-text.js';
import { SourceLabel } from '../../functions/shared/invoice/source-label.js';

/**
 * The workflows wardflow ships, with the CloudFormation output that names each one's state
 * machine in AWS mode (in local mode the runtime's endpoints.json lists them instead), and
 * the schema of an execution's input: the first step's input schema, built from the same
 * field schemas (functions/record-start validates `{ invoiceText, source? }` with them), so
 * `start` refuses an input the workflow would fail on before anything runs.
 */
export const KNOWN_WORKFLOWS = {
  'invoice-approval': {
    stackOutput: 'InvoiceApprovalStateMachineArn',
    input: z.object({ invoiceText: InvoiceText, source: SourceLabel.optional() }),
  },
} as const satisfies Record<string, { stackOutput: string; input: z.ZodType }>;

/** Workflow name → state machine ARN, as one connection knows them. */
export type WorkflowArns = Readonly<Record<string, string>>;
