import { CreateScheduleGroupCommand, GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { scheduleApprovalTimer, timerScheduleName, useSchedulerClient } from '../../../functions/shared/approvals/timer-schedule.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../../support/dynalite.js';
import { describeWithMoto } from '../../support/moto.js';

/**
 * scheduleApprovalTimer against moto's EventBridge Scheduler: the group must exist (as on AWS),
 * the schedule carries the expression, target and input the approval-timer function is invoked
 * with, and scheduling the same timer twice leaves one schedule. (A missing group is not tried
 * here: moto 5.2 answers it with a 500 where AWS answers ResourceNotFoundException; the unit
 * test covers that refusal with the SDK's own exception.)
 */
const GROUP = 'wardflow-dev-approval-timers';
const VARIABLES = {
  APPROVAL_SCHEDULE_GROUP: GROUP,
  APPROVAL_TIMER_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:wardflow-dev-approval-timer',
  APPROVAL_TIMER_ROLE_ARN: 'arn:aws:iam::123456789012:role/wardflow-dev-approval-timer-scheduler',
};
const NOW = new Date('2026-12-01T10:00:30.000Z');
const TIMER = { executionId: 'expense-policy:run-7', approvalId: 'expense-policy:run-7-1', at: '2030-01-02T03:04:05.000Z' };

describeWithMoto('scheduleApprovalTimer', (moto) => {
  let client: SchedulerClient;
  let saved: Record<string, string | undefined>;
  beforeAll(() => {
    client = new SchedulerClient({ endpoint: moto().endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    useSchedulerClient(client);
  });
  afterAll(() => {
    useSchedulerClient(undefined);
    client?.destroy();
  });
  beforeEach(() => {
    saved = Object.fromEntries(Object.keys(VARIABLES).map((name) => [name, process.env[name]]));
    Object.assign(process.env, VARIABLES);
  });
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('creates one schedule in the group, and scheduling the same timer again is a no-op', async () => {
    await client.send(new CreateScheduleGroupCommand({ Name: GROUP }));
    await scheduleApprovalTimer(TIMER, NOW);
    await scheduleApprovalTimer(TIMER, NOW);

    const listed = await client.send(new ListSchedulesCommand({ GroupName: GROUP }));
    expect(listed.Schedules?.map((s) => s.Name)).toEqual([timerScheduleName(TIMER.approvalId, TIMER.at)]);

    const schedule = await client.send(new GetScheduleCommand({ Name: timerScheduleName(TIMER.approvalId, TIMER.at), GroupName: GROUP }));
    expect(schedule.ScheduleExpression).toBe('at(2030-01-02T03:04:05)');
    expect(schedule.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    expect(schedule.Target?.Arn).toBe(VARIABLES.APPROVAL_TIMER_ARN);
    expect(schedule.Target?.RoleArn).toBe(VARIABLES.APPROVAL_TIMER_ROLE_ARN);
    expect(JSON.parse(schedule.Target?.Input ?? 'null')).toEqual({ executionId: TIMER.executionId, input: { approvalId: TIMER.approvalId } });
  });

  it('keeps another instant of the same approval as a schedule of its own', async () => {
    const later = { ...TIMER, at: '2030-01-03T03:04:05.000Z' };
    await scheduleApprovalTimer(later, NOW);
    const listed = await client.send(new ListSchedulesCommand({ GroupName: GROUP }));
    expect(listed.Schedules?.map((s) => s.Name).sort()).toEqual([timerScheduleName(TIMER.approvalId, TIMER.at), timerScheduleName(later.approvalId, later.at)].sort());
  });
});
