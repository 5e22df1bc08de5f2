/**
 * The one rule for execution ids: `<workflow>:<execution name>`.
 *
 * Step Functions names an execution within its state machine only, so two workflows may each
 * run an execution named `run-1`, and an id that were the bare name would give both one stream,
 * and give IAM nothing to tell them apart by (dynamodb:LeadingKeys matches the key's text). The
 * state machine therefore hands every step `<workflow>:<name>` (statemachines/fragments), every
 * stream derived from it is per workflow (`execution#<workflow>:<name>`,
 * `approval#<workflow>:<name>-<gate>`), and each workflow's roles are granted
 * `execution#<workflow>:*` and `approval#<workflow>:*` only (lib/constructs/workflow-step.ts).
 *
 * The split is unambiguous: workflow names are kebab-case and execution names are letters,
 * digits, `-` and `_` (lib/execution-name.ts), so neither contains `:`. Streams written before
 * this rule are `execution#<name>` (no workflow): the hash chain covers the stream id, so they
 * cannot be renamed, and readers still accept them ({@link splitExecutionId} gives no workflow).
 */

/** Between the workflow and the execution name. Never in either (see above). */
export const WORKFLOW_SEPARATOR = ':';
/** lib/workflows/workflow-definition.ts validateWorkflow: a workflow's name is at most 40 characters. */
export const MAX_WORKFLOW_NAME_LENGTH = 40;
/** Step Functions' limit on an execution name (lib/execution-name.ts MAX_EXECUTION_NAME_LENGTH). */
export const MAX_EXECUTION_NAME_LENGTH = 80;
/** The longest qualified execution id: 121 characters. */
export const MAX_EXECUTION_ID_LENGTH = MAX_WORKFLOW_NAME_LENGTH + WORKFLOW_SEPARATOR.length + MAX_EXECUTION_NAME_LENGTH;

/**
 * The execution id of execution `name` of `workflow`.
 *
 * @example
 * qualifiedExecutionId('invoice-approval', 'inv-7'); // 'invoice-approval:inv-7'
 */
export function qualifiedExecutionId(workflow: string, name: string): string {
  if (workflow.length === 0 || workflow.includes(WORKFLOW_SEPARATOR)) throw new RangeError(`a workflow name has no "${WORKFLOW_SEPARATOR}" and is not empty`);
  if (name.length === 0 || name.includes(WORKFLOW_SEPARATOR)) throw new RangeError(`an execution name has no "${WORKFLOW_SEPARATOR}" and is not empty`);
  return `${workflow}${WORKFLOW_SEPARATOR}${name}`;
}

/**
 * An execution id's parts: the workflow (undefined for an id written before ids were qualified)
 * and the Step Functions execution name, which names its ARN.
 *
 * @example
 * splitExecutionId('invoice-approval:inv-7'); // { workflow: 'invoice-approval', name: 'inv-7' }
 * splitExecutionId('inv-7');                  // { workflow: undefined, name: 'inv-7' }
 */
export function splitExecutionId(id: string): { workflow: string | undefined; name: string } {
  const at = id.indexOf(WORKFLOW_SEPARATOR);
  return at < 0 ? { workflow: undefined, name: id } : { workflow: id.slice(0, at), name: id.slice(at + 1) };
}

/**
 * The States.Format template the state machine builds the execution id with (from
 * `$$.Execution.Name`); `suffix` is added after the name (`-1` for a gate's approval id).
 * Workflow names carry none of the characters States.Format escapes (`{}'\`).
 *
 * @example
 * executionIdFormat('invoice-approval');      // 'invoice-approval:{}'
 * executionIdFormat('invoice-approval', '-1'); // 'invoice-approval:{}-1'
 */
export function executionIdFormat(workflow: string, suffix = ''): string {
  if (!/^[a-z][a-z0-9-]*$/.test(workflow)) throw new RangeError(`workflow name "${workflow}" is not kebab-case`);
  return `${workflow}${WORKFLOW_SEPARATOR}{}${suffix}`;
}

/**
 * The stream pattern (dynamodb:LeadingKeys, the sealing encryption context) of every stream of
 * `kind` (execution, approval) of one workflow's executions.
 *
 * @example
 * workflowStreamPattern('execution', 'invoice-approval'); // 'execution#invoice-approval:*'
 */
export function workflowStreamPattern(kind: string, workflow: string): string {
  return `${kind}#${workflow}${WORKFLOW_SEPARATOR}*`;
}

/** An execution id as readers accept it: `<workflow>:<name>`, or a bare name (streams from before ids were qualified). */
const EXECUTION_ID = /^(?:([a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*):)?[A-Za-z0-9_-]{1,80}$/;

/**
 * Whether `id` is an execution id: `<workflow>:<name>` with a kebab-case workflow of at most 40
 * characters and a Step Functions name of 1 to 80 letters, digits, `-` and `_`, or such a name alone.
 *
 * @example
 * isExecutionId('invoice-approval:inv-7'); // true
 * isExecutionId('inv-7');                  // true
 * isExecutionId('a b');                    // false
 */
export function isExecutionId(id: string): boolean {
  const match = EXECUTION_ID.exec(id);
  return match !== null && (match[1] === undefined || match[1].length <= MAX_WORKFLOW_NAME_LENGTH);
}
