import { describeIssues } from '../../functions/shared/middleware/describe-issues.js';
import { CLASSIFICATION_FIELD, refuseRealDataOutsideProd } from '../../functions/shared/input-classification.js';
import { InputInvalid } from './errors.js';
import type { ExecutionInput } from './input.js';
import { workflowInputSchema } from './workflows.js';

/** As many problems as a message lists; ValidationFailed lists as many. */
const LISTED_ISSUES = 5;

/**
 * Checks an input against the input schema of a workflow of this app (its declaration's `input`),
 * so `start` refuses what the workflow would fail on, before anything runs. A workflow the app
 * does not declare (one a stack or runtime serves that this checkout does not know) is left to
 * the platform's record-start, which checks the input against the workflow's schema anyway. The error names each field and what was expected there, never
 * what it holds.
 *
 * @example
 * checkWorkflowInput('invoice-approval', await readExecutionInput(file, stdin));
 * // InputInvalid: the input from x.json is not a valid invoice-approval input: invoiceText: expected a string.
 */
export async function checkWorkflowInput(workflow: string, input: ExecutionInput, tier?: string): Promise<void> {
  // Real data outside prod is refused first, as record-start refuses it; an unknown tier is left to record-start.
  const refusal = tier === undefined || input.document[CLASSIFICATION_FIELD] !== 'real' ? undefined : refuseRealDataOutsideProd('real', tier);
  if (refusal !== undefined) throw new InputInvalid(`the input from ${input.label} is marked as real data and cannot start ${workflow} here: ${refusal.path}: expected ${refusal.expected}.`);
  const schema = await workflowInputSchema(workflow);
  if (schema === undefined) return;
  const checked = schema.safeParse(input.document);
  if (checked.success) return;
  const issues = describeIssues(checked.error.issues);
  const listed = issues.slice(0, LISTED_ISSUES).map((issue) => `${issue.path}: expected ${issue.expected}`);
  const more = issues.length > LISTED_ISSUES ? ` (and ${issues.length - LISTED_ISSUES} more)` : '';
  throw new InputInvalid(`the input from ${input.label} is not a valid ${workflow} input: ${listed.join('; ')}${more}.`);
}
