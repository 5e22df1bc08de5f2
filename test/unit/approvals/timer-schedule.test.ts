import { ConflictException, CreateScheduleCommand, ResourceNotFoundException, SchedulerClient, ThrottlingException } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import * as fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scheduleApprovalTimer, timerExpression, timerScheduleName, useSchedulerClient } from '../../../functions/shared/approvals/timer-schedule.js';
import { ConfigurationInvalid, TransientFailure } from '../../../functions/shared/errors.js';

const VARIABLES = {
  APPROVAL_SCHEDULE_GROUP: 'wardflow-dev-approval-timers',
  APPROVAL_TIMER_ARN: 'arn:aws:lambda:eu-west-1:111111111111:function:approval-timer',
  APPROVAL_TIMER_ROLE_ARN: 'arn:aws:iam::111111111111:role/wardflow-dev-approval-timer-scheduler',
};
const NOW = new Date('2026-12-01T10:00:30.000Z');
const TIMER = { executionId: 'expense-policy:run-1', approvalId: 'expense-policy:run-1-1', at: '2026-12-03T10:00:00.000Z' };

const scheduler = mockClient(SchedulerClient);
let saved: Record<string, string | undefined>;

beforeAll(() => useSchedulerClient(new SchedulerClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } })));
afterAll(() => useSchedulerClient(undefined));
beforeEach(() => {
  scheduler.reset();
  saved = Object.fromEntries(Object.keys(VARIABLES).map((name) => [name, process.env[name]]));
  Object.assign(process.env, VARIABLES);
});
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('timerScheduleName', () => {
  it('is the same for the same approval and instant, however the instant is written, and differs for another of either', () => {
    const name = timerScheduleName(TIMER.approvalId, TIMER.at);
    expect(timerScheduleName(TIMER.approvalId, '2026-12-03T10:00:00Z')).toBe(name);
    expect(timerScheduleName(TIMER.approvalId, '2026-12-03T10:00:01.000Z')).not.toBe(name);
    expect(timerScheduleName('expense-policy:run-1-2', TIMER.at)).not.toBe(name);
  });

  it('is a valid schedule name for any approval id: at most 64 characters of [0-9a-zA-Z-_.], naming no id', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), (approvalId, at) => {
        const name = timerScheduleName(approvalId, at.toISOString());
        expect(name).toMatch(/^[0-9a-zA-Z\-_.]{1,64}$/);
        expect(name.startsWith('approval-timer-')).toBe(true);
      }),
    );
    expect(timerScheduleName(TIMER.approvalId, TIMER.at)).not.toContain('run-1');
  });
});

describe('timerExpression', () => {
  it('is at() of the instant in UTC, rounded up to the second, when the instant is in the future', () => {
    expect(timerExpression('2026-12-03T10:00:00.000Z', NOW)).toBe('at(2026-12-03T10:00:00)');
    expect(timerExpression('2026-12-03T10:00:00.001Z', NOW)).toBe('at(2026-12-03T10:00:01)');
    expect(timerExpression('2026-12-03T12:00:00+02:00', NOW)).toBe('at(2026-12-03T10:00:00)');
  });

  it('is now + 1 minute rounded up to the minute when the instant is not in the future (Scheduler refuses a past at())', () => {
    expect(timerExpression('2026-11-30T00:00:00.000Z', NOW)).toBe('at(2026-12-01T10:02:00)');
    expect(timerExpression(NOW.toISOString(), NOW)).toBe('at(2026-12-01T10:02:00)');
    expect(timerExpression('2026-12-01T09:00:00Z', new Date('2026-12-01T10:00:00.000Z'))).toBe('at(2026-12-01T10:01:00)');
  });
});

describe('scheduleApprovalTimer', () => {
  it('creates a one-time schedule in the group that invokes approval-timer as the timer role with { executionId, input: { approvalId } }, then deletes itself', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:eu-west-1:111111111111:schedule/x/y' });
    await scheduleApprovalTimer(TIMER, NOW);
    const calls = scheduler.commandCalls(CreateScheduleCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input).toEqual({
      Name: timerScheduleName(TIMER.approvalId, TIMER.at),
      GroupName: VARIABLES.APPROVAL_SCHEDULE_GROUP,
      ScheduleExpression: 'at(2026-12-03T10:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: {
        Arn: VARIABLES.APPROVAL_TIMER_ARN,
        RoleArn: VARIABLES.APPROVAL_TIMER_ROLE_ARN,
        Input: JSON.stringify({ executionId: TIMER.executionId, input: { approvalId: TIMER.approvalId } }),
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 185 },
      },
    });
    expect(JSON.parse(input.Target!.Input!)).toEqual({ executionId: TIMER.executionId, input: { approvalId: TIMER.approvalId } });
  });

  it('schedules a past instant for now + 1 minute, under the name of the instant asked for (a retry names the same schedule)', async () => {
    scheduler.on(CreateScheduleCommand).resolves({});
    await scheduleApprovalTimer({ ...TIMER, at: '2026-11-30T00:00:00.000Z' }, NOW);
    const input = scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input;
    expect(input.ScheduleExpression).toBe('at(2026-12-01T10:02:00)');
    expect(input.Name).toBe(timerScheduleName(TIMER.approvalId, '2026-11-30T00:00:00.000Z'));
  });

  it('takes ConflictException (a schedule of that name exists) as already scheduled', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'Schedule already exists.', Message: 'Schedule already exists.', $metadata: {} }));
    await expect(scheduleApprovalTimer(TIMER, NOW)).resolves.toBeUndefined();
  });

  it('fails with TransientFailure on a throttle or a service fault, so the caller is retried', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } }));
    await expect(scheduleApprovalTimer(TIMER, NOW)).rejects.toBeInstanceOf(TransientFailure);
    scheduler.on(CreateScheduleCommand).rejects(Object.assign(new Error('boom'), { name: 'InternalServerException', $metadata: { httpStatusCode: 500 } }));
    await expect(scheduleApprovalTimer(TIMER, NOW)).rejects.toBeInstanceOf(TransientFailure);
  });

  it('fails with ConfigurationInvalid naming the error, and no id, on any other refusal (a missing group, a denied role)', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new ResourceNotFoundException({ message: 'Schedule group does not exist.', Message: 'Schedule group does not exist.', $metadata: { httpStatusCode: 404 } }));
    const error = await scheduleApprovalTimer(TIMER, NOW).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationInvalid);
    expect((error as Error).message).toContain('ResourceNotFoundException');
    expect((error as Error).message).not.toContain(TIMER.approvalId);
    expect((error as Error).message).not.toContain('run-1');
  });

  it('refuses to run without its variables, naming the missing one', async () => {
    delete process.env.APPROVAL_TIMER_ROLE_ARN;
    await expect(scheduleApprovalTimer(TIMER, NOW)).rejects.toThrow(/APPROVAL_TIMER_ROLE_ARN is not set/);
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(0);
  });
});
