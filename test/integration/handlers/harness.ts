import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { EncryptionSdkSealer } from '../../../functions/shared/crypto/envelope-sealer.js';
import { DynamoDbEventStore } from '../../../functions/shared/events/dynamodb-store.js';
import { approvalStream, executionStream, type StoredEvent } from '../../../functions/shared/events/event.js';
import { setDependencies, type StepDependencies } from '../../../functions/shared/runtime.js';
import { startDynalite, type LocalDynamo } from '../../support/dynalite.js';

/** A Lambda context without getRemainingTimeInMillis, so middy sets no timeout timer. */
export function lambdaContext(awsRequestId = 'req-1'): Context {
  return { awsRequestId, functionName: 'test-fn' } as unknown as Context;
}

/** The workflow input of an example file, as the state machine receives it. */
export function exampleInput(file: string): { invoiceText: string; source: string } {
  return JSON.parse(readFileSync(new URL(`../../../examples/${file}`, import.meta.url), 'utf8')) as { invoiceText: string; source: string };
}

export const SHIPPED_POLICY = readFileSync(new URL('../../../statemachines/invoice-approval/policy.json', import.meta.url), 'utf8');

/** The environment the CDK stack would give the invoice-approval steps, in local mode. */
export const STEP_ENV = {
  MODEL_PROVIDER: 'local',
  ALLOWED_MODELS: 'local.invoice-parser-v1',
  APPROVAL_POLICY: SHIPPED_POLICY,
  APPROVER_EMAIL: 'approver@example.com',
  APPROVAL_TIMEOUT_SECONDS: '86400',
  PAYMENTS_SECRET_ID: 'wardflow/test/payments-api-key',
} as const;

export interface HandlerWorld {
  deps: StepDependencies;
  read(stream: string): Promise<StoredEvent[]>;
  executionEvents(executionId: string): Promise<StoredEvent[]>;
  approvalEvents(approvalId: string): Promise<StoredEvent[]>;
  /** Moves the clock the steps see. */
  setNow(date: Date): void;
  stop(): Promise<void>;
}

/** dynalite with a fresh events table, a raw-AES sealer, and dependencies installed for the steps. */
export async function startWorld(): Promise<HandlerWorld> {
  const dynamo: LocalDynamo = await startDynalite();
  const tableName = await dynamo.createEventsTable();
  const sealer = EncryptionSdkSealer.rawAes({ keyName: 'test', keyNamespace: 'wardflow-test', key: randomBytes(32) });
  let now = new Date('2026-12-01T09:00:00.000Z');
  const store = new DynamoDbEventStore({ client: dynamo.client, tableName, sealer, now: () => now });
  const deps: StepDependencies = {
    config: {
      environment: 'test',
      eventsTable: tableName,
      dataKeyId: 'raw-aes-test',
      dataKeyCacheSeconds: 0,
      secretsCacheSeconds: 0,
      logLevel: 'DEBUG',
    },
    store,
    sealer,
    now: () => now,
  };
  setDependencies(deps);
  return {
    deps,
    read: (stream) => store.read(stream),
    executionEvents: (id) => store.read(executionStream(id)),
    approvalEvents: (id) => store.read(approvalStream(id)),
    setNow(date) {
      now = date;
    },
    async stop() {
      setDependencies(undefined);
      await dynamo.stop();
    },
  };
}

/** Runs `fn` and returns what it threw (fails the test when it did not throw). */
export async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the handler to fail, and it succeeded');
}
