import * as z from 'zod';

/**
 * What Step Functions hands every wardflow step: the execution it belongs to, the task
 * token when the state is a `waitForTaskToken` task, and the step's own input.
 * The state machine passes `$$.Execution.Name` as `executionId` and `$$.Task.Token` as
 * `taskToken`.
 */
export const ExecutionIdSchema = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z0-9_:-]+$/);

export const StepEnvelopeSchema = z.object({
  executionId: ExecutionIdSchema,
  // Step Functions task tokens are opaque and at most a few KB; the cap keeps garbage out.
  taskToken: z.string().min(1).max(8192).optional(),
  input: z.unknown(),
});

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
  return ExecutionIdSchema.safeParse(candidate).success ? (candidate as string) : undefined;
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
