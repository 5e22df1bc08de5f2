import * as z from 'zod';
import { MAX_EXECUTION_ID_LENGTH } from '../events/execution-id.js';

// `:` separates the workflow from the execution name (functions/shared/events/execution-id.ts).
const EXECUTION_ID_CHARACTERS = /^[A-Za-z0-9_:-]+$/;
// `<workflow>:<execution name>`: 40 + 1 + 80 characters.
const EXECUTION_ID_MAX_LENGTH = MAX_EXECUTION_ID_LENGTH;

// Both schemas are built by functions marked pure: a bundle that uses neither, only
// readExecutionId (the audit archiver, through the logger), leaves them and all of zod out,
// about a tenth of its cold start. Where they are used they are built at load as before.
function executionIdSchema() {
  return z.string().min(1).max(EXECUTION_ID_MAX_LENGTH).regex(EXECUTION_ID_CHARACTERS);
}

function stepEnvelopeSchema() {
  return z.object({
    executionId: ExecutionIdSchema,
    // Step Functions task tokens are opaque and at most a few KB; the cap keeps garbage out.
    taskToken: z.string().min(1).max(8192).optional(),
    input: z.unknown(),
  });
}

/**
 * What Step Functions hands every wardflow step: the execution it belongs to, the task
 * token when the state is a `waitForTaskToken` task, and the step's own input.
 * The state machine passes `<workflow>:<$$.Execution.Name>` as `executionId`
 * (functions/shared/events/execution-id.ts) and `$$.Task.Token` as `taskToken`.
 */
export const ExecutionIdSchema = /* @__PURE__ */ executionIdSchema();

export const StepEnvelopeSchema = /* @__PURE__ */ stepEnvelopeSchema();

export type StepEnvelope = z.output<typeof StepEnvelopeSchema>;

/**
 * The execution id of a raw Lambda event, when it has a usable one. Never throws, whatever
 * the event is (the audit and logging middlewares call it before validation has run).
 *
 * @example
 * ```ts
 * readExecutionId({ executionId: 'exec-1', input: {} }); // => 'exec-1'
 * readExecutionId('garbage'); // => undefined
 * ```
 */
export function readExecutionId(event: unknown): string | undefined {
  const candidate = readField(event, 'executionId');
  // ExecutionIdSchema's rules, checked without zod (see above).
  const usable = typeof candidate === 'string' && candidate.length >= 1 && candidate.length <= EXECUTION_ID_MAX_LENGTH && EXECUTION_ID_CHARACTERS.test(candidate);
  return usable ? candidate : undefined;
}

/** The task token of a raw event when it is a string (for redaction; not validated). */
export function readTaskToken(event: unknown): string | undefined {
  const candidate = readField(event, 'taskToken');
  return typeof candidate === 'string' ? candidate : undefined;
}

function readField(event: unknown, key: string): unknown {
  if (event === null || typeof event !== 'object') return undefined;
  try {
    return Object.hasOwn(event, key) ? (event as Record<string, unknown>)[key] : undefined;
  } catch {
    return undefined;
  }
}
