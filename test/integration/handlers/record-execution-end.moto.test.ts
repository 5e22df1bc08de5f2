import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RECORDER_ACTOR } from '../../../functions/record-execution-end/ending.js';
import { handler } from '../../../functions/record-execution-end/handler.js';
import { forgetEnvironmentClients } from '../../../functions/shared/environment-clients.js';
import { verifyChain } from '../../../functions/shared/events/chain.js';
import { DynamoDbEventStore } from '../../../functions/shared/events/dynamodb-store.js';
import { executionStream } from '../../../functions/shared/events/event.js';
import { executionState } from '../../../functions/shared/events/fold.js';
import { setDependencies } from '../../../functions/shared/runtime.js';
import { createEventsTable, startDynalite, TEST_CREDENTIALS, TEST_REGION, type LocalDynamo } from '../../support/dynalite.js';
import { describeWithMoto } from '../../support/moto.js';
import { PLANTED_SECRET, testSealer } from '../../unit/events/event-fixtures.js';
import { silenceOutput } from './harness.js';

const STATE_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:wardflow-test-invoice-approval';
const context = { awsRequestId: 'req-end', functionName: 'record-execution-end' } as Context;

function statusChange(name: string, status: string, error: string | null = null) {
  return {
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    detail: {
      executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${name}`,
      stateMachineArn: STATE_MACHINE,
      name,
      status,
      startDate: Date.parse('2026-12-01T10:00:00Z'),
      stopDate: Date.parse('2026-12-01T11:00:00Z'),
      input: JSON.stringify({ invoiceText: PLANTED_SECRET }),
      error,
      cause: null,
    },
  };
}

/**
 * The recorder as deployed: dependencies built from its environment (a real DynamoDBClient pointed
 * at the endpoint), the real conditional writes of DynamoDbEventStore. DATA_KEY_ID names no key
 * anywhere: the recorder seals and opens nothing, so it never asks KMS.
 */
function recorderAgainst(endpoint: () => string, makeTable: () => Promise<string>): void {
  let seeded: DynamoDbEventStore;
  let client: DynamoDBClient;

  beforeAll(async () => {
    silenceOutput();
    const table = await makeTable();
    vi.stubEnv('EVENTS_TABLE', table);
    vi.stubEnv('DATA_KEY_ID', 'arn:aws:kms:us-east-1:000000000000:key/never-used');
    vi.stubEnv('STATE_MACHINE_ARN', STATE_MACHINE);
    // EventBridge names the execution; the recorder keys the stream by `<workflow>:<name>`.
    vi.stubEnv('WORKFLOW_NAME', 'invoice-approval');
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', endpoint());
    vi.stubEnv('AWS_REGION', TEST_REGION);
    vi.stubEnv('AWS_ACCESS_KEY_ID', TEST_CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', TEST_CREDENTIALS.secretAccessKey);
    setDependencies(undefined);
    forgetEnvironmentClients();
    client = new DynamoDBClient({ endpoint: endpoint(), region: TEST_REGION, credentials: TEST_CREDENTIALS });
    seeded = new DynamoDbEventStore({ client, tableName: table, sealer: testSealer() });
  });
  afterAll(() => {
    client?.destroy();
    setDependencies(undefined);
    forgetEnvironmentClients();
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('ends a stream with a sealed start (left sealed) once: TIMED_OUT recorded, a redelivery appends nothing', async () => {
    const stream = executionStream('invoice-approval:timed-out-1');
    await seeded.append(stream, 0, [{ type: 'ExecutionStarted', actor: 'step:record-start', data: { workflow: 'invoice-approval' }, sensitive: { invoiceText: PLANTED_SECRET } }]);
    await expect(handler(statusChange('timed-out-1', 'TIMED_OUT'), context)).resolves.toEqual({ result: 'recorded', type: 'ExecutionFailed' });
    await expect(handler(statusChange('timed-out-1', 'TIMED_OUT'), context)).resolves.toEqual({ result: 'already-recorded' });
    const events = await seeded.read(stream);
    expect(events.map((e) => [e.version, e.type])).toEqual([[1, 'ExecutionStarted'], [2, 'ExecutionFailed']]);
    expect(events[1]).toMatchObject({ actor: RECORDER_ACTOR, data: { status: 'TIMED_OUT', error: 'ExecutionTimedOut' }, sealed: null });
    expect(verifyChain(events).ok).toBe(true);
    expect(JSON.stringify(events[1])).not.toContain(PLANTED_SECRET);
  });

  it('records the end of an execution that never reached RecordStart on its empty stream', async () => {
    await expect(handler(statusChange('null-input-1', 'FAILED', 'States.Runtime'), context)).resolves.toEqual({ result: 'recorded', type: 'ExecutionFailed' });
    const events = await seeded.read(executionStream('invoice-approval:null-input-1'));
    expect(events.map((e) => [e.version, e.type, e.prevHash])).toEqual([[1, 'ExecutionFailed', null]]);
    expect(executionState(events)).toMatchObject({ status: 'failed', lastError: 'States.Runtime' });
  });

  it('appends one end when the same event is delivered several times at once (the conditional write decides)', async () => {
    const stream = executionStream('invoice-approval:aborted-twice-1');
    await seeded.append(stream, 0, [{ type: 'ExecutionStarted', actor: 'step:record-start', data: { workflow: 'invoice-approval' } }]);
    const results = await Promise.all([1, 2, 3].map(() => handler(statusChange('aborted-twice-1', 'ABORTED'), context)));
    expect(results.filter((r) => r.result === 'recorded')).toHaveLength(1);
    expect(results.filter((r) => r.result === 'already-recorded')).toHaveLength(2);
    const events = await seeded.read(stream);
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'ExecutionFailed']);
    expect(verifyChain(events).ok).toBe(true);
  });
}

describe('record-execution-end on dynalite', () => {
  let dynamo: LocalDynamo;
  recorderAgainst(
    () => dynamo.endpoint,
    async () => {
      dynamo = await startDynalite();
      return dynamo.createEventsTable('events-recorder');
    },
  );
  afterAll(async () => {
    await dynamo?.stop();
  });
});

describeWithMoto('record-execution-end', (moto) => {
  recorderAgainst(
    () => moto().endpoint,
    async () => {
      const client = new DynamoDBClient({ endpoint: moto().endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
      await createEventsTable(client, 'events-recorder');
      client.destroy();
      return 'events-recorder';
    },
  );
});
