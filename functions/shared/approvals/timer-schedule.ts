import { createHash } from 'node:crypto';
import { ConflictException, CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { requireEnv } from '../config.js';
import { environmentClient } from '../environment-clients.js';
import { ConfigurationInvalid, safeErrorName, TransientFailure } from '../errors.js';
import { transientKind } from '../transient-errors.js';

/**
 * The approval timers of policy gates (reminders, escalations, expiry), as one-time EventBridge
 * Scheduler schedules that invoke the approval-timer function (functions/approval-timer) with
 * `{ executionId, input: { approvalId } }`. Scheduler, not a Wait state: the state machine is
 * parked on the task token, and a schedule survives anything that happens to a Lambda. Locally
 * the same calls reach the local AWS endpoint (AWS_ENDPOINT_URL_SCHEDULER).
 */

/** What a timer is for: the approval it wakes, in which execution, and when (ISO-8601). */
export interface ApprovalTimer {
  readonly executionId: string;
  readonly approvalId: string;
  readonly at: string;
}

/** Prefix of every timer's schedule name, so an operator listing the group sees what they are. */
const NAME_PREFIX = 'approval-timer-';
/** Hex digits of the hash in the name: 15 + 40 = 55 characters, within Scheduler's 64. */
const HASH_DIGITS = 40;
const MINUTE_MS = 60_000;

/**
 * If Lambda cannot take the invocation, Scheduler retries for up to an hour: the gate's task
 * timeout has an hour of margin past the last deadline (policy/route-hours.ts), so a late timer
 * still expires the approval before the task times out.
 */
const RETRY_POLICY = { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 185 } as const;

/** One client per container, built at its first use (environment-clients.ts forgets it with the others). */
const scheduler = environmentClient<SchedulerClient>(() => new SchedulerClient({}));

/** Replaces the container's SchedulerClient (tests, tools); `undefined` goes back to building it from the environment. */
export function useSchedulerClient(replacement: SchedulerClient | undefined): void {
  scheduler.use(replacement);
}

/**
 * The schedule's name: a hash of the approval and the instant, so scheduling the same timer again
 * (a retried Lambda, a replayed stream) names the same schedule and Scheduler refuses the copy.
 * Hashed because approval ids may be longer than a name and hold `:`, which names may not.
 *
 * @example
 * timerScheduleName('invoice-approval:run-1-1', '2026-12-05T09:00:00.000Z'); // 'approval-timer-3f1c…' (55 characters)
 */
export function timerScheduleName(approvalId: string, at: string): string {
  const digest = createHash('sha256').update(`${approvalId}\n${instantOf(at).toISOString()}`).digest('hex');
  return `${NAME_PREFIX}${digest.slice(0, HASH_DIGITS)}`;
}

/**
 * The schedule expression of a timer: `at(yyyy-mm-ddThh:mm:ss)` in UTC, rounded up to the second
 * (a timer may fire late, never before its instant). Scheduler refuses an `at()` in the past, so
 * an instant not after `now` (a level a vote just opened, or a deadline passed while the Lambda
 * ran or retried) fires `leadSeconds` after now: by default a minute, rounded up to the minute,
 * Scheduler's own precision. The local runtime's scheduler fires to the second and sets
 * APPROVAL_TIMER_LEAD_SECONDS to 1, so a level opened by a vote is announced at once there.
 *
 * @example
 * timerExpression('2026-12-05T09:00:00.250Z', new Date('2026-12-01T00:00:00Z')); // 'at(2026-12-05T09:00:01)'
 * timerExpression('2026-11-30T00:00:00Z', new Date('2026-12-01T10:00:30Z')); // 'at(2026-12-01T10:02:00)'
 * timerExpression('2026-11-30T00:00:00Z', new Date('2026-12-01T10:00:30.200Z'), 1); // 'at(2026-12-01T10:00:32)'
 */
export function timerExpression(at: string, now: Date, leadSeconds = DEFAULT_LEAD_SECONDS): string {
  const instant = instantOf(at).getTime();
  const unit = leadSeconds >= 60 ? MINUTE_MS : 1000;
  const fires = instant > now.getTime() ? Math.ceil(instant / 1000) * 1000 : Math.ceil((now.getTime() + leadSeconds * 1000) / unit) * unit;
  return `at(${new Date(fires).toISOString().slice(0, 19)})`;
}

/** Scheduler's precision: a timer already due fires about a minute later on AWS. */
const DEFAULT_LEAD_SECONDS = 60;

/** APPROVAL_TIMER_LEAD_SECONDS when it is a whole number from 1 to 60, else the default. */
function leadSeconds(): number {
  const value = Number(process.env.APPROVAL_TIMER_LEAD_SECONDS);
  return Number.isInteger(value) && value >= 1 && value <= 60 ? value : DEFAULT_LEAD_SECONDS;
}

/**
 * Schedules the approval-timer function to run for `approvalId` at `at`, once: a schedule in
 * APPROVAL_SCHEDULE_GROUP that invokes APPROVAL_TIMER_ARN as APPROVAL_TIMER_ROLE_ARN and deletes
 * itself after. Scheduling the same (approvalId, at) again is a no-op (ConflictException: it is
 * already scheduled). A throttle or service fault is a TransientFailure (the caller's state
 * machine retries it); any other refusal is a ConfigurationInvalid naming the error, never an id
 * (the group, the role or the grants are wrong).
 *
 * @example
 * await scheduleApprovalTimer({ executionId, approvalId, at: nextTimerAt(state) }, ctx.deps.now());
 */
export async function scheduleApprovalTimer(timer: ApprovalTimer, now: Date): Promise<void> {
  const command = new CreateScheduleCommand({
    Name: timerScheduleName(timer.approvalId, timer.at),
    GroupName: requireEnv('APPROVAL_SCHEDULE_GROUP'),
    ScheduleExpression: timerExpression(timer.at, now, leadSeconds()),
    ScheduleExpressionTimezone: 'UTC',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    State: 'ENABLED',
    Target: {
      Arn: requireEnv('APPROVAL_TIMER_ARN'),
      RoleArn: requireEnv('APPROVAL_TIMER_ROLE_ARN'),
      Input: JSON.stringify({ executionId: timer.executionId, input: { approvalId: timer.approvalId } }),
      RetryPolicy: { ...RETRY_POLICY },
    },
  });
  try {
    await scheduler.get().send(command);
  } catch (error) {
    if (error instanceof ConflictException || safeErrorName(error) === 'ConflictException') return;
    const kind = transientKind(error);
    if (kind !== undefined) throw new TransientFailure('approval-timer-schedule', kind);
    throw new ConfigurationInvalid(`EventBridge Scheduler refused an approval timer (${safeErrorName(error, 'UnknownError')}); check APPROVAL_SCHEDULE_GROUP, APPROVAL_TIMER_ROLE_ARN and the function's scheduler grants`);
  }
}

function instantOf(at: string): Date {
  const instant = new Date(at);
  if (typeof at !== 'string' || Number.isNaN(instant.getTime())) throw new ConfigurationInvalid('an approval timer needs an ISO-8601 instant');
  return instant;
}
