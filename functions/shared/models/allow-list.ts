import { ModelNotAllowed } from '../errors.js';

/**
 * Refuses a model that is not on this environment's allow-list (exact id match).
 * IAM enforces the same list on AWS; this check also covers the local runtime and
 * gives a named error the state machine can catch.
 *
 * @example
 * assertModelAllowed('amazon.nova-micro-v1:0', ['amazon.nova-micro-v1:0']); // passes
 * assertModelAllowed('some.other-model', ['amazon.nova-micro-v1:0']); // throws ModelNotAllowed
 */
export function assertModelAllowed(modelId: string, allowList: readonly string[]): void {
  if (!allowList.includes(modelId)) throw new ModelNotAllowed(modelId);
}

/**
 * Parses a comma-separated allow-list (`ALLOWED_MODELS`), ignoring blanks around entries.
 *
 * @example
 * parseAllowList(' a , b,,c '); // ['a', 'b', 'c']
 */
export function parseAllowList(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}
