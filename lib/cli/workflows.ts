import * as z from 'zod';
import { CLASSIFICATION_FIELD, InputClassification } from '../../functions/shared/input-classification.js';

/** Workflow name → state machine ARN, as one connection knows them (AWS mode: the stack's `<Name>StateMachineArn` outputs; local mode: endpoints.json). */
export type WorkflowArns = Readonly<Record<string, string>>;

/**
 * The execution input schema of a workflow of this app (the `input` of its declaration in the
 * app's registry, statemachines/index.ts), or undefined for a workflow the app does not declare
 * (one a stack or runtime serves that this checkout does not know). Loaded at first use: the
 * declarations build Step Functions states with aws-cdk-lib, which only `start` needs.
 *
 * @example
 * const schema = await workflowInputSchema('invoice-approval'); // z.object({ invoiceText, source? })
 */
export async function workflowInputSchema(workflow: string): Promise<z.ZodType | undefined> {
  const { WORKFLOWS } = await import('../../statemachines/index.js');
  const input = WORKFLOWS.find((declared) => declared.name === workflow)?.input;
  // As strict as the platform's record-start, whose JSON Schema refuses a field the workflow does not take,
  // and as open: the platform-reserved `classification` (functions/shared/input-classification.ts) is taken too.
  return input instanceof z.ZodObject ? input.extend({ [CLASSIFICATION_FIELD]: InputClassification.optional() }).strict() : input;
}
