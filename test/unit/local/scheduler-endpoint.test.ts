import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConflictException,
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ValidationException,
} from '@aws-sdk/client-scheduler';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalKms } from '../../../lib/local/aws-endpoint/kms.js';
import { LocalSecrets } from '../../../lib/local/aws-endpoint/secrets.js';
import { startLocalAwsEndpoint, type LocalAwsEndpoint } from '../../../lib/local/aws-endpoint/server.js';
import { openDataFolder } from '../../../lib/local/data-folder.js';
import { LocalScheduler } from '../../../lib/local/scheduler/local-scheduler.js';

const REGION = 'us-east-1';
const GROUP = 'wardflow-local-approvals';
const TIMER_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:wardflow-local-approval-timer';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/wardflow-local-approval-scheduler';
/** The runtime clock of these tests: fixed, so at() times are in the future or past by construction. */
const NOW = Date.parse('2026-12-03T10:00:00Z');

function atOf(ms: number): string {
  return `at(${new Date(ms).toISOString().slice(0, 19)})`;
}

function request(name: string, overrides: Partial<CreateScheduleCommandInput> = {}): CreateScheduleCommandInput {
  return {
    Name: name,
    GroupName: GROUP,
    ScheduleExpression: atOf(NOW + 3_600_000),
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'DELETE',
    Target: {
      Arn: TIMER_ARN,
      RoleArn: ROLE_ARN,
      Input: JSON.stringify({ executionId: 'e1', input: { approvalId: 'e1-1' } }),
      RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
    },
    ...overrides,
  };
}

describe('local AWS endpoint: EventBridge Scheduler (REST-JSON) with the real SDK client', () => {
  let dataDir: string;
  let aws: LocalAwsEndpoint;
  let scheduler: LocalScheduler;
  let client: SchedulerClient;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'wardflow-scheduler-endpoint-'));
    const folder = openDataFolder(dataDir, []);
    scheduler = LocalScheduler.open({ dataDir, now: () => NOW, groups: [GROUP], invoke: async () => undefined, log: () => undefined });
    aws = await startLocalAwsEndpoint({ port: 0, region: REGION, kms: LocalKms.open(dataDir, REGION), secrets: LocalSecrets.fromDataFolder(folder, REGION), scheduler, log: () => undefined });
    client = new SchedulerClient({ endpoint: aws.endpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  });
  afterEach(async () => {
    client.destroy();
    await aws.stop();
    await scheduler.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a schedule, describes it as AWS does, and deletes it', async () => {
    const created = await client.send(new CreateScheduleCommand(request('t-1')));
    expect(created.ScheduleArn).toBe(`arn:aws:scheduler:us-east-1:000000000000:schedule/${GROUP}/t-1`);
    const got = await client.send(new GetScheduleCommand({ Name: 't-1', GroupName: GROUP }));
    expect(got).toMatchObject({
      Arn: created.ScheduleArn,
      Name: 't-1',
      GroupName: GROUP,
      ScheduleExpression: atOf(NOW + 3_600_000),
      State: 'ENABLED',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: TIMER_ARN, RoleArn: ROLE_ARN, Input: '{"executionId":"e1","input":{"approvalId":"e1-1"}}', RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 } },
    });
    expect(got.CreationDate?.getTime()).toBe(NOW);
    await client.send(new DeleteScheduleCommand({ Name: 't-1', GroupName: GROUP }));
    await expect(client.send(new GetScheduleCommand({ Name: 't-1', GroupName: GROUP }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('answers a second schedule of the same name with ConflictException (409), and leaves the first as it was', async () => {
    await client.send(new CreateScheduleCommand(request('t-2')));
    const error = await client.send(new CreateScheduleCommand(request('t-2', { ScheduleExpression: atOf(NOW + 7_200_000) }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictException);
    expect((error as ConflictException).$metadata.httpStatusCode).toBe(409);
    expect((error as ConflictException).message).toMatch(/t-2 already exists/);
    expect((await client.send(new GetScheduleCommand({ Name: 't-2', GroupName: GROUP }))).ScheduleExpression).toBe(atOf(NOW + 3_600_000));
  });

  it('answers unknown schedules and groups with ResourceNotFoundException (404)', async () => {
    for (const call of [
      client.send(new GetScheduleCommand({ Name: 'nope', GroupName: GROUP })),
      client.send(new DeleteScheduleCommand({ Name: 'nope', GroupName: GROUP })),
      client.send(new CreateScheduleCommand(request('t-3', { GroupName: 'no-such-group' }))),
    ]) {
      const error = await call.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResourceNotFoundException);
      expect((error as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
    }
  });

  it('refuses what does not run locally, or is malformed, with ValidationException (400) naming the field', async () => {
    const cases: Array<[Partial<CreateScheduleCommandInput>, RegExp]> = [
      [{ ScheduleExpression: 'rate(5 minutes)' }, /ScheduleExpression: rate\(\) schedules do not run locally; only one-time at/],
      [{ ScheduleExpression: 'cron(0 12 * * ? *)' }, /cron\(\) schedules do not run locally/],
      [{ ScheduleExpression: 'at(2026-12-03 11:00:00)' }, /ScheduleExpression must be at\(yyyy-mm-ddThh:mm:ss\)/],
      [{ ScheduleExpression: 'at(2027-02-30T10:00:00)' }, /do not exist/],
      [{ ScheduleExpression: atOf(NOW - 60_000) }, /in the past/],
      [{ ScheduleExpressionTimezone: 'Europe/Paris' }, /ScheduleExpressionTimezone/],
      [{ FlexibleTimeWindow: { Mode: 'FLEXIBLE' } }, /MaximumWindowInMinutes is required/],
      [{ Target: { Arn: 'arn:aws:sqs:us-east-1:000000000000:q', RoleArn: ROLE_ARN } }, /Target.Arn: .*Lambda functions only/],
      [{ Target: { Arn: TIMER_ARN, RoleArn: '' } }, /Target.RoleArn is required/],
      [{ GroupName: 'bad group' }, /GroupName must be/],
    ];
    for (const [overrides, message] of cases) {
      const error = await client.send(new CreateScheduleCommand(request('t-4', overrides))).catch((e: unknown) => e);
      expect(error, String(message)).toBeInstanceOf(ValidationException);
      expect((error as ValidationException).$metadata.httpStatusCode).toBe(400);
      expect((error as ValidationException).message).toMatch(message);
    }
    // None of them was kept.
    await expect(client.send(new GetScheduleCommand({ Name: 't-4', GroupName: GROUP }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('creates schedule groups, refusing an existing one; schedules without GroupName go to "default"', async () => {
    const created = await client.send(new CreateScheduleGroupCommand({ Name: 'extra' }));
    expect(created.ScheduleGroupArn).toBe('arn:aws:scheduler:us-east-1:000000000000:schedule-group/extra');
    await expect(client.send(new CreateScheduleGroupCommand({ Name: 'extra' }))).rejects.toBeInstanceOf(ConflictException);
    await client.send(new CreateScheduleCommand(request('t-5', { GroupName: 'extra' })));
    await client.send(new CreateScheduleCommand({ ...request('t-5'), GroupName: undefined }));
    expect((await client.send(new GetScheduleCommand({ Name: 't-5' }))).GroupName).toBe('default');
    expect((await client.send(new GetScheduleCommand({ Name: 't-5', GroupName: 'extra' }))).GroupName).toBe('extra');
  });

  it('still answers the AWS JSON services beside it (X-Amz-Target requests are unaffected)', async () => {
    const answer = await fetch(aws.endpoint, { method: 'POST', headers: { 'x-amz-target': 'TrentService.Nope', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });
});
