import * as z from 'zod';
import { ExecutionIdSchema } from '../shared/middleware/envelope.js';

/** EventBridge's `source` of Step Functions' own events. */
export const STATUS_CHANGE_SOURCE = 'aws.states';
/** EventBridge's `detail-type` of the event Step Functions sends when an execution's status changes. */
export const STATUS_CHANGE_DETAIL_TYPE = 'Step Functions Execution Status Change';

/**
 * The endings the state machine's own failure path may never have recorded: a Fail state reached
 * without RecordFailure (FailureNotRecorded, a States.Runtime error), the execution's timeout, and
 * StopExecution. SUCCEEDED is not among them: only RecordSuccess leads to the Succeed state, so a
 * succeeded execution has always recorded its end. The CDK rule matches these and the local runtime
 * delivers these, so both read this one list.
 */
export const RECORDED_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type RecordedStatus = (typeof RECORDED_STATUSES)[number];

/** A date as the event gives it, within what a JavaScript Date can hold (so toISOString cannot throw). */
const EpochMillis = z.number().int().nonnegative().max(8_640_000_000_000_000);

/**
 * The fields of EventBridge's "Step Functions Execution Status Change" event that the recorder
 * reads. Dates are epoch milliseconds; `stopDate` is null while the execution runs. `input` and
 * `output` (execution data: document text) are in the event too, and are left out here on purpose,
 * so they are dropped at parsing and can reach no log line or event. `error` and `cause` are null
 * when the execution has none; `cause` is parsed only to be dropped (it may quote input).
 */
export const StatusChangeEventSchema = z.object({
  source: z.literal(STATUS_CHANGE_SOURCE),
  'detail-type': z.literal(STATUS_CHANGE_DETAIL_TYPE),
  detail: z.object({
    executionArn: z.string().min(1).max(2048),
    stateMachineArn: z.string().min(1).max(2048),
    // Any string here: an execution name the steps could not have used is ignored with its own reason.
    name: z.string().min(1).max(256),
    // Any string: a status the recorder does not record is ignored with its own reason, not as malformed.
    status: z.string().min(1).max(64),
    startDate: EpochMillis,
    stopDate: EpochMillis.nullable(),
    error: z.string().max(256).nullish(),
    cause: z.string().nullish(),
  }),
});
export type StatusChangeEvent = z.output<typeof StatusChangeEventSchema>;

/** An ending this recorder records, from an event it accepted. */
export interface AcceptedEnding {
  /** The execution's name: `executionId` of its steps, so its stream is `execution#<name>`. */
  name: string;
  status: RecordedStatus;
  /** The error name Step Functions gave, if any (unchecked: see endingToRecord). */
  error?: string;
  /** When the execution stopped, ISO-8601, if the event says. */
  stoppedAt?: string;
}

/** Why an event is not recorded: each is logged by the handler and the event is dropped. */
export type IgnoredReason = 'malformed' | 'other-state-machine' | 'status-not-recorded' | 'execution-name-not-usable';

/**
 * Reads an EventBridge event as an ending to record, or says why not. Never throws: retrying an
 * event this function refuses would refuse it again.
 *
 * @example
 * const accepted = acceptStatusChange(event, process.env.STATE_MACHINE_ARN);
 * if ('ignored' in accepted) logger.info('ignored', { reason: accepted.ignored });
 */
export function acceptStatusChange(event: unknown, stateMachineArn: string): AcceptedEnding | { ignored: IgnoredReason; issues?: string[]; status?: string } {
  const parsed = StatusChangeEventSchema.safeParse(event);
  // Paths only: a value could be anything, execution input included.
  if (!parsed.success) return { ignored: 'malformed', issues: parsed.error.issues.map((issue) => issue.path.join('.') || '(event)').slice(0, 10) };
  const detail = parsed.data.detail;
  if (detail.stateMachineArn !== stateMachineArn) return { ignored: 'other-state-machine' };
  if (!(RECORDED_STATUSES as readonly string[]).includes(detail.status)) return { ignored: 'status-not-recorded', status: safeStatus(detail.status) };
  // The steps refuse any other executionId, so no stream of such a name exists to end.
  if (!ExecutionIdSchema.safeParse(detail.name).success) return { ignored: 'execution-name-not-usable' };
  return {
    name: detail.name,
    status: detail.status as RecordedStatus,
    ...(detail.error ? { error: detail.error } : {}),
    ...(detail.stopDate === null ? {} : { stoppedAt: new Date(detail.stopDate).toISOString() }),
  };
}

/** A status as it may be logged: Step Functions' statuses are upper-case words. */
function safeStatus(status: string): string {
  return /^[A-Z_]{1,32}$/.test(status) ? status : '(unrecognised)';
}
