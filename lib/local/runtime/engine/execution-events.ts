import { randomUUID } from 'node:crypto';
import {
  RECORDED_STATUSES,
  STATUS_CHANGE_DETAIL_TYPE,
  STATUS_CHANGE_SOURCE,
} from '../../../../functions/record-execution-end/status-change.js';
import { EXECUTION_END_RECORDER_FUNCTION } from '../../../constructs/execution-end-recorder.js';
import type { EndedExecution } from './engine.js';
import { invokeLocalLambda, type LocalLambda } from '../lambda/lambda-invoke.js';

export interface ExecutionEndDeliveryOptions {
  /**
   * The runtime's functions; those whose handler is record-execution-end receive the events, each
   * those of the state machine its STATE_MACHINE_ARN names (every one, if its environment is unknown).
   */
  functions: readonly LocalLambda[];
  /** Progress lines: an end recorded, a delivery given up. @default none */
  log?: (line: string) => void;
  /** Invocations per ending before it is given up (AWS: Lambda's async retries, then the dead-letter queue). @default 4 */
  attempts?: number;
  /** Pause before attempt number `attempt` (2, 3, ...), in ms. @default 250 ms doubling */
  retryDelayMs?: (attempt: number) => number;
  /** How long `stop()` waits for deliveries under way. @default 10 s */
  stopGraceMs?: number;
}

export interface ExecutionEndDeliveries {
  /** The engine's `onEnded`: starts delivering in the background and returns at once; never throws. */
  deliver(ended: EndedExecution): void;
  /** Resolves once every delivery started so far (and any started meanwhile) has finished: recorded, ignored or given up. */
  flush(): Promise<void>;
  /** Waits (up to the grace) for the deliveries under way, so none is cut off while the servers it needs stop. */
  stop(): Promise<void>;
}

/**
 * What EventBridge and its rule do on AWS (lib/constructs/execution-end-recorder.ts), for the local
 * engine: every execution that ends FAILED, TIMED_OUT or ABORTED becomes the "Step Functions
 * Execution Status Change" event Step Functions would send, delivered to the real
 * functions/record-execution-end handler in the background, with a few retries and backoff. A
 * delivery that still fails is logged and dropped, as a dead letter would be, and never thrown at
 * the engine. Each workflow has its own rule and recorder: an ending goes to the recorder whose
 * STATE_MACHINE_ARN is the execution's state machine. The handler checks it again, as it does on AWS.
 *
 * The event carries no execution input (the engine does not hand it over): as on AWS when the input
 * is too large to include, `inputDetails.included` is false. The recorder never reads it anyway.
 *
 * @example
 * const endings = executionEndDeliveries({ functions, log });
 * const engine = new LocalEngine({ dataDir, stateMachines, functions, log, onEnded: endings.deliver });
 * // ... on stop, after the engine and before the servers:
 * await endings.stop();
 */
export function executionEndDeliveries(options: ExecutionEndDeliveryOptions): ExecutionEndDeliveries {
  const recorders = options.functions.filter((fn) => fn.handler === EXECUTION_END_RECORDER_FUNCTION);
  if (recorders.length === 0) throw new Error(`the synthesized application has no ${EXECUTION_END_RECORDER_FUNCTION} function`);
  // What each workflow's rule matches: its own state machine.
  const recordersOf = (ended: EndedExecution) =>
    recorders.filter((fn) => fn.environment?.STATE_MACHINE_ARN === undefined || fn.environment.STATE_MACHINE_ARN === ended.stateMachineArn);
  const log = options.log ?? (() => undefined);
  const attempts = Math.max(1, options.attempts ?? 4);
  const retryDelayMs = options.retryDelayMs ?? ((attempt: number) => 250 * 2 ** (attempt - 2));
  const inFlight = new Set<Promise<void>>();

  const deliverOne = async (ended: EndedExecution, recorder: LocalLambda): Promise<void> => {
    const event = statusChangeEvent(ended);
    let lastError = 'Error';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt)));
      try {
        const answer = (await invokeLocalLambda(recorder, event)) as { result?: string; type?: string } | null;
        if (answer?.result === 'recorded') log(`execution ${ended.name}: its end (${ended.status}) recorded as ${answer.type}`);
        return;
      } catch (error) {
        // The function error's name only: its message may say more than a progress line should.
        lastError = error instanceof Error ? error.name : 'Error';
      }
    }
    log(
      `execution ${ended.name} ended ${ended.status}, but recording its end failed ${attempts} times (${lastError}); ` +
        `the event store does not show it ended: see the step log (record-execution-end)`,
    );
  };

  const deliver = (ended: EndedExecution): void => {
    // What the rule matches: SUCCEEDED is recorded by the workflow itself.
    if (!(RECORDED_STATUSES as readonly string[]).includes(ended.status)) return;
    const targets = recordersOf(ended);
    if (targets.length === 0) log(`execution ${ended.name} ended ${ended.status}, but no ${EXECUTION_END_RECORDER_FUNCTION} function records the ends of its state machine`);
    for (const recorder of targets) {
      const delivery = deliverOne(ended, recorder).catch(() => undefined);
      inFlight.add(delivery);
      void delivery.finally(() => inFlight.delete(delivery));
    }
  };

  const flush = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };

  const stop = async (): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, options.stopGraceMs ?? 10_000);
    });
    await Promise.race([flush(), grace]);
    clearTimeout(timer);
    if (inFlight.size > 0) log(`${inFlight.size} execution end(s) still being recorded at stop; they are not recorded`);
  };

  return { deliver, flush, stop };
}

/**
 * The event Step Functions sends EventBridge when an execution's status changes: dates in epoch
 * milliseconds, error and cause null when absent, the account and region of the execution's ARN.
 *
 * @example
 * statusChangeEvent({ executionArn, stateMachineArn, name: 'inv-1', status: 'ABORTED', startDate, stopDate }).detail.status; // 'ABORTED'
 */
export function statusChangeEvent(ended: EndedExecution): Record<string, unknown> {
  // arn:aws:states:<region>:<account>:execution:<state machine>:<name>
  const [, , , region, account] = ended.executionArn.split(':');
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': STATUS_CHANGE_DETAIL_TYPE,
    source: STATUS_CHANGE_SOURCE,
    account,
    // EventBridge's event time has whole seconds.
    time: `${ended.stopDate.slice(0, 19)}Z`,
    region,
    resources: [ended.executionArn],
    detail: {
      executionArn: ended.executionArn,
      stateMachineArn: ended.stateMachineArn,
      name: ended.name,
      status: ended.status,
      startDate: Date.parse(ended.startDate),
      stopDate: Date.parse(ended.stopDate),
      input: null,
      inputDetails: { included: false },
      output: null,
      outputDetails: null,
      error: ended.error ?? null,
      cause: ended.cause ?? null,
    },
  };
}
