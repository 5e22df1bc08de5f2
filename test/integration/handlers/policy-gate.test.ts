import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as approvalPage } from '../../../functions/approval-page/handler.js';
import { handler as approvalTimer } from '../../../functions/approval-timer/handler.js';
import { handler as recordDecision } from '../../../functions/record-decision/handler.js';
import { handler as requestApproval } from '../../../functions/request-approval/handler.js';
import { parseLink } from '../../../functions/shared/approvals/approval-link.js';
import type { StoredEvent } from '../../../functions/shared/events/event.js';
import { approvalState } from '../../../functions/shared/events/fold.js';
import { acceptTaskCallbacks, callStep, captureOutput, deliveries, failureOf, lambdaContext, linksIn, pageEvent, stubStepEnvironment, undoTestStubs, useHandlerWorld } from './harness.js';

/**
 * A policy gate end to end through the real handlers (request-approval, the approval page,
 * record-decision, approval-timer) on dynalite, with Step Functions and EventBridge Scheduler
 * mocked at the SDK: auto-decisions name their rule; a two-level route with a 2-of-3 quorum resumes
 * the gate once; a rejection ends it; concurrent votes complete a level exactly once; deadlines
 * remind once, escalate and fail closed; one person votes once per approval. Planted addresses,
 * the task token and the comment never reach a clear event, a log line or an answer.
 */
const TOKEN = 'AQCEAAAA-policy-gate-planted-task-token-5e1d';
const COMMENT = 'PLANTED-COMMENT-policy Jane Doe DE89370400440532013000';
const MANAGER = 'manager.planted@example.com';
const DIRECTORS = ['director.one.planted@example.com', 'director.two.planted@example.com', 'director.three.planted@example.com'];
const BOARD = Array.from({ length: 20 }, (_, i) => `board.${i}.planted@example.com`);
const START = new Date('2026-12-01T09:00:00.000Z');
const HOUR = 3_600_000;

const POLICY = {
  groups: {
    managers: { description: 'Budget managers.', approverTitle: { one: 'manager', other: 'managers' } },
    directors: { description: 'Finance directors.', approverTitle: { one: 'finance director', other: 'finance directors' } },
    board: { description: 'The board.', approverTitle: { one: 'board member', other: 'board members' } },
  },
  facts: { amount: { type: 'decimal' } },
  rules: [
    { name: 'small', when: { fact: 'amount', op: 'lt', value: '100.00' }, then: { decide: 'approve' } },
    { name: 'refused-amount', when: { fact: 'amount', op: 'eq', value: '666.00' }, then: { decide: 'reject' } },
    {
      name: 'board-matter',
      when: { fact: 'amount', op: 'gte', value: '1000000.00' },
      then: { route: [{ name: 'board', group: 'board', quorum: 5, deadlineHours: 24, onDeadline: 'fail' }] },
    },
    {
      name: 'two-levels',
      when: 'always',
      then: {
        route: [
          { name: 'manager', group: 'managers', quorum: 1, deadlineHours: 24, reminderHoursBeforeDeadline: 6, onDeadline: { escalateTo: 'directors', deadlineHours: 24 } },
          { name: 'directors', group: 'directors', quorum: 2, deadlineHours: 48, reminderHoursBeforeDeadline: 12, onDeadline: 'fail' },
        ],
      },
    },
  ],
};

const sfnMock = mockClient(SFNClient);
const schedulerMock = mockClient(SchedulerClient);
const world = useHandlerWorld({ stepFunctions: true });
let output: string[];
let responses: unknown[];
/** Emails sent before this test: the world (and its outbox) is shared by the file's tests. */
let mailMark = 0;

beforeEach(() => {
  stubStepEnvironment();
  vi.stubEnv('APPROVERS', undefined);
  vi.stubEnv('APPROVER_GROUPS', JSON.stringify({ managers: [MANAGER], directors: DIRECTORS, board: BOARD }));
  vi.stubEnv('APPROVAL_TIMEOUT_SECONDS', String(97 * 3600));
  vi.stubEnv('APPROVAL_TIMER_ARN', 'arn:aws:lambda:us-east-1:000000000000:function:wardflow-test-approval-timer');
  vi.stubEnv('APPROVAL_TIMER_ROLE_ARN', 'arn:aws:iam::000000000000:role/wardflow-test-approval-timers');
  vi.stubEnv('APPROVAL_SCHEDULE_GROUP', 'wardflow-test-approval-timers');
  acceptTaskCallbacks(sfnMock);
  schedulerMock.reset();
  schedulerMock.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/wardflow-test-approval-timers/x' });
  world.setNow(START);
  mailMark = world.sentEmails().length;
  output = captureOutput();
  responses = [];
});
afterEach(() => {
  undoTestStubs(world);
});

const at = (hours: number) => new Date(START.getTime() + hours * HOUR);

async function openGate(id: string, amount: string): Promise<void> {
  await callStep(requestApproval, id, { approvalId: `${id}-1`, subject: { title: `Invoice ${id}`, fields: [{ label: 'Amount', value: amount }] }, policy: POLICY, facts: { amount } }, TOKEN);
}

/** The newest link each address was emailed, with the email's subject. */
function inbox(): Map<string, { link: string; subject: string }> {
  const latest = new Map<string, { link: string; subject: string }>();
  for (const email of world.sentEmails().slice(mailMark) as SendEmailCommandInput[]) {
    const to = email.Destination?.ToAddresses?.[0];
    const link = linksIn(email)[0];
    if (to !== undefined && link !== undefined) latest.set(to, { link, subject: email.Content?.Simple?.Subject?.Data ?? '' });
  }
  return latest;
}

function linkOf(address: string): string {
  const found = inbox().get(address);
  if (found === undefined) throw new Error('test: no email for that approver');
  return found.link;
}

async function post(link: string, decision: 'approve' | 'reject' = 'approve') {
  const response = (await approvalPage(pageEvent('POST', link, { form: { decision, comment: COMMENT } }), lambdaContext('req-policy'))) as APIGatewayProxyStructuredResultV2 & { body: string };
  responses.push(response);
  return response;
}

async function fireTimer(id: string) {
  const result = await callStep(approvalTimer, id, { approvalId: `${id}-1` });
  responses.push(result);
  return result as { work: string[] };
}

const ofType = (events: readonly StoredEvent[], type: string) => events.filter((event) => event.type === type);
const sentTask = (command: typeof SendTaskSuccessCommand | typeof SendTaskFailureCommand) => deliveries(sfnMock).filter((call) => call.args[0] instanceof command);
const scheduledAt = () => schedulerMock.commandCalls(CreateScheduleCommand).map((call) => call.args[0].input.ScheduleExpression);

async function expectNoLeaks(id: string): Promise<void> {
  const events = [...(await world.approvalEvents(`${id}-1`)), ...(await world.executionEvents(id))];
  const clear = JSON.stringify(events.map((e) => ({ type: e.type, actor: e.actor, data: e.data })));
  const scheduled = JSON.stringify(schedulerMock.calls().map((call) => call.args[0].input));
  const everything = JSON.stringify(responses) + output.join('') + clear + scheduled;
  for (const planted of [TOKEN, COMMENT, MANAGER, ...DIRECTORS, ...BOARD.slice(0, 3)]) expect(everything).not.toContain(planted);
}

describe('a policy gate decides or routes by its first matching rule', () => {
  it('auto-approves without asking anyone, naming the rule, and answers its own token', async () => {
    await openGate('exec-pg-auto', '99.99');
    const events = await world.approvalEvents('exec-pg-auto-1');
    expect(events.map((e) => e.type)).toEqual(['ApprovalAutoDecided']);
    expect(events[0]).toMatchObject({ actor: 'policy:small', data: { decision: 'approve', rule: 'small' } });
    expect(world.sentEmails()).toHaveLength(0);
    const [success] = sentTask(SendTaskSuccessCommand);
    expect(success?.args[0].input).toMatchObject({ taskToken: TOKEN });
    expect(JSON.parse(String((success?.args[0].input as { output: string }).output))).toEqual({ approved: true, approvalId: 'exec-pg-auto-1', rule: 'small' });
  });

  it('auto-rejects as a task failure naming the rule; a retried gate answers its new token the same, appending nothing', async () => {
    await openGate('exec-pg-refused', '666.00');
    await callStep(requestApproval, 'exec-pg-refused', { approvalId: 'exec-pg-refused-1', subject: { title: 'x', fields: [] }, policy: POLICY, facts: { amount: '666.00' } }, `${TOKEN}-retry`);
    const failures = sentTask(SendTaskFailureCommand).map((call) => call.args[0].input as { error: string; taskToken: string });
    expect(failures).toEqual([expect.objectContaining({ error: 'ApprovalRejected', taskToken: TOKEN }), expect.objectContaining({ error: 'ApprovalRejected', taskToken: `${TOKEN}-retry` })]);
    expect((await world.approvalEvents('exec-pg-refused-1')).map((e) => e.type)).toEqual(['ApprovalAutoDecided']);
  });

  it('fails closed, recording a rejection, when no rule can match (a fact missing and no always rule)', async () => {
    const { rules } = POLICY;
    const partial = { ...POLICY, rules: rules.slice(0, 2) };
    const error = await failureOf(callStep(requestApproval, 'exec-pg-nomatch', { approvalId: 'exec-pg-nomatch-1', subject: { title: 'x', fields: [] }, policy: partial, facts: {} }, TOKEN));
    // A policy without an `always` rule is refused as configuration, before anything is recorded.
    expect(error.name).toBe('ConfigurationInvalid');
    expect(await world.approvalEvents('exec-pg-nomatch-1')).toEqual([]);
  });
});

describe('a two-level route: a manager, then 2 of 3 finance directors', () => {
  it('emails each level its own links, completes each level once and resumes the gate once', async () => {
    const id = 'exec-pg-two';
    await openGate(id, '60000.00');
    let events = await world.approvalEvents(`${id}-1`);
    expect(events.map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalRouted', 'ApprovalLevelStarted', 'ApprovalNotified']);
    expect(events[1]).toMatchObject({ actor: 'policy:two-levels', data: { rule: 'two-levels', groupTitles: { managers: { one: 'manager', other: 'managers' } } } });
    expect([...inbox().keys()]).toEqual([MANAGER]);
    expect(parseLink(linkOf(MANAGER))).toMatchObject({ ok: true, claims: { approverIndex: 0, level: 0 } });
    // The first timer: the manager level's reminder, 18 hours in.
    expect(scheduledAt()).toEqual(['at(2026-12-02T03:00:00)']);

    const managerAnswer = await post(linkOf(MANAGER));
    expect(managerAnswer.statusCode).toBe(200);
    expect(managerAnswer.body).toContain('is recorded');
    expect(deliveries(sfnMock)).toHaveLength(0);
    // The directors are emailed by the timer the vote scheduled for now.
    expect(inbox().has(DIRECTORS[0]!)).toBe(false);
    expect((await fireTimer(id)).work).toContain('announced');
    expect(DIRECTORS.every((director) => inbox().has(director))).toBe(true);
    expect(parseLink(linkOf(DIRECTORS[2]!))).toMatchObject({ ok: true, claims: { approverIndex: 3, level: 1 } });
    // The manager clicking again: their vote is on record, nothing changes (a repeat, not a refused attempt).
    expect((await post(linkOf(MANAGER))).statusCode).toBe(409);

    const first = await post(linkOf(DIRECTORS[0]!));
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('1 more approval');
    expect(deliveries(sfnMock)).toHaveLength(0);
    const second = await post(linkOf(DIRECTORS[2]!));
    expect(second.statusCode).toBe(200);
    expect(sentTask(SendTaskSuccessCommand)).toHaveLength(1);
    const third = await post(linkOf(DIRECTORS[1]!));
    expect(third.statusCode).toBe(409);
    expect(deliveries(sfnMock)).toHaveLength(1);

    events = await world.approvalEvents(`${id}-1`);
    expect(ofType(events, 'ApprovalLevelCompleted').map((e) => e.data.level)).toEqual([0, 1]);
    expect(ofType(events, 'ApprovalDecided')).toHaveLength(1);
    expect(approvalState(events).status).toBe('approved');
    // The third director came after the quorum: refused, on record.
    expect(ofType(events, 'ApprovalAttemptRefused').map((e) => e.data.reason)).toEqual(['already-decided']);
    await expectNoLeaks(id);
  });

  it('a rejection at level 1 ends the gate as rejected (SendTaskFailure ApprovalRejected) and nobody further is asked', async () => {
    const id = 'exec-pg-reject';
    await openGate(id, '70000.00');
    const answer = await post(linkOf(MANAGER), 'reject');
    expect(answer.statusCode).toBe(200);
    const failures = sentTask(SendTaskFailureCommand).map((call) => call.args[0].input as { error: string });
    expect(failures).toEqual([expect.objectContaining({ error: 'ApprovalRejected' })]);
    expect(approvalState(await world.approvalEvents(`${id}-1`)).status).toBe('rejected');
    await fireTimer(id);
    expect(DIRECTORS.some((director) => inbox().has(director))).toBe(false);
  });

  it('record-decision votes by address in the group asked now; an address of another level is refused', async () => {
    const id = 'exec-pg-operator';
    await openGate(id, '70000.00');
    const refused = await failureOf(callStep(recordDecision, id, { approvalId: `${id}-1`, approver: DIRECTORS[0], decision: 'approve' }));
    expect(refused.name).toBe('ValidationFailed');
    const voted = await callStep(recordDecision, id, { approvalId: `${id}-1`, approver: MANAGER.toUpperCase(), decision: 'approve', comment: COMMENT });
    expect(voted).toEqual({ approvalId: `${id}-1`, status: 'voted' });
    await expectNoLeaks(id);
  });
});

describe('concurrent votes', () => {
  it('20 approvers clicking at the same moment complete the level once: one ApprovalLevelCompleted, one SendTaskSuccess, exactly the quorum of votes', async () => {
    const id = 'exec-pg-board';
    await openGate(id, '2000000.00');
    expect(inbox().size).toBe(20);
    const answers = await Promise.all(BOARD.map((member) => post(linkOf(member))));
    const events = await world.approvalEvents(`${id}-1`);
    expect(ofType(events, 'ApprovalLevelCompleted')).toHaveLength(1);
    expect(ofType(events, 'ApprovalVoted')).toHaveLength(5);
    expect(sentTask(SendTaskSuccessCommand)).toHaveLength(1);
    expect(answers.filter((answer) => answer.statusCode === 200)).toHaveLength(5);
    expect(answers.every((answer) => answer.statusCode === 200 || answer.statusCode === 409)).toBe(true);
  });
});

describe('deadlines, reminders and escalation', () => {
  it('reminds only those who have not voted, once, however often the timer fires', async () => {
    const id = 'exec-pg-remind';
    await openGate(id, '80000.00');
    await post(linkOf(MANAGER));
    await fireTimer(id);
    await post(linkOf(DIRECTORS[1]!));
    const before = world.sentEmails().length;
    world.setNow(at(36.5));
    expect((await fireTimer(id)).work).toContain('reminded');
    await fireTimer(id);
    const reminders = world.sentEmails().slice(before);
    expect(reminders.map((email) => email.Destination?.ToAddresses?.[0]).sort()).toEqual([DIRECTORS[0], DIRECTORS[2]].sort());
    expect(reminders.every((email) => email.Content?.Simple?.Subject?.Data?.startsWith('Reminder:'))).toBe(true);
    expect(ofType(await world.approvalEvents(`${id}-1`), 'ApprovalReminderSent')).toHaveLength(1);
  });

  it('escalates a level whose deadline passed to its escalation group, whose links then decide; the first group is refused as expired', async () => {
    const id = 'exec-pg-escalate';
    await openGate(id, '90000.00');
    const managerLink = linkOf(MANAGER);
    world.setNow(at(24));
    expect((await fireTimer(id)).work).toEqual(expect.arrayContaining(['escalated', 'announced']));
    const events = await world.approvalEvents(`${id}-1`);
    expect(ofType(events, 'ApprovalEscalated')[0]).toMatchObject({ actor: 'timer', data: { level: 0, toGroup: 'directors' } });
    expect(inbox().get(DIRECTORS[0]!)?.subject).toMatch(/^Escalated:/);
    expect(parseLink(linkOf(DIRECTORS[0]!))).toMatchObject({ ok: true, claims: { level: 0 } });
    expect((await post(managerLink)).statusCode).toBe(410);
    // An escalated level keeps its quorum (1): one director completes it, and level 1 opens.
    expect((await post(linkOf(DIRECTORS[0]!))).statusCode).toBe(200);
    expect(ofType(await world.approvalEvents(`${id}-1`), 'ApprovalLevelStarted').map((e) => e.data.level)).toEqual([0, 0, 1]);
  });

  it('one person votes once per approval: a director who decided the escalated level is refused at the next (duplicate-approver)', async () => {
    const id = 'exec-pg-duplicate';
    await openGate(id, '95000.00');
    world.setNow(at(24));
    await fireTimer(id);
    await post(linkOf(DIRECTORS[0]!));
    await fireTimer(id);
    const again = await post(linkOf(DIRECTORS[0]!));
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('You already decided');
    expect(ofType(await world.approvalEvents(`${id}-1`), 'ApprovalAttemptRefused').map((e) => e.data.reason)).toEqual(['duplicate-approver']);
  });

  it('fails closed at the last deadline: ApprovalExpired on both streams and SendTaskFailure ApprovalExpired, once', async () => {
    const id = 'exec-pg-expire';
    await openGate(id, '99000.00');
    await post(linkOf(MANAGER));
    await fireTimer(id);
    world.setNow(at(48.1));
    expect((await fireTimer(id)).work).toContain('expired');
    await fireTimer(id);
    const failures = sentTask(SendTaskFailureCommand).map((call) => call.args[0].input as { error: string; taskToken: string });
    expect(failures).toEqual([expect.objectContaining({ error: 'ApprovalExpired', taskToken: TOKEN })]);
    expect(approvalState(await world.approvalEvents(`${id}-1`)).status).toBe('expired');
    expect(ofType(await world.executionEvents(id), 'ApprovalExpired')).toHaveLength(1);
    expect((await post(linkOf(DIRECTORS[0]!))).statusCode).toBeGreaterThanOrEqual(409);
    await expectNoLeaks(id);
  });
});
