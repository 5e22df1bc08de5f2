import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConcurrencyConflict, PaymentFailed, ValidationFailed } from '../../../functions/shared/errors.js';
import type { NewEvent } from '../../../functions/shared/events/event.js';
import type { EventStore } from '../../../functions/shared/events/store.js';
import { audit } from '../../../functions/shared/middleware/audit.js';
import { invocationOf, type Invocation } from '../../../functions/shared/middleware/invocation.js';
import { createStepLogger, structuredLogging } from '../../../functions/shared/middleware/logger.js';
import { Redactor } from '../../../functions/shared/middleware/redact.js';
import { validate } from '../../../functions/shared/middleware/validate.js';
import { lambdaContext, logCapture, memoryStore } from './fixtures.js';

const SECRET = 'sk_live_PLANTED_audit_0005';

type Impl = (input: unknown, context: { wardflow: Invocation }) => Promise<unknown>;

function setup(impl: Impl, store: EventStore = memoryStore()) {
  const redactor = new Redactor();
  redactor.register(SECRET);
  const log = logCapture();
  const logger = createStepLogger({ step: 'pay', redactor, sink: log.sink });
  let clock = 1_000;
  const handler = middy(async (event: { input: unknown }, context: Context) => impl(event.input, context as unknown as { wardflow: Invocation }))
    .use(structuredLogging({ logger, step: 'pay', redactor }))
    .use(audit({ step: 'pay', getStore: () => store, redactor, now: () => (clock += 25) }))
    .use({
      // Stands in for the secrets middleware: one read recorded.
      before: async (request) => {
        invocationOf(request).secretReads.push({ name: 'wardflow/test/api-key', versionId: 'v-9' });
      },
    })
    .use(validate({ input: z.object({ amount: z.number() }), output: z.unknown(), source: 'pay input' }));
  return { handler, store, log };
}

const typesAndData = async (store: EventStore, id = 'exec-1') =>
  (await store.read(`execution#${id}`)).map((e) => ({ type: e.type, actor: e.actor, data: e.data }));

describe('audit middleware', () => {
  it('after success appends SecretRead per secret, the queued events redacted, then StepSucceeded last', async () => {
    const { handler, store } = setup(async (_input, context) => {
      context.wardflow.record({ type: 'ModelInvoked', actor: 'step:pay', data: { model: 'm', note: `used ${SECRET}` } });
      context.wardflow.record({ type: 'PaymentRecorded', actor: 'step:pay', data: { receiptId: 'r-1', apiKey: 'unregistered' } });
      return { ok: true };
    });
    await handler({ executionId: 'exec-1', input: { amount: 5 } }, lambdaContext());
    expect(await typesAndData(store)).toEqual([
      { type: 'SecretRead', actor: 'step:pay', data: { step: 'pay', name: 'wardflow/test/api-key', versionId: 'v-9' } },
      { type: 'ModelInvoked', actor: 'step:pay', data: { model: 'm', note: 'used [REDACTED]' } },
      { type: 'PaymentRecorded', actor: 'step:pay', data: { receiptId: 'r-1', apiKey: '[REDACTED]' } },
      { type: 'StepSucceeded', actor: 'step:pay', data: { step: 'pay', durationMs: 25 } },
    ]);
  });

  it('records ValidationFailed with source and issues (paths and expectations only)', async () => {
    const { handler, store } = setup(async () => ({}));
    await expect(handler({ executionId: 'exec-1', input: { amount: SECRET } }, lambdaContext())).rejects.toBeInstanceOf(ValidationFailed);
    expect(await typesAndData(store)).toEqual([
      { type: 'ValidationFailed', actor: 'step:pay', data: { step: 'pay', source: 'pay input', issues: [{ path: 'input.amount', expected: 'a number' }] } },
    ]);
  });

  it('records StepFailed with the wardflow error name and its redacted message', async () => {
    const { handler, store } = setup(async () => {
      throw new PaymentFailed(`gateway refused key ${SECRET}`);
    });
    const error = await handler({ executionId: 'exec-1', input: { amount: 5 } }, lambdaContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentFailed);
    expect(await typesAndData(store)).toEqual([
      { type: 'StepFailed', actor: 'step:pay', data: { step: 'pay', error: 'PaymentFailed', message: 'Payment failed: gateway refused key [REDACTED].', durationMs: 25 } },
    ]);
  });

  it('records an unknown error as StepFailed with a safe message and the original class as cause', async () => {
    const { handler, store } = setup(async () => {
      throw new TypeError(`personal data: Jane Doe, ${SECRET}`);
    });
    const error = await handler({ executionId: 'exec-1', input: { amount: 5 } }, lambdaContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError); // audit alone does not map errors; mapErrors does
    const events = await typesAndData(store);
    expect(events).toEqual([
      { type: 'StepFailed', actor: 'step:pay', data: { step: 'pay', error: 'StepFailed', message: expect.stringContaining('unexpected error'), durationMs: 25, cause: 'TypeError' } },
    ]);
    expect(JSON.stringify(events)).not.toMatch(/Jane|PLANTED/);
  });

  it('a store failure while recording a failure never masks the original error', async () => {
    const broken: EventStore = {
      append: async () => {
        throw new Error('ProvisionedThroughputExceeded');
      },
      read: async () => [],
    };
    const original = new PaymentFailed('status 402');
    const { handler, log } = setup(async () => {
      throw original;
    }, broken);
    await expect(handler({ executionId: 'exec-1', input: { amount: 5 } }, lambdaContext())).rejects.toBe(original);
    expect(log.records().find((r) => r.message === 'failure event could not be recorded; the original error is kept')).toMatchObject({
      error: 'PaymentFailed',
      storeError: 'Error',
    });
  });

  it('a store failure after success fails the step (the fact is not recorded) and is not retried in onError', async () => {
    let appends = 0;
    const conflicted: EventStore = {
      append: async (stream, expected) => {
        appends++;
        throw new ConcurrencyConflict(stream, expected);
      },
      read: async () => [],
    };
    const { handler } = setup(async () => ({ ok: true }), conflicted);
    await expect(handler({ executionId: 'exec-1', input: { amount: 5 } }, lambdaContext())).rejects.toBeInstanceOf(ConcurrencyConflict);
    expect(appends).toBe(5); // appendFacts' maxAttempts for the first event, then nothing more
  });

  it('without a usable executionId it logs (redacted) and writes no event', async () => {
    const store = memoryStore();
    const written: NewEvent[] = [];
    const spy: EventStore = {
      append: async (s, v, events) => {
        written.push(...events);
        return store.append(s, v, events);
      },
      read: (s) => store.read(s),
    };
    const { handler, log } = setup(async () => ({}), spy);
    await expect(handler({ executionId: `bad ${SECRET}`, input: { amount: 5 } }, lambdaContext())).rejects.toBeInstanceOf(ValidationFailed);
    expect(written).toEqual([]);
    const warning = log.records().find((r) => r.message === 'event has no usable executionId; failure not recorded as an event');
    expect(warning).toMatchObject({ error: 'ValidationFailed', executionId: 'bad [REDACTED]' });
    expect(log.lines.join('\n')).not.toContain(SECRET);
  });
  it('writes StepSucceeded only after every fact: a failed fact write leaves no StepSucceeded, and the retry leaves one', async () => {
    const store = memoryStore();
    let failPayment = true;
    const flaky: EventStore = {
      append: async (s, v, events) => {
        if (failPayment && events.some((e) => e.type === 'PaymentRecorded')) throw new Error('ServiceUnavailable');
        return store.append(s, v, events);
      },
      read: (s) => store.read(s),
    };
    const { handler } = setup(async (_input, context) => {
      context.wardflow.record({ type: 'PaymentRecorded', actor: 'step:pay', data: { receiptId: 'r-1' } });
      return { ok: true };
    }, flaky);
    await expect(handler({ executionId: 'exec-1', input: { amount: 5 } }, lambdaContext())).rejects.toBeDefined();
    expect((await typesAndData(store)).map((e) => e.type)).toEqual(['SecretRead']);
    failPayment = false;
    await handler({ executionId: 'exec-1', input: { amount: 5 } }, lambdaContext());
    expect((await typesAndData(store)).map((e) => e.type)).toEqual(['SecretRead', 'SecretRead', 'PaymentRecorded', 'StepSucceeded']);
  });

  it('records evenOnFailure events, redacted, before the failure event; plain queued events only on success', async () => {
    const { handler, store } = setup(async (_input, context) => {
      context.wardflow.record({ type: 'ModelInvoked', actor: 'step:pay', data: { tokens: 12, note: `prompt had ${SECRET}` } }, { evenOnFailure: true });
      context.wardflow.record({ type: 'PaymentRecorded', actor: 'step:pay', data: { receiptId: 'r-1' } });
      throw new PaymentFailed('status 402');
    });
    await expect(handler({ executionId: 'exec-1', input: { amount: 5 } }, lambdaContext())).rejects.toBeInstanceOf(PaymentFailed);
    const events = await typesAndData(store);
    expect(events.map((e) => e.type)).toEqual(['ModelInvoked', 'StepFailed']);
    expect(events[0]!.data).toEqual({ tokens: 12, note: 'prompt had [REDACTED]' });
    expect(JSON.stringify(events)).not.toContain(SECRET);
  });

  it('records evenOnFailure events once, in order with the others, when the step succeeds', async () => {
    const { handler, store } = setup(async (_input, context) => {
      context.wardflow.record({ type: 'ModelInvoked', actor: 'step:pay', data: { tokens: 12 } }, { evenOnFailure: true });
      context.wardflow.record({ type: 'GuardTriggered', actor: 'step:pay', data: { guard: 'g' } });
      return { ok: true };
    });
    await handler({ executionId: 'exec-1', input: { amount: 5 } }, lambdaContext());
    expect((await typesAndData(store)).map((e) => e.type)).toEqual(['SecretRead', 'ModelInvoked', 'GuardTriggered', 'StepSucceeded']);
  });

  it('does not write evenOnFailure events twice when a middleware outside audit fails after it recorded success', async () => {
    const store = memoryStore();
    const redactor = new Redactor();
    const handler = middy(async (_event: unknown, context: Context) => {
      (context as unknown as { wardflow: Invocation }).wardflow.record({ type: 'ModelInvoked', actor: 'step:pay', data: { tokens: 1 } }, { evenOnFailure: true });
      return {};
    })
      .use({
        after: async () => {
          throw new PaymentFailed('late failure');
        },
      })
      .use(audit({ step: 'pay', getStore: () => store, redactor }))
      .use({
        before: async (request) => {
          invocationOf(request);
        },
      });
    await expect(handler({ executionId: 'exec-1', input: {} }, lambdaContext())).rejects.toBeInstanceOf(PaymentFailed);
    expect((await typesAndData(store)).map((e) => e.type)).toEqual(['ModelInvoked', 'StepSucceeded', 'StepFailed']);
  });

  it('appends the facts of one success with a single head read (versions chained)', async () => {
    const store = memoryStore();
    let headReads = 0;
    const counting = Object.assign(Object.create(store) as typeof store, {
      headVersion: async (s: string) => {
        headReads++;
        return store.headVersion(s);
      },
    });
    const { handler } = setup(async (_input, context) => {
      context.wardflow.record({ type: 'PaymentRecorded', actor: 'step:pay', data: { receiptId: 'r-1' } });
      return { ok: true };
    }, counting);
    await handler({ executionId: 'exec-1', input: { amount: 5 } }, lambdaContext());
    expect((await typesAndData(store)).map((e) => e.type)).toEqual(['SecretRead', 'PaymentRecorded', 'StepSucceeded']);
    expect(headReads).toBe(1);
  });
});
