import type { LocalScheduler, NewSchedule } from '../scheduler/local-scheduler.js';
import type { StoredSchedule } from '../scheduler/schedule-file.js';
import { AwsProtocolError } from './protocol-error.js';
import { epochSeconds, LOCAL_ACCOUNT_ID, optionalEnum, optionalInteger, optionalString, type WireObject } from './wire.js';

/**
 * EventBridge Scheduler's REST-JSON API as the local endpoint answers it: CreateSchedule
 * (`POST /schedules/{Name}`), GetSchedule (`GET /schedules/{Name}?groupName=`), DeleteSchedule
 * (`DELETE /schedules/{Name}?groupName=`) and CreateScheduleGroup (`POST /schedule-groups/{Name}`).
 * Only one-time `at(yyyy-mm-ddThh:mm:ss)` schedules in UTC, with a Lambda function as target, run
 * locally; anything else is a ValidationException that says so, rather than a schedule that never fires.
 */
export interface RestRequest {
  method: string;
  /** The URL's path, still percent-encoded. */
  path: string;
  query: URLSearchParams;
  body: WireObject;
}

/** Whether a request's path is one of Scheduler's (the other services are told apart by X-Amz-Target). */
export function isSchedulerPath(path: string): boolean {
  return path.startsWith('/schedules/') || path.startsWith('/schedule-groups/');
}

// AWS's patterns for schedule and group names.
const NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;
const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);
const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9\-_]{1,64}(:[A-Za-z0-9\-_$]+)?$/;
const validation = (message: string) => new AwsProtocolError('ValidationException', message, 400);

/**
 * Answers one Scheduler request: the response body, or an AwsProtocolError with AWS's status.
 *
 * @example
 * const body = answerSchedulerRequest(scheduler, { method: 'GET', path: '/schedules/t1', query: new URLSearchParams('groupName=g'), body: {} }, 'us-east-1');
 */
export function answerSchedulerRequest(scheduler: LocalScheduler, request: RestRequest, region: string): object {
  const [, collection = '', encodedName = '', ...rest] = request.path.split('/');
  let name: string;
  try {
    name = decodeURIComponent(encodedName);
  } catch {
    throw validation('Name is not a valid URL path segment.');
  }
  if (rest.length > 0 || name === '') throw unknownOperation(request);
  if (!NAME.test(name)) throw validation('Name must be 1 to 64 letters, digits, hyphens, underscores or periods.');
  if (collection === 'schedule-groups' && request.method === 'POST') {
    scheduler.createGroup(name);
    return { ScheduleGroupArn: `arn:aws:scheduler:${region}:${LOCAL_ACCOUNT_ID}:schedule-group/${name}` };
  }
  if (collection !== 'schedules') throw unknownOperation(request);
  if (request.method === 'POST') {
    const schedule = scheduler.createSchedule(newSchedule(name, request.body, scheduler.now()));
    return { ScheduleArn: scheduleArn(region, schedule) };
  }
  const group = groupName(request.query.get('groupName') ?? undefined, 'groupName');
  if (request.method === 'GET') return describe(region, scheduler.getSchedule(group, name));
  if (request.method === 'DELETE') {
    scheduler.deleteSchedule(group, name);
    return {};
  }
  throw unknownOperation(request);
}

function newSchedule(name: string, body: WireObject, now: number): NewSchedule {
  const group = groupName(optionalString(body, 'GroupName'), 'GroupName');
  const expression = optionalString(body, 'ScheduleExpression');
  if (expression === undefined || expression === '') throw validation('ScheduleExpression is required.');
  const timezone = optionalString(body, 'ScheduleExpressionTimezone');
  if (timezone !== undefined && !UTC_ZONES.has(timezone)) {
    throw validation('ScheduleExpressionTimezone: the local EventBridge Scheduler runs at() schedules in UTC only; leave it out or give UTC.');
  }
  const dueAt = atExpressionTime(expression);
  // AWS refuses a one-time schedule whose time has passed; so does this, on the runtime's clock.
  if (dueAt < Math.floor(now / 1000) * 1000) throw validation('ScheduleExpression: the at() time is in the past.');
  const target = member(body, 'Target');
  const arn = optionalString(target, 'Arn');
  if (arn === undefined || arn === '') throw validation('Target.Arn is required.');
  if (!LAMBDA_FUNCTION_ARN.test(arn)) throw validation('Target.Arn: the local EventBridge Scheduler invokes Lambda functions only; give a function ARN.');
  const roleArn = optionalString(target, 'RoleArn');
  if (roleArn === undefined || roleArn === '') throw validation('Target.RoleArn is required.');
  const input = optionalString(target, 'Input');
  if (input !== undefined && (input.length < 1 || input.length > 8192)) throw validation('Target.Input must be 1 to 8192 characters long.');
  const retryPolicy = target.RetryPolicy === undefined || target.RetryPolicy === null ? undefined : retryPolicyOf(member(target, 'RetryPolicy'));
  const window = member(body, 'FlexibleTimeWindow');
  const mode = optionalEnum(window, 'Mode', ['OFF', 'FLEXIBLE'] as const);
  if (mode === undefined) throw validation('FlexibleTimeWindow.Mode is required.');
  const maximumWindowInMinutes = optionalInteger(window, 'MaximumWindowInMinutes', { min: 1, max: 1440 });
  if (mode === 'FLEXIBLE' && maximumWindowInMinutes === undefined) throw validation('FlexibleTimeWindow.MaximumWindowInMinutes is required when Mode is FLEXIBLE.');
  const description = optionalString(body, 'Description');
  return {
    name,
    group,
    expression,
    ...(timezone === undefined ? {} : { timezone }),
    dueAt,
    // A flexible window fires at its start locally: the earliest time AWS could.
    flexibleTimeWindow: { mode, ...(maximumWindowInMinutes === undefined ? {} : { maximumWindowInMinutes }) },
    target: { arn, roleArn, ...(input === undefined ? {} : { input }), ...(retryPolicy === undefined ? {} : { retryPolicy }) },
    actionAfterCompletion: optionalEnum(body, 'ActionAfterCompletion', ['NONE', 'DELETE'] as const) ?? 'NONE',
    state: optionalEnum(body, 'State', ['ENABLED', 'DISABLED'] as const) ?? 'ENABLED',
    ...(description === undefined ? {} : { description }),
  };
}

/** `at(2026-12-03T10:00:00)` as epoch ms (UTC); any other expression is refused, naming what runs locally. */
function atExpressionTime(expression: string): number {
  const match = AT.exec(expression);
  if (match === null) {
    const kind = /^(rate|cron)\(/.exec(expression)?.[1];
    throw validation(
      kind === undefined
        ? 'ScheduleExpression must be at(yyyy-mm-ddThh:mm:ss): only one-time at() schedules run locally.'
        : `ScheduleExpression: ${kind}() schedules do not run locally; only one-time at(yyyy-mm-ddThh:mm:ss) schedules do.`,
    );
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const time = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(time);
  // Date.UTC rolls 2026-02-30 over into March; AWS refuses it.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw validation('ScheduleExpression: the at() date and time do not exist.');
  }
  return time;
}

function retryPolicyOf(policy: WireObject): NonNullable<StoredSchedule['target']['retryPolicy']> {
  const maximumEventAgeInSeconds = optionalInteger(policy, 'MaximumEventAgeInSeconds', { min: 60, max: 86_400 });
  const maximumRetryAttempts = optionalInteger(policy, 'MaximumRetryAttempts', { min: 0, max: 185 });
  return { ...(maximumEventAgeInSeconds === undefined ? {} : { maximumEventAgeInSeconds }), ...(maximumRetryAttempts === undefined ? {} : { maximumRetryAttempts }) };
}

function groupName(value: string | undefined, member: string): string {
  if (value === undefined || value === '') return 'default';
  if (!NAME.test(value)) throw validation(`${member} must be 1 to 64 letters, digits, hyphens, underscores or periods.`);
  return value;
}

/** A structure member that must be present: missing is ValidationException, not an object SerializationException. */
function member(body: WireObject, name: string): WireObject {
  const value = body[name];
  if (value === undefined || value === null) throw validation(`${name} is required.`);
  if (typeof value !== 'object' || Array.isArray(value)) throw new AwsProtocolError('SerializationException', `${name} must be an object.`);
  return value as WireObject;
}

function scheduleArn(region: string, schedule: StoredSchedule): string {
  return `arn:aws:scheduler:${region}:${LOCAL_ACCOUNT_ID}:schedule/${schedule.group}/${schedule.name}`;
}

/** GetSchedule's answer, in the API's member names (timestamps as epoch seconds, restJson1's default). */
function describe(region: string, schedule: StoredSchedule): object {
  const { target } = schedule;
  return {
    Arn: scheduleArn(region, schedule),
    Name: schedule.name,
    GroupName: schedule.group,
    ScheduleExpression: schedule.expression,
    ...(schedule.timezone === undefined ? {} : { ScheduleExpressionTimezone: schedule.timezone }),
    ...(schedule.description === undefined ? {} : { Description: schedule.description }),
    State: schedule.state,
    ActionAfterCompletion: schedule.actionAfterCompletion,
    CreationDate: epochSeconds(new Date(schedule.createdAt)),
    LastModificationDate: epochSeconds(new Date(schedule.modifiedAt)),
    FlexibleTimeWindow: {
      Mode: schedule.flexibleTimeWindow.mode,
      ...(schedule.flexibleTimeWindow.maximumWindowInMinutes === undefined ? {} : { MaximumWindowInMinutes: schedule.flexibleTimeWindow.maximumWindowInMinutes }),
    },
    Target: {
      Arn: target.arn,
      RoleArn: target.roleArn,
      ...(target.input === undefined ? {} : { Input: target.input }),
      ...(target.retryPolicy === undefined
        ? {}
        : {
            RetryPolicy: {
              ...(target.retryPolicy.maximumEventAgeInSeconds === undefined ? {} : { MaximumEventAgeInSeconds: target.retryPolicy.maximumEventAgeInSeconds }),
              ...(target.retryPolicy.maximumRetryAttempts === undefined ? {} : { MaximumRetryAttempts: target.retryPolicy.maximumRetryAttempts }),
            },
          }),
    },
  };
}

function unknownOperation(request: RestRequest): AwsProtocolError {
  return new AwsProtocolError(
    'UnknownOperationException',
    `${request.method} on this path is not an operation of the local EventBridge Scheduler, which answers CreateSchedule, GetSchedule, DeleteSchedule and CreateScheduleGroup.`,
    404,
  );
}
