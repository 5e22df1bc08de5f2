import type middy from '@middy/core';
import { StepFailed, TransientFailure, WardflowError } from '../errors.js';
import { transientKind } from '../transient-errors.js';
import type { Redactor } from './redact.js';

/**
 * What Step Functions may see of a failure. Wardflow errors keep their name (Catch clauses
 * match it) with a redacted message; a transient failure of a service call (timeout, throttle,
 * socket error, 5xx) becomes `TransientFailure`, which the state machine retries with backoff;
 * anything else becomes `StepFailed('unexpected error')`, because an unknown error's message may
 * quote input, a secret or a token.
 *
 * The result is a redacted copy when the error contains a registered value; the original stays intact.
 *
 * @example
 * ```ts
 * toStepError('pay', new TypeError('x is undefined'), redactor).name; // => 'StepFailed'
 * ```
 */
export function toStepError(step: string, error: unknown, redactor?: Redactor): WardflowError {
  if (!(error instanceof WardflowError)) {
    const kind = transientKind(error);
    return kind === undefined ? new StepFailed(step, 'unexpected error') : new TransientFailure(step, kind);
  }
  if (!redactor || !redactor.contains(error)) return error;
  // Same class (so `name` and instanceof hold), every field redacted, a stack without frames
  // (Lambda reports the stack to Step Functions, and its first line repeats the message).
  const safe = Object.create(Object.getPrototypeOf(error) as object) as WardflowError;
  for (const key of Object.keys(error)) {
    const value = (error as unknown as Record<string, unknown>)[key];
    (safe as unknown as Record<string, unknown>)[key] = key === 'name' ? value : redactor.redact(value);
  }
  const message = redactor.redactString(error.message);
  Object.defineProperty(safe, 'message', { value: message, enumerable: false, writable: true, configurable: true });
  Object.defineProperty(safe, 'stack', { value: `${error.name}: ${message}`, enumerable: false, writable: true, configurable: true });
  return safe;
}

export interface MapErrorsOptions {
  step: string;
  redactor?: Redactor;
}

/**
 * onError: replaces the request's error with its Step-Functions-safe form (see `toStepError`)
 * and keeps the original in `request.internal.originalError` for the logging middleware.
 * It never throws and never sets a response, so the invocation still fails.
 *
 * @example
 * ```ts
 * middy(handler).use(mapErrors({ step: 'pay', redactor }));
 * ```
 */
export function mapErrors(options: MapErrorsOptions): middy.MiddlewareObj<unknown, unknown, Error> {
  const onError: middy.MiddlewareFn<unknown, unknown, Error> = async (request) => {
    const original: unknown = request.error;
    (request.internal as { originalError?: unknown }).originalError = original;
    request.error = toStepError(options.step, original, options.redactor);
  };
  return { onError, name: 'mapErrors' };
}
