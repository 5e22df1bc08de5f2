import { describeIssues } from '../../functions/shared/middleware/describe-issues.js';
import { InputInvalid } from './errors.js';
import type { ExecutionInput } from './input.js';
import { KNOWN_WORKFLOWS } from './workflows.js';

/** As many problems as a message lists; ValidationFailed lists as many. */
const LISTED_ISSUES = 5;

/**
 * Checks an input against the input schema of a workflow wardflow ships (KNOWN_WORKFLOWS),
 * so `start` refuses what the workflow's first step would fail on, before anything runs. A
 * workflow the CLI has no schema for (one a local runtime serves that wardflow does not ship)
 * is left to its own steps. The error names each field and what was expected there, never
 * what it holds.
 *
 * @example
 * checkWorkflowInput('invoice-approval', await readExecutionInput(file, stdin));
 * // InputInvalid: the input from x.json is not a valid invoice-approval input: invoiceText: expected a string.
 */
export function checkWorkflowInput(workflow: string, input: ExecutionInput): void {
  const known = Object.hasOwn(KNOWN_WORKFLOWS, workflow) ? KNOWN_WORKFLOWS[workflow as keyof typeof KNOWN_WORKFLOWS] : undefined;
  if (known === undefined) return;
  const checked = known.input.safeParse(input.document);
  if (checked.success) return;
  const issues = describeIssues(checked.error.issues);
  const listed = issues.slice(0, LISTED_ISSUES).map((issue) => `${issue.path}: expected ${issue.expected}`);
  const more = issues.length > LISTED_ISSUES ? ` (and ${issues.length - LISTED_ISSUES} more)` : '';
  throw new InputInvalid(`the input from ${input.label} is not a valid ${workflow} input: ${listed.join('; ')}${more}.`);
}
