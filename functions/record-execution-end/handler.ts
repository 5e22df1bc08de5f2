import type { Context } from 'aws-lambda';
import { requireEnv } from '../shared/config.js';
import { ConcurrencyConflict, safeErrorName } from '../shared/errors.js';
import { emitMetrics } from '../shared/metrics/emit.js';
import { DIMENSION, METRIC } from '../shared/metrics/metric-names.js';
import { executionStream } from '../shared/events/event.js';
import { qualifiedExecutionId } from '../shared/events/execution-id.js';
import { readVerified } from '../shared/events/read-verified.js';
import { createStepLogger } from '../shared/middleware/logger.js';
import { Redactor } from '../shared/middleware/redact.js';
import { getDependencies } from '../shared/runtime.js';
import { endingToRecord } from './ending.js';
import { acceptStatusChange, type IgnoredReason } from './status-change.js';

export const RECORDER_FUNCTION = 'record-execution-end';

const logger = createStepLogger({ step: RECORDER_FUNCTION, redactor: new Redactor() });

/** Reads and appends per event: another writer moving the stream this often is worth a retry of the whole event. */
const MAX_ATTEMPTS = 5;

/** What one invocation did, for the local runtime's log and the tests. */
export type RecorderResult =
  | { result: 'recorded'; type: 'ExecutionSucceeded' | 'ExecutionFailed' }
  | { result: 'already-recorded' }
  | { result: 'ignored'; reason: IgnoredReason | 'another-workflow' };

/**
 * Records the endings the state machine's failure path never recorded. EventBridge invokes it with
 * "Step Functions Execution Status Change" for FAILED, TIMED_OUT and ABORTED executions of the
 * workflow's state machine (the local runtime does the same, lib/local/runtime/execution-events.ts).
 * It reads the execution's stream (hash chain verified) and, when the stream has no end yet,
 * appends one: ExecutionFailed naming the status and the error, or ExecutionSucceeded when the
 * stream shows the invoice paid (see endingToRecord).
 *
 * Not defineStep: the event is not a step envelope, and the audit middleware's StepSucceeded on
 * every invocation would make a redelivered event append again. So: idempotent (a stream that has
 * its end gets nothing), and safe against a step still writing (the append is at the version read;
 * ConcurrencyConflict reads and decides again). An event it cannot use (malformed, another state
 * machine, another status, an execution name no step accepts) is logged and dropped; a store that
 * fails, or a stream whose chain does not verify, throws, so Lambda retries the event and then
 * sends it to the dead-letter queue.
 *
 * EventBridge names the execution by its Step Functions name; the steps recorded it as
 * `<workflow>:<name>` (functions/shared/events/execution-id.ts), so the stream is
 * `execution#<WORKFLOW_NAME>:<name>`, the only execution streams its role may touch.
 *
 * Environment: STATE_MACHINE_ARN (the workflow's state machine), WORKFLOW_NAME, and the event store's
 * (EVENTS_TABLE, DATA_KEY_ID, ...: it reads and appends, and never seals or opens anything).
 *
 * Logs the execution's name, the status and the error's name; never the cause or the execution's
 * input and output, which the event carries.
 */
export async function handler(event: unknown, context: Context): Promise<RecorderResult> {
  const deps = getDependencies();
  logger.setLogLevel(deps.config.logLevel);
  logger.resetKeys();
  logger.appendKeys({ awsRequestId: typeof context?.awsRequestId === 'string' ? context.awsRequestId : '(none)' });

  const accepted = acceptStatusChange(event, requireEnv('STATE_MACHINE_ARN'));
  if ('ignored' in accepted) {
    const { ignored, ...details } = accepted;
    // Malformed is unexpected (the rule's pattern lets only status changes through); the rest is routine.
    (ignored === 'malformed' ? logger.warn : logger.info).call(logger, 'status change ignored', { reason: ignored, ...details });
    return { result: 'ignored', reason: ignored };
  }
  const workflow = requireEnv('WORKFLOW_NAME');
  const executionId = qualifiedExecutionId(workflow, accepted.name);
  logger.appendKeys({ executionId });
  countEnding(accepted.error, accepted.status);

  const stream = executionStream(executionId);
  let conflict: ConcurrencyConflict | undefined;
  try {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const events = await readVerified(deps.store, stream);
      const decision = endingToRecord(events, accepted, workflow);
      if (decision.kind === 'another-workflow') {
        logger.warn('the stream belongs to an execution of another workflow with the same name; nothing recorded', { status: accepted.status, streamWorkflow: decision.workflow });
        return { result: 'ignored', reason: 'another-workflow' };
      }
      if (decision.kind === 'already-ended') {
        logger.info('execution end already on record; nothing recorded', { status: accepted.status, recorded: decision.type });
        return { result: 'already-recorded' };
      }
      try {
        await deps.store.append(stream, events.at(-1)?.version ?? 0, [decision.event]);
      } catch (error) {
        if (!(error instanceof ConcurrencyConflict)) throw error;
        conflict = error;
        continue;
      }
      logger.info('execution end recorded', {
        status: accepted.status,
        error: decision.event.data.error ?? null,
        recorded: decision.event.type,
        paid: decision.paid,
        emptyStream: events.length === 0,
      });
      return { result: 'recorded', type: decision.event.type as 'ExecutionSucceeded' | 'ExecutionFailed' };
    }
    throw conflict as ConcurrencyConflict;
  } catch (error) {
    logger.error('execution end not recorded; the event will be retried', { status: accepted.status, error: safeErrorName(error) });
    throw error;
  }
}

/**
 * ExecutionsEndedBadly by workflow and error: every FAILED, TIMED_OUT and ABORTED end of the
 * workflow reaches this function, the ones the state machine recorded itself included, so the
 * `not-recorded` alarm watches FailureNotRecorded and the workflow's success-not-recorded error
 * here. Counted before the store is read: an end that cannot be recorded is still counted (a
 * redelivered event counts twice; the alarm fires on one). An error name that is not a plain name
 * is counted under the status, so nothing odd becomes a dimension value.
 */
function countEnding(error: string | undefined, status: string): void {
  const workflow = process.env.WORKFLOW_NAME;
  if (workflow === undefined || workflow === '') return;
  const name = error !== undefined && /^[A-Za-z][A-Za-z0-9_.]{0,63}$/.test(error) ? error : status;
  try {
    emitMetrics({ [DIMENSION.workflow]: workflow, [DIMENSION.error]: name }, [{ name: METRIC.executionsEndedBadly, unit: 'Count', value: 1 }]);
  } catch (failure) {
    logger.warn('metrics not emitted', { error: safeErrorName(failure) });
  }
}
