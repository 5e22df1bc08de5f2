import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as applyPolicy } from '../../../functions/workflows/invoice-approval/apply-policy/handler.js';
import { handler as checkGrounding } from '../../../functions/workflows/invoice-approval/check-grounding/handler.js';
import { handler as extractInvoice } from '../../../functions/workflows/invoice-approval/extract-invoice/handler.js';
import { handler as recordOutcome } from '../../../functions/record-outcome/handler.js';
import { handler as recordStart } from '../../../functions/record-start/handler.js';
import { EncryptionSdkSealer } from '../../../functions/shared/crypto/envelope-sealer.js';
import { ERROR_NAMES } from '../../../functions/shared/errors.js';
import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';
import { setDependencies } from '../../../functions/shared/runtime.js';
import { naughtyStrings } from '../../support/datasets.js';

/**
 * Middy's fuzz habit applied to the steps: naughty strings and random values as step input
 * must end in success or in one of the named errors Step Functions can catch, never in an
 * unplanned crash (TypeError, RangeError from a regex or a money conversion).
 */
const naughty = naughtyStrings();
const context = { awsRequestId: 'req-fuzz', functionName: 'fuzz' } as unknown as Context;
const steps = { recordStart, extractInvoice, checkGrounding, applyPolicy, recordOutcome } as Record<string, (e: unknown, c: Context) => Promise<unknown>>;

beforeAll(() => {
  const sealer = EncryptionSdkSealer.rawAes({ keyName: 'fuzz', keyNamespace: 'wardflow-test', key: randomBytes(32) });
  setDependencies({
    config: { environment: 'test', eventsTable: 'unused', dataKeyId: 'raw', dataKeyCacheSeconds: 0, secretsCacheSeconds: 0, logLevel: 'ERROR' },
    store: new InMemoryEventStore({ sealer }),
    sealer,
    now: () => new Date('2026-12-01T00:00:00Z'),
  });
  vi.stubEnv('MODEL_PROVIDER', 'local');
  vi.stubEnv('ALLOWED_MODELS', 'local.invoice-parser-v1');
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterAll(() => {
  setDependencies(undefined);
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

let executions = 0;
async function survives(step: string, input: unknown): Promise<void> {
  const event = { executionId: `fuzz-${++executions}`, input };
  try {
    await steps[step]!(event, context);
  } catch (error) {
    // mapErrors turns any unplanned exception into StepFailed('unexpected error'); none of
    // these steps raises StepFailed on purpose, so seeing it means a crash.
    expect(ERROR_NAMES).toContain((error as Error).name);
    expect((error as Error).name, (error as Error).message).not.toBe('StepFailed');
  }
}

const invoiceLike = (value: string) => ({ vendor: value, invoiceNumber: value, currency: value, amount: value, dueDate: value });

describe('steps under naughty input', () => {
  it('every naughty string as invoice text, vendor, amount or outcome error ends in success or a named error', async () => {
    for (const value of naughty) {
      await survives('recordStart', { invoiceText: value, source: value });
      await survives('extractInvoice', { invoiceText: value });
      await survives('checkGrounding', { invoiceText: value, invoice: { vendor: value || 'x', invoiceNumber: 'A-1', currency: 'EUR', amount: '1.00', dueDate: '2026-12-31' } });
      await survives('applyPolicy', { invoice: invoiceLike(value) });
      await survives('recordOutcome', { outcome: 'failed', error: { Error: value, Cause: value }, approvalId: value });
    }
  }, 20_000);

  it('random JSON as any step input ends in success or a named error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(steps)), fc.jsonValue(), async (step, input) => {
        await survives(step, input);
      }),
      { numRuns: 300 },
    );
  }, 20_000);
});
