import { describe, expect, it } from 'vitest';
import { acceptStatusChange } from '../../../functions/record-execution-end/status-change.js';
import type { EndedExecution } from '../../../lib/local/runtime/engine/engine.js';
import { executionEndDeliveries, statusChangeEvent } from '../../../lib/local/runtime/engine/execution-events.js';
import type { LambdaHandler, LocalLambda } from '../../../lib/local/runtime/lambda/lambda-invoke.js';

const MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:wardflow-local-invoice-approval';

function ended(name: string, status: EndedExecution['status'], extra: Partial<EndedExecution> = {}): EndedExecution {
  return {
    executionArn: `${MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`,
    stateMachineArn: MACHINE_ARN,
    name,
    status,
    startDate: '2026-12-02T10:00:00.250Z',
    stopDate: '2026-12-02T10:01:30.750Z',
    ...extra,
  };
}

/** The recorder as the runtime holds it, answering with `run`; every event it got is kept. */
function recorder(run: LambdaHandler, timeoutSeconds = 30): { fn: LocalLambda; events: unknown[] } {
  const events: unknown[] = [];
  return {
    events,
    fn: {
      handler: 'record-execution-end',
      arn: 'arn:aws:lambda:us-east-1:000000000000:function:wardflow-local-record-execution-end',
      timeoutSeconds,
      run: async (event, context) => {
        events.push(event);
        return run(event, context);
      },
    },
  };
}

const recorded = async () => ({ result: 'recorded', type: 'ExecutionFailed' });
const noPause = () => 0;
const otherFunction: LocalLambda = { handler: 'record-outcome', arn: 'arn:aws:lambda:us-east-1:000000000000:function:x', timeoutSeconds: 30, run: recorded };

describe('statusChangeEvent', () => {
  it("is EventBridge's Step Functions Execution Status Change, which the recorder accepts", () => {
    const event = statusChangeEvent(ended('inv-1', 'ABORTED', { error: 'Operator.Stop', cause: 'because' }));
    expect(event).toMatchObject({
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      account: '000000000000',
      region: 'us-east-1',
      time: '2026-12-02T10:01:30Z',
      resources: [`${MACHINE_ARN.replace(':stateMachine:', ':execution:')}:inv-1`],
      detail: {
        stateMachineArn: MACHINE_ARN,
        name: 'inv-1',
        status: 'ABORTED',
        startDate: Date.parse('2026-12-02T10:00:00.250Z'),
        stopDate: Date.parse('2026-12-02T10:01:30.750Z'),
        inputDetails: { included: false },
        error: 'Operator.Stop',
        cause: 'because',
      },
    });
    expect(acceptStatusChange(event, MACHINE_ARN)).toEqual({ name: 'inv-1', status: 'ABORTED', error: 'Operator.Stop', stoppedAt: '2026-12-02T10:01:30.750Z' });
  });

  it('says null for an absent error and cause, as Step Functions does', () => {
    const detail = statusChangeEvent(ended('inv-2', 'TIMED_OUT')).detail as Record<string, unknown>;
    expect(detail).toMatchObject({ error: null, cause: null });
    expect(acceptStatusChange(statusChangeEvent(ended('inv-2', 'TIMED_OUT')), MACHINE_ARN)).toEqual({ name: 'inv-2', status: 'TIMED_OUT', stoppedAt: '2026-12-02T10:01:30.750Z' });
  });
});

describe('executionEndDeliveries', () => {
  it('delivers FAILED, TIMED_OUT and ABORTED to the recorder, and SUCCEEDED not at all (as the rule matches)', async () => {
    const { fn, events } = recorder(recorded);
    const lines: string[] = [];
    const endings = executionEndDeliveries({ functions: [otherFunction, fn], log: (l) => lines.push(l) });
    for (const [name, status] of [['a', 'FAILED'], ['b', 'TIMED_OUT'], ['c', 'ABORTED'], ['d', 'SUCCEEDED']] as const) endings.deliver(ended(name, status));
    await endings.flush();
    expect(events.map((e) => (e as { detail: { name: string; status: string } }).detail)).toEqual([
      expect.objectContaining({ name: 'a', status: 'FAILED' }),
      expect.objectContaining({ name: 'b', status: 'TIMED_OUT' }),
      expect.objectContaining({ name: 'c', status: 'ABORTED' }),
    ]);
    expect(lines).toEqual([
      'execution a: its end (FAILED) recorded as ExecutionFailed',
      'execution b: its end (TIMED_OUT) recorded as ExecutionFailed',
      'execution c: its end (ABORTED) recorded as ExecutionFailed',
    ]);
  });

  it('retries a failing invocation with the given pauses, and stops at the first success', async () => {
    let calls = 0;
    const { fn, events } = recorder(async () => {
      calls += 1;
      if (calls < 3) throw Object.assign(new Error('dynamodb is not up'), { name: 'TransientFailure' });
      return { result: 'already-recorded' };
    });
    const pauses: number[] = [];
    const endings = executionEndDeliveries({ functions: [fn], attempts: 5, retryDelayMs: (attempt) => (pauses.push(attempt), 0) });
    endings.deliver(ended('e', 'ABORTED'));
    await endings.flush();
    expect(events).toHaveLength(3);
    expect(pauses).toEqual([2, 3]);
  });

  it('gives up after the attempts with a log line naming the execution and the error, never throwing at the engine', async () => {
    const { fn, events } = recorder(async () => {
      throw Object.assign(new Error(`Cause: secret input text`), { name: 'TamperDetected' });
    });
    const lines: string[] = [];
    const endings = executionEndDeliveries({ functions: [fn], attempts: 3, retryDelayMs: noPause, log: (l) => lines.push(l) });
    expect(() => endings.deliver(ended('f', 'FAILED', { error: 'States.Runtime' }))).not.toThrow();
    await endings.flush();
    expect(events).toHaveLength(3);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('execution f ended FAILED, but recording its end failed 3 times (TamperDetected)');
    expect(lines[0]).not.toContain('secret input text');
  });

  it('makes stop wait for a delivery under way', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const invoked = new Promise<void>((resolve) => (started = resolve));
    const order: string[] = [];
    const { fn } = recorder(async () => {
      started();
      await released;
      order.push('recorded');
      return { result: 'recorded', type: 'ExecutionFailed' };
    });
    const endings = executionEndDeliveries({ functions: [fn], stopGraceMs: 60_000 });
    endings.deliver(ended('g', 'ABORTED'));
    await invoked;
    const stopped = endings.stop().then(() => order.push('stopped'));
    // A full turn of the event loop: a stop that did not wait would have resolved by now.
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await stopped;
    expect(order).toEqual(['recorded', 'stopped']);
  });

  it('stops waiting after the grace, saying how many ends are not recorded', async () => {
    // An invocation that never answers (ended by its 1 s function timeout, after this test's assertions).
    const { fn } = recorder(() => new Promise(() => undefined), 1);
    const lines: string[] = [];
    const endings = executionEndDeliveries({ functions: [fn], attempts: 1, stopGraceMs: 0, log: (l) => lines.push(l) });
    endings.deliver(ended('h', 'ABORTED'));
    await endings.stop();
    expect(lines).toEqual(['1 execution end(s) still being recorded at stop; they are not recorded']);
  });

  it("delivers an ending to its own workflow's recorder only, as each workflow's rule matches its state machine", async () => {
    const vendorMachine = MACHINE_ARN.replace('invoice-approval', 'vendor-bank-details');
    const invoice = recorder(recorded);
    const vendor = recorder(recorded);
    const functions = [
      { ...invoice.fn, environment: { STATE_MACHINE_ARN: MACHINE_ARN } },
      { ...vendor.fn, arn: `${vendor.fn.arn}-vendor`, environment: { STATE_MACHINE_ARN: vendorMachine } },
    ];
    const lines: string[] = [];
    const endings = executionEndDeliveries({ functions, log: (l) => lines.push(l) });
    endings.deliver(ended('inv-1', 'FAILED'));
    endings.deliver(ended('vbd-1', 'ABORTED', { stateMachineArn: vendorMachine }));
    endings.deliver(ended('other-1', 'FAILED', { stateMachineArn: MACHINE_ARN.replace('invoice-approval', 'unknown') }));
    await endings.flush();
    expect(invoice.events.map((e) => (e as { detail: { name: string } }).detail.name)).toEqual(['inv-1']);
    expect(vendor.events.map((e) => (e as { detail: { name: string } }).detail.name)).toEqual(['vbd-1']);
    expect(lines).toContain('execution other-1 ended FAILED, but no record-execution-end function records the ends of its state machine');
  });

  it('refuses a runtime without the recorder function', () => {
    expect(() => executionEndDeliveries({ functions: [otherFunction] })).toThrow(/no record-execution-end function/);
  });
});
