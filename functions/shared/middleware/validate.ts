import type middy from '@middy/core';
import type { z } from 'zod';
import { ValidationFailed } from '../errors.js';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../json-depth.js';
import { describeIssues } from './describe-issues.js';
import { StepEnvelopeSchema } from './envelope.js';

export interface ValidateOptions<I extends z.ZodType, O extends z.ZodType> {
  /** Schema of the envelope's `input`. */
  input: I;
  /** Schema of the handler's response. */
  output: O;
  /** Names what is validated in errors and events, e.g. `extract-invoice input`. */
  source: string;
  /** Names the response in errors; defaults to `source` with `input` replaced by `output`. */
  outputSource?: string;
}

/**
 * Validates the envelope and its `input` before the handler, and the response after it.
 * Input nested deeper than MAX_JSON_DEPTH is refused before any schema looks at it.
 *
 * Before: the event must be `{ executionId, taskToken?, input }`; `input` is replaced by its
 * parsed value (defaults applied, unknown keys stripped), so the handler gets typed input.
 * After: the response is parsed with `output` and replaced by the parsed value.
 * Failures throw `ValidationFailed` whose issues name paths and expectations only.
 *
 * @example
 * ```ts
 * middy(handler).use(validate({ input: z.object({ amount: z.string() }), output: z.object({ ok: z.boolean() }), source: 'pay input' }));
 * ```
 */
export function validate<I extends z.ZodType, O extends z.ZodType>(
  options: ValidateOptions<I, O>,
): middy.MiddlewareObj<unknown, unknown, Error> {
  const source = options.source;
  const outputSource = options.outputSource ?? (source.endsWith(' input') ? `${source.slice(0, -6)} output` : `${source} output`);

  const before: middy.MiddlewareFn<unknown, unknown, Error> = async (request) => {
    // Checked first, without recursion: a 100,000-deep payload would overflow the stack of any
    // recursive walk (schemas, redaction) and fail the step with a RangeError instead of a reason.
    // The envelope adds one level above the input.
    if (jsonDepthExceeds(request.event, MAX_JSON_DEPTH + 1)) {
      throw new ValidationFailed(source, [{ path: 'input', expected: `JSON nested at most ${MAX_JSON_DEPTH} levels deep` }]);
    }
    const envelope = StepEnvelopeSchema.safeParse(request.event);
    if (!envelope.success) throw new ValidationFailed(source, describeIssues(envelope.error.issues));
    const input = await options.input.safeParseAsync(envelope.data.input);
    if (!input.success) throw new ValidationFailed(source, describeIssues(input.error.issues, ['input']));
    request.event = { ...envelope.data, input: input.data };
  };

  const after: middy.MiddlewareFn<unknown, unknown, Error> = async (request) => {
    const output = await options.output.safeParseAsync(request.response);
    if (!output.success) throw new ValidationFailed(outputSource, describeIssues(output.error.issues, ['output']));
    request.response = output.data;
  };

  return { before, after, name: 'validate' };
}
