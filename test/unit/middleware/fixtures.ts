import type { Context } from 'aws-lambda';
import type { SealContext, Sealer } from '../../../functions/shared/crypto/sealer.js';
import type { Json } from '../../../functions/shared/events/event.js';
import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';
import type { StepDependencies } from '../../../functions/shared/runtime.js';

/**
 * Test doubles shared by the middleware tests. The sealer only base64-encodes: these tests
 * are about the middleware, and the real sealer has its own suite.
 */
export const plainSealer: Sealer = {
  async seal(value: { [key: string]: Json }, context: SealContext) {
    return Buffer.from(JSON.stringify({ context, value })).toString('base64');
  },
  async open(ciphertext: string) {
    return (JSON.parse(Buffer.from(ciphertext, 'base64').toString('utf8')) as { value: { [key: string]: Json } }).value;
  },
};

export function memoryStore(): InMemoryEventStore {
  return new InMemoryEventStore({ sealer: plainSealer });
}

export function testDependencies(overrides: Partial<StepDependencies> = {}): StepDependencies {
  return {
    config: {
      environment: 'test',
      eventsTable: 'events-test',
      dataKeyId: 'alias/test',
      dataKeyCacheSeconds: 0,
      secretsCacheSeconds: 300,
      logLevel: 'DEBUG',
    },
    store: memoryStore(),
    sealer: plainSealer,
    now: () => new Date(),
    ...overrides,
  };
}

/** A Lambda context without getRemainingTimeInMillis, so middy sets no timeout timer. */
export function lambdaContext(awsRequestId = 'req-1'): Context {
  return { awsRequestId, functionName: 'test-fn' } as unknown as Context;
}

/** Collects log lines and parses them. */
export function logCapture(): { sink: (line: string) => void; lines: string[]; records: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  return { sink: (line) => lines.push(line), lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** Captures everything written to process.stdout/stderr while `fn` runs (and still lets nothing through). */
export async function captureProcessOutput<T>(fn: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; output: string }> {
  const chunks: string[] = [];
  const originalOut = process.stdout.write.bind(process.stdout);
  const originalErr = process.stderr.write.bind(process.stderr);
  const grab = (chunk: unknown): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  process.stdout.write = grab as typeof process.stdout.write;
  process.stderr.write = grab as typeof process.stderr.write;
  let result: PromiseSettledResult<T>;
  try {
    result = { status: 'fulfilled', value: await fn() };
  } catch (reason) {
    result = { status: 'rejected', reason };
  } finally {
    process.stdout.write = originalOut;
    process.stderr.write = originalErr;
  }
  return { result, output: chunks.join('') };
}
