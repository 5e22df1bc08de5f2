import middy from '@middy/core';
import { describe, expect, it } from 'vitest';
import { PaymentFailed, StepFailed, TransientFailure, ValidationFailed, WardflowError } from '../../../functions/shared/errors.js';
import { mapErrors, toStepError } from '../../../functions/shared/middleware/errors.js';
import { Redactor } from '../../../functions/shared/middleware/redact.js';
import { lambdaContext } from './fixtures.js';

const SECRET = 'sk_live_PLANTED_errors_0006';

describe('toStepError', () => {
  const redactor = new Redactor();
  redactor.register(SECRET);

  it('replaces anything that is not a WardflowError by StepFailed("unexpected error")', () => {
    for (const thrown of [new TypeError(SECRET), SECRET, { name: 'PaymentFailed', message: SECRET }, undefined, null, 42]) {
      const error = toStepError('pay', thrown, redactor);
      expect(error).toBeInstanceOf(StepFailed);
      expect(error.message).toBe("Step pay failed: unexpected error. See the step's logs for the correlation id.");
    }
  });

  it('names a transient service failure TransientFailure (the state machine retries it), without its message', () => {
    const sdkError = (name: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(SECRET), { name, ...extra });
    const cases: Array<[unknown, string]> = [
      [sdkError('TimeoutError'), 'timeout'],
      [sdkError('Error', { code: 'ETIMEDOUT' }), 'timeout'],
      [sdkError('ThrottlingException', { $metadata: { httpStatusCode: 400 } }), 'throttle'],
      [sdkError('ProvisionedThroughputExceededException'), 'throttle'],
      [sdkError('SomethingNew', { $retryable: { throttling: true } }), 'throttle'],
      [sdkError('Error', { code: 'ECONNRESET' }), 'socket error'],
      [sdkError('InternalServerError', { $metadata: { httpStatusCode: 500 } }), 'service error'],
      [sdkError('UnknownError', { $metadata: { httpStatusCode: 503 } }), 'service error'],
    ];
    for (const [thrown, kind] of cases) {
      const error = toStepError('record-outcome', thrown, redactor);
      expect(error).toBeInstanceOf(TransientFailure);
      expect(error.name).toBe('TransientFailure');
      expect(error.message).toBe(`Step record-outcome failed on a transient ${kind}; nothing was decided. Step Functions retries it.`);
      expect(JSON.stringify({ ...error, message: error.message })).not.toContain(SECRET);
    }
  });

  it('keeps refusals and defects out of the retry: a 4xx answer or a TypeError is StepFailed', () => {
    const refusals = [
      Object.assign(new Error('no'), { name: 'ConditionalCheckFailedException', $metadata: { httpStatusCode: 400 } }),
      Object.assign(new Error('no'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }),
      new TypeError('x is undefined'),
    ];
    for (const thrown of refusals) expect(toStepError('pay', thrown, redactor)).toBeInstanceOf(StepFailed);
  });

  it('passes a clean WardflowError through unchanged (same instance)', () => {
    const error = new PaymentFailed('status 402');
    expect(toStepError('pay', error, redactor)).toBe(error);
  });

  it('returns a redacted copy of the same class when the error carries a secret, leaving the original intact', () => {
    const original = new ValidationFailed('pay input', [{ path: `input.${SECRET}`, expected: 'a string' }]);
    const safe = toStepError('pay', original, redactor) as ValidationFailed;
    expect(safe).toBeInstanceOf(ValidationFailed);
    expect(safe.name).toBe('ValidationFailed');
    expect(safe.issues).toEqual([{ path: 'input.[REDACTED]', expected: 'a string' }]);
    expect(JSON.stringify({ m: safe.message, s: safe.stack, d: safe.details, i: safe.issues })).not.toContain(SECRET);
    expect(original.message).toContain(SECRET);
  });
});

describe('mapErrors middleware', () => {
  it('hands Step Functions only wardflow errors, by name, and keeps the original for the logs', async () => {
    let internal: Record<string, unknown> = {};
    const handler = middy(async (event: { throw: unknown }) => {
      throw event.throw;
    })
      .use({ onError: async (request) => void (internal = request.internal as Record<string, unknown>) })
      .use(mapErrors({ step: 'pay', redactor: new Redactor() }));
    const cause = new RangeError('bad offset 17');
    const thrown = await handler({ throw: cause }, lambdaContext()).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(WardflowError);
    expect((thrown as Error).name).toBe('StepFailed');
    expect(internal.originalError).toBe(cause);
    const named = await handler({ throw: new PaymentFailed('status 402') }, lambdaContext()).catch((e: unknown) => e);
    expect((named as Error).name).toBe('PaymentFailed');
  });
});
