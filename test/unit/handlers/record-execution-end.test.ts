import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { endingToRecord, RECORDER_ACTOR } from '../../../functions/record-execution-end/ending.js';
import { handler } from '../../../functions/record-execution-end/handler.js';
import { STATUS_CHANGE_DETAIL_TYPE, STATUS_CHANGE_SOURCE } from '../../../functions/record-execution-end/status-change.js';
import { verifyChain } from '../../../functions/shared/events/chain.js';
import { executionStream, type NewEvent, type StoredEvent } from '../../../functions/shared/events/event.js';
import { executionState } from '../../../functions/shared/events/fold.js';
import type { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';
import type { EventStore } from '../../../functions/shared/events/store.js';
import { setDependencies } from '../../../functions/shared/runtime.js';
import { captureProcessOutput, lambdaContext, memoryStore, testDependencies } from '../middleware/fixtures.js';

const STATE_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:wardflow-test-invoice-approval';
/** Planted in the fields the recorder must never copy: the cause and the execution's input and output. */
const PLANTED = 'PLANTED-invoice-text-4111111111111111';
const STARTED = Date.parse('2026-12-01T10:00:00.000Z');
const STOPPED = Date.parse('2026-12-01T10:05:00.000Z');

/** The event EventBridge delivers, shaped as AWS documents it (dates in epoch milliseconds, input and output included). */
function statusChange(name: string, status: string, extra: { error?: string | null; cause?: string | null; stateMachineArn?: string } = {}): Record<string, unknown> {
  return {
    version: '0',
    id: 'b3c1a1a2-0000-4000-8000-000000000001',
    'detail-type': STATUS_CHANGE_DETAIL_TYPE,
    source: STATUS_CHANGE_SOURCE,
    account: '123456789012',
    time: '2026-12-01T10:05:00Z',
    region: 'eu-west-1',
    resources: [`${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${name}`],
    detail: {
      executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:${name}`,
      stateMachineArn: extra.stateMachineArn ?? STATE_MACHINE,
      name,
      status,
      startDate: STARTED,
      stopDate: STOPPED,
      input: JSON.stringify({ invoiceText: PLANTED }),
      inputDetails: { included: true },
      output: null,
      outputDetails: null,
      error: extra.error ?? null,
      cause: extra.cause ?? null,
    },
  };
}

const started: NewEvent = { type: 'ExecutionStarted', actor: 'step:record-start', data: { workflow: 'invoice-approval' } };
const stepFailed: NewEvent = { type: 'StepFailed', actor: 'step:pay-invoice', data: { step: 'pay-invoice', error: 'TransientFailure' } };

let store: InMemoryEventStore;
let executions = 0;
const nextName = () => `exec-end-${++executions}`;
/** The recorder's workflow (WORKFLOW_NAME): EventBridge gives the bare name, the stream is `execution#<workflow>:<name>`. */
const WORKFLOW = 'invoice-approval';
const streamOfName = (name: string, workflow = WORKFLOW) => executionStream(`${workflow}:${name}`);
const read = (name: string, workflow = WORKFLOW): Promise<StoredEvent[]> => store.read(streamOfName(name, workflow));

/** Runs the handler with stdout captured: its result, and every line it logged. */
async function invoke(event: unknown): Promise<{ result: PromiseSettledResult<unknown>; output: string }> {
  return captureProcessOutput(() => handler(event, lambdaContext()));
}

async function seed(name: string, ...events: NewEvent[]): Promise<void> {
  if (events.length > 0) await store.append(streamOfName(name), 0, events);
}

beforeEach(() => {
  store = memoryStore();
  setDependencies(testDependencies({ store }));
  vi.stubEnv('STATE_MACHINE_ARN', STATE_MACHINE);
  vi.stubEnv('WORKFLOW_NAME', WORKFLOW);
});
afterEach(() => {
  setDependencies(undefined);
  vi.unstubAllEnvs();
});

describe('record-execution-end: an ending the failure path did not record', () => {
  it.each([
    ['FAILED', 'States.Runtime', 'States.Runtime'],
    ['FAILED', 'FailureNotRecorded', 'FailureNotRecorded'],
    ['FAILED', null, 'ExecutionFailed'],
    ['TIMED_OUT', null, 'ExecutionTimedOut'],
    ['TIMED_OUT', 'States.Timeout', 'States.Timeout'],
    ['ABORTED', null, 'ExecutionAborted'],
    ['ABORTED', 'Operator.Cancelled', 'Operator.Cancelled'],
  ] as const)('%s (error %s) appends ExecutionFailed naming the status and %s', async (status, error, recorded) => {
    const name = nextName();
    await seed(name, started, stepFailed);
    const { result } = await invoke(statusChange(name, status, { error, cause: `Cause: ${PLANTED}` }));
    expect(result).toEqual({ status: 'fulfilled', value: { result: 'recorded', type: 'ExecutionFailed' } });

    const events = await read(name);
    expect(events).toHaveLength(3);
    expect(events[2]).toMatchObject({
      version: 3,
      type: 'ExecutionFailed',
      actor: RECORDER_ACTOR,
      sealed: null,
      data: { status, error: recorded, stoppedAt: '2026-12-01T10:05:00.000Z' },
    });
    expect(verifyChain(events).ok).toBe(true);
    expect(executionState(events)).toMatchObject({ status: 'failed', lastError: recorded });
  });

  it('records an ending on an empty stream (an input that never reached RecordStart), and the fold reads it as failed', async () => {
    const name = nextName();
    const { result } = await invoke(statusChange(name, 'FAILED', { error: 'States.Runtime', cause: "Path expression '$' does not point to a value" }));
    expect(result).toEqual({ status: 'fulfilled', value: { result: 'recorded', type: 'ExecutionFailed' } });
    const events = await read(name);
    expect(events.map((e) => [e.version, e.type, e.prevHash])).toEqual([[1, 'ExecutionFailed', null]]);
    expect(verifyChain(events)).toMatchObject({ ok: true, events: 1 });
    expect(executionState(events)).toMatchObject({ status: 'failed', lastError: 'States.Runtime', endedAt: events[0]!.time });
  });

  it('appends nothing for a redelivered event', async () => {
    const name = nextName();
    await seed(name, started);
    const event = statusChange(name, 'ABORTED');
    expect((await invoke(event)).result).toEqual({ status: 'fulfilled', value: { result: 'recorded', type: 'ExecutionFailed' } });
    const once = await read(name);
    for (let i = 0; i < 3; i++) {
      expect((await invoke(event)).result).toEqual({ status: 'fulfilled', value: { result: 'already-recorded' } });
    }
    expect(await read(name)).toEqual(once);
  });

  it.each([
    ['ExecutionFailed', { error: 'ApprovalRejected' }],
    ['ExecutionSucceeded', {}],
  ] as const)('appends nothing to a stream record-outcome already ended with %s', async (type, data) => {
    const name = nextName();
    await seed(name, started, { type, actor: 'step:record-outcome', data });
    const before = await read(name);
    const { result, output } = await invoke(statusChange(name, 'FAILED', { error: 'ApprovalRejected' }));
    expect(result).toEqual({ status: 'fulfilled', value: { result: 'already-recorded' } });
    expect(await read(name)).toEqual(before);
    expect(output).toContain('already on record');
  });

  it.each(['FAILED', 'ABORTED', 'TIMED_OUT'] as const)(
    'never says "not paid" of a paid invoice (%s after PaymentRecorded): records ExecutionSucceeded with the status',
    async (status) => {
      const name = nextName();
      const paid: NewEvent = { type: 'PaymentRecorded', actor: 'step:pay-invoice', data: { paymentId: 'pay-1', amount: '120.00', currency: 'EUR', mode: 'ledger-only' } };
      await seed(name, started, paid);
      const error = status === 'FAILED' ? 'PaidButNotRecorded' : null;
      const { result } = await invoke(statusChange(name, status, { error }));
      expect(result).toEqual({ status: 'fulfilled', value: { result: 'recorded', type: 'ExecutionSucceeded' } });
      const events = await read(name);
      expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'PaymentRecorded', 'ExecutionSucceeded']);
      expect(events[2]).toMatchObject({ actor: RECORDER_ACTOR, data: { status } });
      expect(executionState(events).status).toBe('succeeded');
    },
  );

  it('decides again on a fresh read when another writer appended first: after a step event it still records', async () => {
    const name = nextName();
    await seed(name, started);
    setDependencies(testDependencies({ store: racing(store, name, [stepFailed]) }));
    const { result } = await invoke(statusChange(name, 'ABORTED'));
    expect(result).toEqual({ status: 'fulfilled', value: { result: 'recorded', type: 'ExecutionFailed' } });
    expect((await read(name)).map((e) => e.type)).toEqual(['ExecutionStarted', 'StepFailed', 'ExecutionFailed']);
  });

  it('decides again on a fresh read when another writer appended first: after record-outcome ended it, it records nothing', async () => {
    const name = nextName();
    await seed(name, started);
    const ended: NewEvent = { type: 'ExecutionFailed', actor: 'step:record-outcome', data: { error: 'ValidationFailed' } };
    setDependencies(testDependencies({ store: racing(store, name, [ended]) }));
    const { result } = await invoke(statusChange(name, 'FAILED', { error: 'ValidationFailed' }));
    expect(result).toEqual({ status: 'fulfilled', value: { result: 'already-recorded' } });
    expect((await read(name)).map((e) => [e.type, e.actor])).toEqual([
      ['ExecutionStarted', 'step:record-start'],
      ['ExecutionFailed', 'step:record-outcome'],
    ]);
  });

  it('throws ConcurrencyConflict (so Lambda retries the event) when the stream moves at every attempt', async () => {
    const name = nextName();
    await seed(name, started);
    const moving: EventStore = {
      read: (stream) => store.read(stream),
      append: async (stream, version, events) => {
        await store.append(stream, version, [stepFailed]);
        return store.append(stream, version, events);
      },
    };
    setDependencies(testDependencies({ store: moving }));
    const { result, output } = await invoke(statusChange(name, 'ABORTED'));
    expect(result.status).toBe('rejected');
    expect((result as PromiseRejectedResult).reason).toMatchObject({ name: 'ConcurrencyConflict' });
    expect((await read(name)).some((e) => e.type === 'ExecutionFailed')).toBe(false);
    expect(output).toContain('ConcurrencyConflict');
  });

  it('throws when the stream does not verify, recording nothing on an altered chain', async () => {
    const name = nextName();
    await seed(name, started, stepFailed);
    const altered: EventStore = {
      read: async (stream) => (await store.read(stream)).map((e) => (e.version === 1 ? { ...e, data: { workflow: 'altered' } } : e)),
      append: (stream, version, events) => store.append(stream, version, events),
    };
    setDependencies(testDependencies({ store: altered }));
    const { result } = await invoke(statusChange(name, 'ABORTED'));
    expect((result as PromiseRejectedResult).reason).toMatchObject({ name: 'TamperDetected' });
    expect(await read(name)).toHaveLength(2);
  });

  it('stores an error name only when it looks like one; free text becomes UnrecognisedError', async () => {
    const name = nextName();
    await seed(name, started);
    await invoke(statusChange(name, 'ABORTED', { error: `stopped: ${PLANTED}` }));
    expect((await read(name)).at(-1)?.data).toMatchObject({ error: 'UnrecognisedError', status: 'ABORTED' });
  });

  it('never records or logs the cause, the input or the output', async () => {
    const name = nextName();
    await seed(name, started);
    const event = statusChange(name, 'FAILED', { error: 'States.Runtime', cause: `An error occurred while executing the state 'X': ${PLANTED}` });
    (event.detail as Record<string, unknown>).output = JSON.stringify({ echoed: PLANTED });
    const { output } = await invoke(event);
    await invoke(event);
    expect(output).toContain('execution end recorded');
    expect(output).not.toContain(PLANTED);
    expect(JSON.stringify(await read(name))).not.toContain(PLANTED);
  });
});

describe('record-execution-end: events it does not record', () => {
  it.each<[string, () => unknown, string]>([
    ['another state machine', () => statusChange('x-1', 'FAILED', { stateMachineArn: STATE_MACHINE.replace('invoice-approval', 'other') }), 'other-state-machine'],
    ['SUCCEEDED (RecordSuccess records it)', () => statusChange('x-2', 'SUCCEEDED'), 'status-not-recorded'],
    ['RUNNING', () => statusChange('x-3', 'RUNNING'), 'status-not-recorded'],
    ['an unknown status', () => statusChange('x-4', 'PENDING_REDRIVE'), 'status-not-recorded'],
    ['a name no step accepts', () => statusChange('x 5 with spaces', 'FAILED'), 'execution-name-not-usable'],
    ['another detail-type', () => ({ ...statusChange('x-6', 'FAILED'), 'detail-type': 'Step Functions State Change' }), 'malformed'],
    ['another source', () => ({ ...statusChange('x-7', 'FAILED'), source: 'my.app' }), 'malformed'],
    ['no detail', () => ({ source: STATUS_CHANGE_SOURCE, 'detail-type': STATUS_CHANGE_DETAIL_TYPE }), 'malformed'],
    ['null', () => null, 'malformed'],
  ])('ignores %s with a log line and appends nothing', async (_label, build, reason) => {
    const event = build();
    const name = (event as { detail?: { name?: string } } | null)?.detail?.name;
    const { result, output } = await invoke(event);
    expect(result).toEqual({ status: 'fulfilled', value: { result: 'ignored', reason } });
    expect(output).toContain('status change ignored');
    expect(output).toContain(reason);
    expect(output).not.toContain(PLANTED);
    if (name !== undefined && !name.includes(' ')) expect(await read(name)).toEqual([]);
  });

  it('fails (for a retry, then the dead-letter queue) when it is not told its workflow: it could not name the stream', async () => {
    vi.stubEnv('WORKFLOW_NAME', '');
    const name = nextName();
    const { result } = await invoke(statusChange(name, 'FAILED'));
    expect((result as PromiseRejectedResult).reason).toMatchObject({ name: 'ConfigurationInvalid' });
    expect(await read(name)).toEqual([]);
    expect(await store.read(executionStream(name))).toEqual([]);
  });

  it('fails (for a retry, then the dead-letter queue) when it is not told its state machine', async () => {
    vi.stubEnv('STATE_MACHINE_ARN', '');
    const name = nextName();
    const { result } = await invoke(statusChange(name, 'FAILED'));
    expect((result as PromiseRejectedResult).reason).toMatchObject({ name: 'ConfigurationInvalid' });
    expect(await read(name)).toEqual([]);
  });
});

describe('endingToRecord', () => {
  it('is the same decision for the same stream and ending', () => {
    const ending = { name: 'e1', status: 'TIMED_OUT' as const, stoppedAt: '2026-12-01T10:05:00.000Z' };
    expect(endingToRecord([], ending)).toEqual(endingToRecord([], ending));
    expect(endingToRecord([], ending)).toEqual({
      kind: 'record',
      paid: false,
      event: { type: 'ExecutionFailed', actor: RECORDER_ACTOR, data: { error: 'ExecutionTimedOut', status: 'TIMED_OUT', stoppedAt: ending.stoppedAt } },
    });
  });
});

/** A store where, before the recorder's first append lands, another writer appends `others` to the execution's stream. */
function racing(inner: InMemoryEventStore, name: string, others: NewEvent[]): EventStore {
  let raced = false;
  return {
    read: (stream) => inner.read(stream),
    append: async (stream, version, events) => {
      if (!raced && stream === streamOfName(name)) {
        raced = true;
        await inner.append(stream, version, others);
      }
      return inner.append(stream, version, events);
    },
  };
}

describe('record-execution-end: an execution of another workflow with the same name', () => {
  it("records on its own workflow's stream only: the other workflow's stream of that name is untouched", async () => {
    vi.stubEnv('WORKFLOW_NAME', 'vendor-bank-details');
    const name = nextName();
    await seed(name, started); // invoice-approval:<name>
    const { result } = await invoke(statusChange(name, 'FAILED', { error: 'FailureNotRecorded' }));
    expect(result).toEqual({ status: 'fulfilled', value: { result: 'recorded', type: 'ExecutionFailed' } });
    expect((await read(name)).map((e) => e.type)).toEqual(['ExecutionStarted']);
    expect((await read(name, 'vendor-bank-details')).map((e) => e.type)).toEqual(['ExecutionFailed']);
  });

  // Kept for streams without a workflow in their id (written before ids were qualified) and the local runtime, which enforces no IAM.
  it('decides by the workflow the stream names, and takes a stream of no workflow (older records) as its own', () => {
    const ending = { name: 'x', status: 'FAILED' as const };
    const stream = [{ ...started, stream: 'execution#x', version: 1, time: '', sealed: null, prevHash: null, hash: '' }] as StoredEvent[];
    expect(endingToRecord(stream, ending, 'vendor-bank-details')).toEqual({ kind: 'another-workflow', workflow: 'invoice-approval' });
    expect(endingToRecord(stream, ending, 'invoice-approval').kind).toBe('record');
    expect(endingToRecord(stream, ending).kind).toBe('record');
  });
});

describe('record-execution-end metrics', () => {
  it('counts every bad end by workflow and error, the ones the failure path recorded too, and copies nothing of the cause or input', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'wardflow/test');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', undefined);
    vi.stubEnv('POWERTOOLS_DEV', undefined);
    vi.stubEnv('WORKFLOW_NAME', 'invoice-approval');
    const name = nextName();
    await seed(name, started);
    const { result, output } = await invoke(statusChange(name, 'FAILED', { error: 'PaidButNotRecorded', cause: PLANTED }));
    expect(result.status).toBe('fulfilled');
    const records = output.split('\n').filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toEqual([expect.objectContaining({ service: 'wardflow', workflow: 'invoice-approval', error: 'PaidButNotRecorded', ExecutionsEndedBadly: 1 })]);
    // An error that is not a plain name is counted under the status.
    const odd = nextName();
    await seed(odd, started);
    const second = await invoke(statusChange(odd, 'TIMED_OUT', { error: 'not a name: ' + PLANTED }));
    expect(second.output).toContain('"error":"TIMED_OUT"');
    expect(output + second.output).not.toContain(PLANTED);
  });
});
