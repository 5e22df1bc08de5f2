/**
 * The one rule for the execution names wardflow gives and accepts, shared by the CLI
 * (`start --name`) and the local runtime's StartExecution, so the CLI never lets through a name
 * the endpoint then refuses.
 *
 * Narrower than Step Functions' own rule (which allows most printable characters): the name is
 * the execution id, which keys the event stream, names the local runtime's file for the
 * execution and goes into ARNs, so only ASCII letters, digits, `-` and `_` are allowed. A name
 * within this rule is valid on AWS too.
 */

export const MAX_EXECUTION_NAME_LENGTH = 80;

/** 1 to 80 ASCII letters, digits, hyphens and underscores. */
export const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** The rule in words, for messages. */
export const EXECUTION_NAME_RULE = `1 to ${MAX_EXECUTION_NAME_LENGTH} letters (A-Z, a-z), digits, hyphens and underscores`;

/**
 * Why `name` is not an execution name, in a few words that never quote it, or undefined when
 * it is one (exactly when {@link EXECUTION_NAME} matches).
 *
 * @example
 * executionNameProblem('invoice-7');  // undefined
 * executionNameProblem('');           // 'it is empty'
 * executionNameProblem('a'.repeat(81)); // 'it is 81 characters long'
 * executionNameProblem('inv 7');      // 'character 4 is not a letter, digit, hyphen or underscore'
 */
export function executionNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > MAX_EXECUTION_NAME_LENGTH) return `it is ${name.length} characters long`;
  const bad = name.search(/[^A-Za-z0-9_-]/);
  if (bad >= 0) return `character ${bad + 1} is not a letter, digit, hyphen or underscore`;
  return undefined;
}

/**
 * The sentence a refused name gets: the rule, then what is wrong with this name.
 *
 * @example
 * describeExecutionName('inv 7');
 * // 'Execution names are 1 to 80 letters (A-Z, a-z), digits, hyphens and underscores; character 4 is not a letter, digit, hyphen or underscore.'
 */
export function describeExecutionName(name: string): string {
  const problem = executionNameProblem(name);
  return `Execution names are ${EXECUTION_NAME_RULE}${problem === undefined ? '' : `; ${problem}`}.`;
}
