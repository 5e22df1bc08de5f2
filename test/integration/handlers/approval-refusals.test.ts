import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as approvalPage } from '../../../functions/approval-page/handler.js';
import { handler as recordDecision } from '../../../functions/record-decision/handler.js';
import { handler as requestApproval } from '../../../functions/request-approval/handler.js';
import { encodeLink, parseLink, signApprovalLink } from '../../../functions/shared/approvals/approval-link.js';
import { HmacLinkSigner, useLinkSigner } from '../../../functions/shared/approvals/link-signer.js';
import { MAX_REFUSALS_PER_APPROVAL, REFUSAL_WINDOW_SECONDS } from '../../../functions/shared/approvals/refusal-limits.js';
import { ApprovalClosed, ApprovalExpired, ValidationFailed } from '../../../functions/shared/errors.js';
import { REFUSAL_REASONS } from '../../../functions/shared/events/attempt-refused-data.js';
import type { StoredEvent } from '../../../functions/shared/events/event.js';
import { approvalState } from '../../../functions/shared/events/fold.js';
import {
  acceptTaskCallbacks,
  APPROVER,
  callStep,
  captureOutput,
  deliveries,
  failureOf,
  lambdaContext,
  linksIn,
  pageEvent,
  stubStepEnvironment,
  undoTestStubs,
  useHandlerWorld,
} from './harness.js';

/**
 * Every refused attempt to decide is on record (ApprovalAttemptRefused, a reason from the closed
 * list, the approver's position only when a verified claim names it), rate limited per approval,
 * counted by reason in the metrics, and answered with its own page. Planted values (the task token,
 * the approvers' addresses, the link, its MAC, the comment) never reach an event's clear part, a
 * log line, a metric or an answer.
 */
const TOKEN = 'AQCEAAAA-refusal-planted-task-token-93c1';
const SECOND = 'second.approver.planted@example.com';
const STRANGER = 'stranger.planted@example.com';
const COMMENT = 'PLANTED-COMMENT-refusal Jane Doe IBAN DE89370400440532013000';
const NOW = new Date('2026-12-01T09:00:00.000Z');
const sfnMock = mockClient(SFNClient);
const world = useHandlerWorld({ stepFunctions: true });

let output: string[];
let responses: APIGatewayProxyStructuredResultV2[];
beforeEach(() => {
  stubStepEnvironment();
  vi.stubEnv('APPROVERS', JSON.stringify([APPROVER, SECOND]));
  // Metrics on, as deployed: the refusal count is an EMF line on stdout.
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'wardflow/test');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', undefined);
  vi.stubEnv('POWERTOOLS_DEV', undefined);
  acceptTaskCallbacks(sfnMock);
  output = captureOutput();
  responses = [];
});
afterEach(() => {
  undoTestStubs(world);
  useLinkSigner(world.signer);
  world.setNow(NOW);
});

/** Opens the gate for `id` and returns the links its two approvers were emailed, in order. */
async function requestLinks(id: string): Promise<string[]> {
  const before = world.sentEmails().length;
  await callStep(requestApproval, id, { approvalId: `${id}-1`, subject: { title: 'Purchase order PO-9', fields: [{ label: 'Total', value: '12.00 EUR' }] } }, TOKEN);
  const links = world.sentEmails().slice(before).flatMap(linksIn);
  expect(links).toHaveLength(2);
  return links;
}

async function post(link: string, decision: 'approve' | 'reject' = 'approve') {
  const response = await approvalPage(pageEvent('POST', link, { form: { decision, comment: COMMENT } }), lambdaContext('req-refusal'));
  responses.push(response);
  return response as APIGatewayProxyStructuredResultV2 & { body: string };
}

async function get(link: string) {
  const response = await approvalPage(pageEvent('GET', link), lambdaContext('req-refusal'));
  responses.push(response);
  return response as APIGatewayProxyStructuredResultV2 & { body: string };
}

const refusals = async (approvalId: string): Promise<StoredEvent[]> => (await world.approvalEvents(approvalId)).filter((e) => e.type === 'ApprovalAttemptRefused');
const claimsOf = (link: string) => {
  const parsed = parseLink(link);
  if (!parsed.ok) throw new Error('test: the emailed link does not parse');
  return { claims: parsed.claims, mac: link.split('.')[1]! };
};
/** The EMF records of refusals in the output, as parsed JSON. */
const refusalMetrics = () =>
  output
    .join('')
    .split('\n')
    .filter((line) => line.includes('"ApprovalAttemptsRefused"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** No planted value in any answer, log line, metric, or the clear part (data, actor) of any event on the approval. */
async function expectNoLeaks(approvalId: string, ...extra: string[]): Promise<void> {
  const events = await world.approvalEvents(approvalId);
  const clear = JSON.stringify(events.map((e) => ({ type: e.type, actor: e.actor, data: e.data })));
  const everything = JSON.stringify(responses) + output.join('') + clear;
  for (const planted of [TOKEN, APPROVER, SECOND, STRANGER, APPROVER.toUpperCase(), COMMENT, ...extra]) expect(everything).not.toContain(planted);
}

const SECURITY_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

describe('each refused click through the page', () => {
  it('forged-link: 403, on record on the claimed real approval without a position; an invented approval gets no stream', async () => {
    const id = 'exec-refuse-forged';
    const [link] = await requestLinks(id);
    const { claims, mac } = claimsOf(link!);
    const mallory = new HmacLinkSigner(new Uint8Array(32).fill(7));
    const altered = encodeLink({ ...claims, approverIndex: 1 }, Buffer.from(mac, 'base64url'));
    const invented = await signApprovalLink({ ...claims, approvalId: 'exec-refuse-invented-1' }, mallory);
    for (const forged of [altered, invented]) {
      const answer = await post(forged);
      expect(answer.statusCode).toBe(403);
      expect(answer.headers).toMatchObject(SECURITY_HEADERS);
      expect(answer.body).toContain('Link not valid');
      expect(answer.body).toContain('Open the link exactly as it is in your email.');
    }
    expect((await refusals(`${id}-1`)).map((e) => ({ actor: e.actor, data: e.data, sealed: e.sealed }))).toEqual([
      { actor: 'step:approval-page', data: { approvalId: `${id}-1`, executionId: id, reason: 'forged-link', window: '2026-12-01T09:00:00.000Z' }, sealed: null },
    ]);
    expect(await world.approvalEvents('exec-refuse-invented-1')).toEqual([]);
    // Counted both times, by reason only: the invented one too, though nothing could record it.
    expect(refusalMetrics().map((m) => [m.reason, m.ApprovalAttemptsRefused])).toEqual([
      ['forged-link', 1],
      ['forged-link', 1],
    ]);
    await expectNoLeaks(`${id}-1`, link!, mac, altered, invented);
  });

  it('expired-link: 410 "Link expired", on record with the position the genuine link names', async () => {
    const id = 'exec-refuse-expired-link';
    const [, second] = await requestLinks(id);
    world.setNow(new Date('2026-12-02T09:30:00.000Z'));
    const answer = await post(second!);
    expect(answer.statusCode).toBe(410);
    expect(answer.body).toContain('Link expired');
    expect((await refusals(`${id}-1`)).map((e) => e.data)).toEqual([
      { approvalId: `${id}-1`, executionId: id, reason: 'expired-link', approverIndex: 1, window: '2026-12-02T09:00:00.000Z' },
    ]);
    await expectNoLeaks(`${id}-1`, second!, claimsOf(second!).mac);
  });

  it('wrong-approver: 403 for a genuine link naming a position the request does not have', async () => {
    const id = 'exec-refuse-wrong';
    const [link] = await requestLinks(id);
    const third = await signApprovalLink({ ...claimsOf(link!).claims, approverIndex: 2 }, world.signer);
    const answer = await post(third);
    expect(answer.statusCode).toBe(403);
    expect(answer.body).toContain('Not an approver of this request');
    expect(answer.body).toContain('Use the link in your own approval email.');
    expect((await refusals(`${id}-1`)).map((e) => e.data)).toEqual([
      { approvalId: `${id}-1`, executionId: id, reason: 'wrong-approver', approverIndex: 2, window: '2026-12-01T09:00:00.000Z' },
    ]);
    expect(deliveries(sfnMock)).toHaveLength(0);
    await expectNoLeaks(`${id}-1`, third);
  });

  it('already-decided: 409 for the other approver and for the decider changing their mind; the decider repeating is a re-delivery', async () => {
    const id = 'exec-refuse-decided';
    const [first, second] = await requestLinks(id);
    expect((await post(first!)).statusCode).toBe(200);
    const other = await post(second!, 'reject');
    expect(other.statusCode).toBe(409);
    expect(other.body).toContain('This approval was already approved');
    expect((await post(first!, 'reject')).statusCode).toBe(409);
    // The same approver's same decision again: delivered again, not a refusal.
    expect((await post(first!)).statusCode).toBe(409);
    expect((await refusals(`${id}-1`)).map((e) => [e.data.reason, e.data.approverIndex])).toEqual([
      ['already-decided', 1],
      ['already-decided', 0],
    ]);
    expect(approvalState(await world.approvalEvents(`${id}-1`)).status).toBe('approved');
    await expectNoLeaks(`${id}-1`, first!, second!);
  });

  it('already-decided: 410 "Request expired" for an approval closed as expired', async () => {
    const id = 'exec-refuse-closed-expired';
    const [link] = await requestLinks(id);
    await world.deps.store.append(`approval#${id}-1`, 1, [{ type: 'ApprovalExpired', actor: 'step:record-outcome', data: { approvalId: `${id}-1`, executionId: id } }]);
    const answer = await post(link!);
    expect(answer.statusCode).toBe(410);
    expect(answer.body).toContain('Request expired');
    expect((await refusals(`${id}-1`)).map((e) => [e.data.reason, e.data.approverIndex])).toEqual([['already-decided', 0]]);
  });

  it('expired: 410 "Request expired" when the approval\'s deadline passed before the link\'s', async () => {
    const id = 'exec-refuse-deadline';
    const [link] = await requestLinks(id);
    // A link that outlives its approval (as one signed before a retried gate shortened the deadline).
    const longer = await signApprovalLink({ ...claimsOf(link!).claims, expiresAt: Date.parse('2026-12-05T00:00:00.000Z') / 1000 }, world.signer);
    world.setNow(new Date('2026-12-03T10:15:00.000Z'));
    const answer = await post(longer);
    expect(answer.statusCode).toBe(410);
    expect(answer.body).toContain('The time to decide this request has passed');
    expect((await refusals(`${id}-1`)).map((e) => e.data)).toEqual([
      { approvalId: `${id}-1`, executionId: id, reason: 'expired', approverIndex: 0, window: '2026-12-03T10:00:00.000Z' },
    ]);
    expect(deliveries(sfnMock)).toHaveLength(0);
  });

  it('execution-not-running: 410, on record with the position and the execution status', async () => {
    const id = 'exec-refuse-ended';
    const [, second] = await requestLinks(id);
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'FAILED' });
    const answer = await post(second!);
    expect(answer.statusCode).toBe(410);
    expect(answer.body).toContain('the execution ended FAILED');
    expect((await refusals(`${id}-1`)).map((e) => e.data)).toEqual([
      { approvalId: `${id}-1`, executionId: id, reason: 'execution-not-running', approverIndex: 1, executionStatus: 'FAILED', window: '2026-12-01T09:00:00.000Z' },
    ]);
    await expectNoLeaks(`${id}-1`, second!);
  });

  it('opening (GET) a refused link records nothing: mail scanners fetch links', async () => {
    const id = 'exec-refuse-get';
    const [link] = await requestLinks(id);
    const { claims, mac } = claimsOf(link!);
    const forged = encodeLink({ ...claims, expiresAt: claims.expiresAt + 60 }, Buffer.from(mac, 'base64url'));
    const wrong = await signApprovalLink({ ...claims, approverIndex: 5 }, world.signer);
    expect((await get(forged)).statusCode).toBe(403);
    expect((await get(wrong)).statusCode).toBe(403);
    world.setNow(new Date('2026-12-03T00:00:00.000Z'));
    expect((await get(link!)).statusCode).toBe(410);
    expect(await refusals(`${id}-1`)).toEqual([]);
    expect(refusalMetrics()).toEqual([]);
  });
});

describe('record-decision refusals', () => {
  const decideAs = (id: string, approver: string, decision: 'approve' | 'reject' = 'approve') =>
    callStep(recordDecision, id, { approvalId: `${id}-1`, approver, decision, comment: COMMENT });

  it('records wrong-approver without a position (the address is nobody\'s, and personal), already-decided with the decider\'s, and not a repeat', async () => {
    const id = 'exec-refuse-operator';
    await requestLinks(id);
    expect(await failureOf(decideAs(id, STRANGER))).toBeInstanceOf(ValidationFailed);
    await decideAs(id, SECOND, 'reject');
    await decideAs(id, SECOND, 'reject'); // a repeat: re-delivered, not refused
    expect(await failureOf(decideAs(id, APPROVER))).toBeInstanceOf(ApprovalClosed);
    expect(await failureOf(decideAs(id, SECOND, 'approve'))).toBeInstanceOf(ApprovalClosed);
    expect((await refusals(`${id}-1`)).map((e) => ({ actor: e.actor, data: e.data }))).toEqual([
      { actor: 'step:record-decision', data: { approvalId: `${id}-1`, executionId: id, reason: 'wrong-approver', window: '2026-12-01T09:00:00.000Z' } },
      { actor: 'step:record-decision', data: { approvalId: `${id}-1`, executionId: id, reason: 'already-decided', approverIndex: 0, window: '2026-12-01T09:00:00.000Z' } },
      { actor: 'step:record-decision', data: { approvalId: `${id}-1`, executionId: id, reason: 'already-decided', approverIndex: 1, window: '2026-12-01T09:00:00.000Z' } },
    ]);
    await expectNoLeaks(`${id}-1`);
  });

  it('records expired when the deadline passed', async () => {
    const id = 'exec-refuse-operator-late';
    await requestLinks(id);
    world.setNow(new Date('2026-12-02T10:00:00.000Z'));
    expect(await failureOf(decideAs(id, SECOND))).toBeInstanceOf(ApprovalExpired);
    expect((await refusals(`${id}-1`)).map((e) => [e.data.reason, e.data.approverIndex])).toEqual([['expired', 1]]);
  });

  it('records nothing on another execution\'s approval', async () => {
    const id = 'exec-refuse-owner';
    await requestLinks(id);
    expect(await failureOf(callStep(recordDecision, 'exec-refuse-intruder', { approvalId: `${id}-1`, approver: APPROVER, decision: 'approve' }))).toBeInstanceOf(ValidationFailed);
    expect(await refusals(`${id}-1`)).toEqual([]);
  });
});

describe('the rate limit', () => {
  it('keeps a flood of 1,000 forged and duplicate clicks in one window to one event per reason and position, and counts all 1,000', async () => {
    const id = 'exec-refuse-flood';
    const [first, second] = await requestLinks(id);
    expect((await post(first!)).statusCode).toBe(200);
    const { claims, mac } = claimsOf(first!);
    const forged = encodeLink({ ...claims, expiresAt: claims.expiresAt + 1 }, Buffer.from(mac, 'base64url'));
    const answers: number[] = [];
    // Concurrent in batches: each batch's appends race on the same version and settle.
    for (let batch = 0; batch < 10; batch++) {
      const clicks = Array.from({ length: 100 }, (_, i) => post(i % 2 === 0 ? forged : second!, 'reject'));
      answers.push(...(await Promise.all(clicks)).map((r) => r.statusCode ?? 0));
    }
    expect(answers.filter((s) => s === 403)).toHaveLength(500);
    expect(answers.filter((s) => s === 409)).toHaveLength(500);
    expect((await refusals(`${id}-1`)).map((e) => [e.data.reason, e.data.approverIndex ?? null]).sort()).toEqual([
      ['already-decided', 1],
      ['forged-link', null],
    ]);
    const counted = refusalMetrics();
    expect(counted).toHaveLength(1000);
    expect(counted.filter((m) => m.reason === 'forged-link')).toHaveLength(500);
    expect(counted.filter((m) => m.reason === 'already-decided')).toHaveLength(500);
    // Beyond the limit the log still says which refusal it was.
    expect(output.filter((line) => line.includes('"refusalRecord":"limited"')).length).toBeGreaterThan(900);
    await expectNoLeaks(`${id}-1`, first!, second!, forged, mac);
  });

  it('adds one event per window under concurrent clicks, and at most the cap however many windows a flood spans', async () => {
    const id = 'exec-refuse-cap';
    const [link] = await requestLinks(id);
    const { claims, mac } = claimsOf(link!);
    const forged = encodeLink({ ...claims, approverIndex: 1 }, Buffer.from(mac, 'base64url'));
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => post(forged)));
    expect(concurrent.every((r) => r.statusCode === 403)).toBe(true);
    expect(await refusals(`${id}-1`)).toHaveLength(1);
    // 1,000 forged clicks over 100 hourly windows: one event per window until the cap.
    for (let click = 0; click < 1000; click++) {
      if (click % 10 === 0) world.setNow(new Date(NOW.getTime() + (click / 10 + 1) * REFUSAL_WINDOW_SECONDS * 1000));
      expect((await post(forged)).statusCode).toBe(403);
    }
    const recorded = await refusals(`${id}-1`);
    expect(recorded).toHaveLength(MAX_REFUSALS_PER_APPROVAL);
    expect(new Set(recorded.map((e) => e.data.window)).size).toBe(MAX_REFUSALS_PER_APPROVAL);
    expect(refusalMetrics()).toHaveLength(1020);
    expect(approvalState(await world.approvalEvents(`${id}-1`)).status).toBe('pending');
  });
});

it('names every reason of the closed list in the store\'s check, and nothing else passes', async () => {
  const id = 'exec-refuse-shape';
  await requestLinks(id);
  const stream = `approval#${id}-1`;
  const base = { approvalId: `${id}-1`, executionId: id };
  for (const [i, reason] of REFUSAL_REASONS.entries()) {
    await world.deps.store.append(stream, i + 1, [{ type: 'ApprovalAttemptRefused', actor: 'step:test', data: { ...base, reason } }]);
  }
  const version = REFUSAL_REASONS.length + 1;
  for (const data of [
    { ...base, reason: 'because' },
    { ...base, reason: 'forged-link', approver: APPROVER },
    { ...base, reason: 'forged-link', link: 'eyJ2.abc' },
    { ...base, reason: 'forged-link', approverIndex: 'approver@example.com' },
    { ...base, reason: 'forged-link', executionStatus: 'ended for approver@example.com' },
  ]) {
    expect(await failureOf(world.deps.store.append(stream, version, [{ type: 'ApprovalAttemptRefused', actor: 'step:test', data }]))).toBeInstanceOf(ValidationFailed);
  }
  expect(approvalState(await world.approvalEvents(`${id}-1`)).status).toBe('pending');
});
