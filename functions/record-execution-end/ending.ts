import type { Json, NewEvent, StoredEvent } from '../shared/events/event.js';
import type { AcceptedEnding, RecordedStatus } from './status-change.js';

/** The actor of what this function records: not a step of the workflow, the system watching its executions. */
export const RECORDER_ACTOR = 'system:record-execution-end';

/** Error names as Step Functions gives them (`States.Timeout`, `FailureNotRecorded`), as record-outcome accepts them; anything else is not stored. */
const ERROR_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,127}$/;

/**
 * The name recorded when the execution ended without an error name (StopExecution without one, an
 * execution timeout): Step Functions' own history event type of that ending.
 */
const ENDING_WITHOUT_ERROR: Record<RecordedStatus, string> = {
  FAILED: 'ExecutionFailed',
  TIMED_OUT: 'ExecutionTimedOut',
  ABORTED: 'ExecutionAborted',
};

/** What to do with an execution's stream for an ending. */
export type EndingDecision =
  /** The stream already holds its end (record-outcome, or an earlier delivery of this event): nothing to add. */
  | { kind: 'already-ended'; type: 'ExecutionSucceeded' | 'ExecutionFailed' }
  /** Append this event at the head the decision was made on. */
  | { kind: 'record'; event: NewEvent; paid: boolean }
  /**
   * The stream was started by an execution of another workflow. Execution ids are qualified by their
   * workflow (`<workflow>:<name>`), so on AWS, where IAM keeps each workflow to its own streams, this
   * cannot happen; it is kept for the local runtime, which enforces no IAM, and for ids without a
   * workflow (streams written before ids were qualified): nothing is written to it.
   */
  | { kind: 'another-workflow'; workflow: string };

/**
 * Decides how an ending reaches an execution's stream. Pure: the same stream and ending always
 * give the same decision.
 *
 * - A stream that already ends (ExecutionSucceeded or ExecutionFailed) gets nothing: the first end
 *   is the one that happened, and a redelivered event finds its own earlier append here.
 * - A stream with PaymentRecorded and no end: the invoice WAS paid (only the recording of the
 *   success failed, or the execution was stopped after paying). ExecutionFailed there would say
 *   "not paid" and invite paying twice, so the end is recorded as ExecutionSucceeded, which is what
 *   RecordSuccess would have written, with the status and error Step Functions ended on.
 * - Otherwise ExecutionFailed with the status and the error's name, also on an empty stream (an
 *   input that never reached RecordStart): the fold reads a stream that starts with its end as failed.
 *
 * The cause is never recorded: it may quote execution input.
 *
 * @example
 * endingToRecord([], { name: 'inv-1', status: 'ABORTED' });
 * // { kind: 'record', paid: false, event: { type: 'ExecutionFailed', actor: 'system:record-execution-end',
 * //   data: { error: 'ExecutionAborted', status: 'ABORTED' } } }
 */
export function endingToRecord(events: readonly StoredEvent[], ending: AcceptedEnding, workflow?: string): EndingDecision {
  const started = events[0];
  if (workflow !== undefined && started?.type === 'ExecutionStarted' && typeof started.data.workflow === 'string' && started.data.workflow !== workflow) {
    return { kind: 'another-workflow', workflow: started.data.workflow };
  }
  const end = events.find((event) => event.type === 'ExecutionSucceeded' || event.type === 'ExecutionFailed');
  if (end !== undefined) return { kind: 'already-ended', type: end.type as 'ExecutionSucceeded' | 'ExecutionFailed' };
  const error = ending.error === undefined ? ENDING_WITHOUT_ERROR[ending.status] : ERROR_NAME.test(ending.error) ? ending.error : 'UnrecognisedError';
  const data: { [key: string]: Json } = { error, status: ending.status, ...(ending.stoppedAt === undefined ? {} : { stoppedAt: ending.stoppedAt }) };
  const paid = events.some((event) => event.type === 'PaymentRecorded');
  return { kind: 'record', paid, event: { type: paid ? 'ExecutionSucceeded' : 'ExecutionFailed', actor: RECORDER_ACTOR, data } };
}
