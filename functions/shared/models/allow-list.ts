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
  if (allowList.includes(modelId)) return;
  // A workflow's local stand-in answers with its own `local.` id; the local runtime allows them all as one entry.
  // No deployed environment can: its provider is bedrock, which never answers with a stand-in.
  if (modelId.startsWith('local.') && allowList.includes(LOCAL_STAND_IN)) return;
  throw new ModelNotAllowed(modelId);
}

/** See select-gateway.ts LOCAL_STAND_IN (repeated here so this module stays free of the gateways). */
const LOCAL_STAND_IN = 'local.stand-in';

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
