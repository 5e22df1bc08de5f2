import { DescribeExecutionCommand, SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as approvalPage } from '../../../functions/approval-page/handler.js';
import { handler as requestApproval } from '../../../functions/request-approval/handler.js';
import { encodeLink, parseLink, signApprovalLink } from '../../../functions/shared/approvals/approval-link.js';
import { HmacLinkSigner, useLinkSigner, type LinkSigner } from '../../../functions/shared/approvals/link-signer.js';
import { SecretUnavailable } from '../../../functions/shared/errors.js';
import { openSealed } from '../../../functions/shared/events/open-sealed.js';
import { approvalState } from '../../../functions/shared/events/fold.js';
import type { EventStore } from '../../../functions/shared/events/store.js';
import type { ApprovalSubject } from '../../../functions/shared/approvals/approval-subject.js';
import { setDependencies } from '../../../functions/shared/runtime.js';
import {
  acceptTaskCallbacks,
  APPROVER,
  callStep,
  captureOutput,
  deliveries,
  lambdaContext,
  linksIn,
  pageEvent,
  stubStepEnvironment,
  undoTestStubs,
  useHandlerWorld,
  type PageRequest,
} from './harness.js';
import { naughtyStrings, xssPayloads } from '../../support/datasets.js';

/**
 * The approval page end to end, in process: request-approval emails a signed link (kept in
 * the world's outbox), the page handler answers API Gateway events for it, decisions land in
 * dynalite, and Step Functions (mocked) hears each decision once. Every answer, header and
 * log line is searched for the task token, the approver's address, the link and the comment.
 */
const TOKEN = 'AQCEAAAA-page-secret-task-token-5d1f0c7a';
const COMMENT = 'PLANTED-COMMENT-contract renewal with Jane Doe, IBAN DE89370400440532013000';
const sfnMock = mockClient(SFNClient);
const world = useHandlerWorld({ stepFunctions: true });

let output: string[];
/** Every response of the current test, for the leak checks. */
let responses: APIGatewayProxyStructuredResultV2[];
beforeEach(() => {
  stubStepEnvironment();
  acceptTaskCallbacks(sfnMock);
  output = captureOutput();
  responses = [];
});
afterEach(() => {
  undoTestStubs(world);
  useLinkSigner(world.signer);
  world.setNow(new Date('2026-12-01T09:00:00.000Z'));
});

/** What the page shows by default: a workflow that is no invoice. */
const SUBJECT: ApprovalSubject = {
  title: 'Purchase order PO-7 from Contoso',
  fields: [
    { label: 'Supplier', value: 'Contoso Ltd' },
    { label: 'Total', value: '9100.00 EUR' },
  ],
};

/** Opens the gate for `id` and returns the link its approver was emailed. */
async function requestLink(id: string, subject: unknown = SUBJECT): Promise<string> {
  const before = world.sentEmails().length;
  await callStep(requestApproval, id, { approvalId: `${id}-1`, subject }, TOKEN);
  const emails = world.sentEmails().slice(before);
  expect(emails).toHaveLength(1);
  const [link] = linksIn(emails[0]!);
  return link!;
}

async function page(method: string, link: string, request: PageRequest = {}): Promise<APIGatewayProxyStructuredResultV2 & { body: string }> {
  return send(pageEvent(method, link, request));
}

async function send(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2 & { body: string }> {
  const response = await approvalPage(event, lambdaContext('req-page'));
  responses.push(response);
  return response as APIGatewayProxyStructuredResultV2 & { body: string };
}

const approve = (link: string, extra: Record<string, string> = {}) => page('POST', link, { form: { decision: 'approve', ...extra } });
const reject = (link: string) => page('POST', link, { form: { decision: 'reject' } });
const approvalTypes = async (id: string) => (await world.approvalEvents(`${id}-1`)).map((e) => e.type);
const changeOneCharacter = (link: string, at: number) => link.slice(0, at) + (link[at] === 'A' ? 'B' : 'A') + link.slice(at + 1);

/** Nothing secret in any response (body or header) or log line of the test. */
function expectNoLeaks(...extra: string[]): void {
  const everything = JSON.stringify(responses) + output.join('');
  for (const secret of [TOKEN, APPROVER, APPROVER.toUpperCase(), COMMENT, ...extra]) expect(everything).not.toContain(secret);
}

describe('GET /approvals/{link}', () => {
  it('shows what is being approved, with two buttons and a comment box, and changes nothing', async () => {
    const id = 'exec-page-show';
    const link = await requestLink(id);
    const response = await page('GET', link);
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<title>Purchase order PO-7 from Contoso - wardflow</title>');
    expect(response.body).toContain('<h1><bdi>Purchase order PO-7 from Contoso</bdi></h1>');
    expect(response.body).toContain(
      '<dl><dt><bdi>Supplier</bdi></dt><dd><bdi>Contoso Ltd</bdi></dd><dt><bdi>Total</bdi></dt><dd><bdi>9100.00 EUR</bdi></dd>' +
        `<dt><bdi>Approval</bdi></dt><dd><bdi>${id}-1</bdi></dd><dt><bdi>Decide by</bdi></dt><dd><bdi>in 24 hours, on Wednesday 2 December 2026 at 08:59 UTC</bdi></dd></dl>`,
    );
    // Who is asked, by count only: the one approver's address stays sealed.
    expect(response.body).toContain('<p>You are the only approver; your decision closes it.</p>');
    expect(response.body).toContain('<label for="comment">Comment (optional)</label>');
    expect(response.body).toContain('Approving lets the workflow continue; rejecting ends it.');
    expect(response.body).not.toMatch(/invoice|vendor|payment/i);
    expect(response.body).toContain('<form method="post">');
    expect(response.body).toContain('name="decision" value="approve"');
    expect(response.body).toContain('name="decision" value="reject"');
    expect(response.body).toContain('<textarea id="comment" name="comment" maxlength="2000"');
    expect(response.body).not.toMatch(/<script|javascript:/i);

    // A mail scanner fetching the link twice: still nothing recorded, nobody told; Step Functions was only asked whether the execution runs.
    expect((await page('GET', link)).statusCode).toBe(200);
    expect(await approvalTypes(id)).toEqual(['ApprovalRequested']);
    expect(deliveries(sfnMock)).toHaveLength(0);
    expect(sfnMock.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { executionArn: `arn:aws:states:us-east-1:000000000000:execution:wardflow-test-invoice-approval:${id}`, includedData: 'METADATA_ONLY' },
      { executionArn: `arn:aws:states:us-east-1:000000000000:execution:wardflow-test-invoice-approval:${id}`, includedData: 'METADATA_ONLY' },
    ]);
    expect(output.some((line) => line.includes('"outcome":"form"') && line.includes('"requestId":"page-req-1"'))).toBe(true);
    expectNoLeaks(link);
  });

  it('sends the security headers with every answer, error pages included', async () => {
    const link = await requestLink('exec-page-headers');
    for (const response of [await page('GET', link), await page('GET', 'garbage'), await page('DELETE', link)]) {
      expect(response.headers).toMatchObject({
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Referrer-Policy': 'no-referrer',
        'X-Content-Type-Options': 'nosniff',
        'X-Frame-Options': 'DENY',
        'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      });
    }
  });

  it('shows a hostile title, labels and values as text, escaped, in the page title, heading and list', async () => {
    const payloads = xssPayloads()
      .filter((line) => line.trim() !== '' && line.length <= 60)
      .slice(0, 12);
    const tagsOf = (html: string) => html.match(/<[^>]*>/g) ?? [];
    const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
    const hostile = (value: string) => ({ title: value, fields: [{ label: value, value }, { label: 'Plain', value }] });
    const structure = tagsOf((await page('GET', await requestLink('exec-page-xss-0', hostile('harmless')))).body);
    let n = 0;
    for (const value of payloads) {
      const link = await requestLink(`exec-page-xss-${++n}`, hostile(value));
      const response = await page('GET', link);
      expect(response.statusCode).toBe(200);
      // The payload adds no tag and no attribute: the page has exactly the tags of a harmless one.
      expect(tagsOf(response.body), value).toEqual(structure);
      const shown = escape(value.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim());
      expect(response.body).toContain(`<title>${shown} - wardflow</title>`);
      expect(response.body).toContain(`<h1><bdi>${shown}</bdi></h1>`);
      expect(response.body).toContain(`<dt><bdi>${escape(value)}</bdi></dt><dd><bdi>${escape(value)}</bdi></dd><dt><bdi>Plain</bdi></dt>`);
    }
  });

  it('keeps its structure for every naughty string as title and value', async () => {
    const tagsOf = (html: string) => html.match(/<[^>]*>/g) ?? [];
    const strings = naughtyStrings().filter((s) => s.trim() !== '' && s.length <= 60);
    const structure = tagsOf((await page('GET', await requestLink('exec-page-naughty-0', { title: 'harmless', fields: [{ label: 'Value', value: 'harmless' }] }))).body);
    // Every 8th string keeps the run short (each is a gate, an email and a page); the email tests take them all.
    for (const [i, value] of strings.entries()) {
      if (i % 8 !== 0) continue;
      const response = await page('GET', await requestLink(`exec-page-naughty-${i + 1}`, { title: value, fields: [{ label: 'Value', value }] }));
      expect(response.statusCode, value).toBe(200);
      expect(tagsOf(response.body), value).toEqual(structure);
    }
  });

  it('shows a legacy invoice request (recorded before subjects) as the subject that workflow declares now', async () => {
    const id = 'exec-page-legacy';
    const approvalId = `${id}-1`;
    // Written as request-approval wrote it before the generic gate: a summary, no subject, no workflow.
    await world.deps.store.append(`approval#${approvalId}`, 0, [
      {
        type: 'ApprovalRequested',
        actor: 'step:request-approval',
        data: { approvalId, executionId: id, approverCount: 1, expiresAt: '2026-12-02T08:59:00.000Z', summary: { vendor: 'Northwind <Traders>', invoiceNumber: 'NW-88213', currency: 'USD', amount: '12480.00' } },
        sensitive: { taskToken: TOKEN, approvers: [APPROVER] },
      },
    ]);
    const link = await signApprovalLink({ approvalId, approverIndex: 0, expiresAt: Date.parse('2026-12-02T08:59:00.000Z') / 1000 }, world.signer);
    const response = await page('GET', link);
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<title>Invoice NW-88213 from Northwind &lt;Traders&gt; - wardflow</title>');
    expect(response.body).toContain('<dt><bdi>Vendor</bdi></dt><dd><bdi>Northwind &lt;Traders&gt;</bdi></dd><dt><bdi>Invoice number</bdi></dt><dd><bdi>NW-88213</bdi></dd><dt><bdi>Amount</bdi></dt><dd><bdi>12480.00 USD</bdi></dd>');
    const approved = await approve(link);
    expect(approved.statusCode).toBe(200);
    expect(approved.body).toContain('Your decision on <bdi>Invoice NW-88213 from Northwind &lt;Traders&gt;</bdi> is recorded.');
    expect(sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken)).toEqual([TOKEN]);
    expectNoLeaks(link);
  });
});

describe('POST /approvals/{link}', () => {
  it('approves: records the decision of the approver the link names and sends the token once', async () => {
    const id = 'exec-page-approve';
    const link = await requestLink(id);
    const response = await approve(link, { comment: COMMENT });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Approved');
    expect(response.body).toContain('Your decision on <bdi>Purchase order PO-7 from Contoso</bdi> is recorded. The workflow continues with the approved request.');
    const sent = sfnMock.commandCalls(SendTaskSuccessCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.args[0].input.taskToken).toBe(TOKEN);
    expect(JSON.parse(sent[0]!.args[0].input.output!)).toEqual({ approved: true, approvalId: `${id}-1`, approverIndex: 0 });
    expect(sfnMock.commandCalls(SendTaskFailureCommand)).toHaveLength(0);

    const approval = await world.approvalEvents(`${id}-1`);
    expect(approval.map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalDecided']);
    expect(approval[1]).toMatchObject({ actor: 'approver:0', data: { approvalId: `${id}-1`, executionId: id, approverIndex: 0, decision: 'approve' } });
    // Who decided, for whoever holds the key: the address as the request listed it, sealed with the comment.
    expect(await openSealed(approval[1]!, world.deps.sealer)).toEqual({ approver: APPROVER, comment: COMMENT });
    expectNoLeaks(link);
  });

  it('rejects: SendTaskFailure with ApprovalRejected, and reads a base64 body like a plain one', async () => {
    const id = 'exec-page-reject';
    const link = await requestLink(id);
    const response = await page('POST', link, { form: { decision: 'reject' }, base64: true });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Rejected');
    expect(response.body).toContain('The workflow ends here: the request goes no further.');
    const failures = sfnMock.commandCalls(SendTaskFailureCommand);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.args[0].input).toMatchObject({ taskToken: TOKEN, error: 'ApprovalRejected' });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
    expect(approvalState(await world.approvalEvents(`${id}-1`)).status).toBe('rejected');
    expectNoLeaks(link);
  });

  it('answers a second click with 409 and records the refused one once; only the same decision is re-sent, and Step Functions refuses the closed token', async () => {
    const id = 'exec-page-twice';
    const link = await requestLink(id);
    // As Step Functions does: a token whose task already closed is TaskTimedOut.
    sfnMock.on(SendTaskSuccessCommand).resolvesOnce({}).rejects(Object.assign(new Error('closed'), { name: 'TaskTimedOut' }));
    expect((await approve(link)).statusCode).toBe(200);
    const recorded = await world.approvalEvents(`${id}-1`);

    const again = await approve(link);
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('already approved');
    const other = await reject(link);
    expect(other.statusCode).toBe(409);
    expect((await page('GET', link)).statusCode).toBe(409);

    // The same decision again is a re-delivery, not a refusal; the other decision is refused, on record once (one per reason and position per window).
    const after = await world.approvalEvents(`${id}-1`);
    expect(after.slice(0, recorded.length)).toEqual(recorded);
    expect(after.slice(recorded.length).map((e) => [e.type, e.data.reason, e.data.approverIndex])).toEqual([['ApprovalAttemptRefused', 'already-decided', 0]]);
    // The first click's delivery, then the repeat's (refused as closed); the other decision reached nobody.
    expect(sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.taskToken)).toEqual([TOKEN, TOKEN]);
    expect(sfnMock.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
    expectNoLeaks(link);
  });

  it('says the decision is recorded but not delivered when Step Functions cannot be told, and a second click delivers it', async () => {
    const id = 'exec-page-redeliver';
    const link = await requestLink(id);
    sfnMock.on(SendTaskSuccessCommand).rejectsOnce(Object.assign(new Error('slow down'), { name: 'ThrottlingException' })).resolves({});
    const first = await approve(link);
    expect(first.statusCode).toBe(503);
    expect(first.body).toContain('Decision recorded, not yet delivered');
    expect(first.body).toContain('name="decision" value="approve"');
    expect(approvalState(await world.approvalEvents(`${id}-1`)).status).toBe('approved');

    const second = await approve(link);
    expect(second.statusCode).toBe(409);
    // A repeat of the decision on record: delivered again, not refused, nothing appended.
    expect(await approvalTypes(id)).toEqual(['ApprovalRequested', 'ApprovalDecided']);
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)).toHaveLength(2);
    expectNoLeaks(link);
  });

  it('lets one of two simultaneous decisions through and answers the other with 409', async () => {
    const id = 'exec-page-race';
    const link = await requestLink(id);
    const answers = await Promise.all([approve(link), reject(link)]);
    expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const approval = await world.approvalEvents(`${id}-1`);
    // The loser's click is a refused attempt on record: the approval was decided by then.
    expect(approval.map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalDecided', 'ApprovalAttemptRefused']);
    expect(approval[2]!.data).toMatchObject({ reason: 'already-decided', approverIndex: 0 });
    expect(deliveries(sfnMock)).toHaveLength(1);
  });

  it('refuses a form it cannot read, and other content types, without recording anything', async () => {
    const id = 'exec-page-form';
    const link = await requestLink(id);
    expect((await page('POST', link, { form: { decision: 'maybe' } })).statusCode).toBe(400);
    expect((await page('POST', link, { body: 'decision=approve&decision=reject' })).statusCode).toBe(400);
    expect((await page('POST', link, { form: { decision: 'approve', comment: 'x'.repeat(2001) } })).statusCode).toBe(400);
    expect((await page('POST', link, { body: `decision=approve&comment=${'x'.repeat(40_000)}` })).statusCode).toBe(413);
    expect((await page('POST', link, { body: '{"decision":"approve"}', contentType: 'application/json' })).statusCode).toBe(415);
    expect((await page('POST', link, {})).statusCode).toBe(415);
    expect(await approvalTypes(id)).toEqual(['ApprovalRequested']);
    expect(sfnMock.calls()).toHaveLength(0);
  });
});

describe('links that cannot decide', () => {
  it('answers an expired link with 410 on GET and POST; only the POST is on record (expired-link, with the position)', async () => {
    const id = 'exec-page-expired';
    const link = await requestLink(id);
    world.setNow(new Date('2026-12-02T08:59:00.000Z'));
    const shown = await page('GET', link);
    expect(shown.statusCode).toBe(410);
    expect(shown.body).toContain('Link expired');
    expect(await approvalTypes(id)).toEqual(['ApprovalRequested']);
    expect((await approve(link)).statusCode).toBe(410);
    const approval = await world.approvalEvents(`${id}-1`);
    expect(approval.map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalAttemptRefused']);
    expect(approval[1]!.data).toEqual({ approvalId: `${id}-1`, executionId: id, reason: 'expired-link', approverIndex: 0, window: '2026-12-02T08:00:00.000Z' });
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('answers a forged or altered link with 403; POSTs are on record on the real approval they claim, without a position', async () => {
    const id = 'exec-page-forged';
    const link = await requestLink(id);
    const [payload, mac] = link.split('.') as [string, string];
    const claims = parseClaims(link);
    const mallory = new HmacLinkSigner(new Uint8Array(32).fill(42));
    const forgeries = [
      changeOneCharacter(link, payload.length + 5), // the MAC altered
      encodeLink({ ...claims, expiresAt: claims.expiresAt + 86_400 }, Buffer.from(mac, 'base64url')), // a later expiry, the old MAC
      encodeLink({ ...claims, approvalId: 'exec-page-show-1' }, Buffer.from(mac, 'base64url')), // another approval, the old MAC
      await signApprovalLink(claims, mallory), // signed with another key
      await signApprovalLink({ ...claims, approverIndex: 1 }, mallory),
    ];
    for (const forged of forgeries) {
      const shown = await page('GET', forged);
      expect(shown.statusCode, forged).toBe(403);
      expect(shown.body).toContain('Link not valid');
      expect((await approve(forged)).statusCode).toBe(403);
    }
    // Altered so that the claims no longer read: malformed, not forged, and no approval to record it on.
    expect((await approve(changeOneCharacter(link, 3))).statusCode).toBe(400);
    // Four forgeries claim this approval: one event (one per reason and position per window); none names a position.
    const approval = await world.approvalEvents(`${id}-1`);
    expect(approval.map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalAttemptRefused']);
    expect(approval[1]!.data).toEqual({ approvalId: `${id}-1`, executionId: id, reason: 'forged-link', window: '2026-12-01T09:00:00.000Z' });
    expect(sfnMock.calls()).toHaveLength(0);
    expectNoLeaks(link, mac);
  });

  it('answers a genuine link to an unknown approval with 404 (nothing to record on), and to an unknown approver with 403, on record', async () => {
    const id = 'exec-page-unknown';
    const link = await requestLink(id);
    const unknownApproval = await signApprovalLink({ ...parseClaims(link), approvalId: 'exec-nobody-1' }, world.signer);
    const unknownApprover = await signApprovalLink({ ...parseClaims(link), approverIndex: 1 }, world.signer);
    expect((await page('GET', unknownApproval)).statusCode).toBe(404);
    expect((await approve(unknownApproval)).statusCode).toBe(404);
    expect(await world.approvalEvents('exec-nobody-1')).toEqual([]);
    const shown = await page('GET', unknownApprover);
    expect(shown.statusCode).toBe(403);
    expect(shown.body).toContain('Not an approver of this request');
    expect(await approvalTypes(id)).toEqual(['ApprovalRequested']);
    expect((await approve(unknownApprover)).statusCode).toBe(403);
    const approval = await world.approvalEvents(`${id}-1`);
    expect(approval.map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalAttemptRefused']);
    expect(approval[1]!.data).toMatchObject({ reason: 'wrong-approver', approverIndex: 1 });
  });

  it('answers a malformed address with 400 and other methods with 405', async () => {
    for (const link of ['garbage', 'a.b', '', '%3Cscript%3E']) expect((await page('GET', link)).statusCode, link).toBe(400);
    const event = pageEvent('GET', 'x');
    delete event.pathParameters;
    expect((await send({ ...event, rawPath: '/approvals/' })).statusCode).toBe(400);
    const link = await requestLink('exec-page-method');
    const put = await page('PUT', link);
    expect(put.statusCode).toBe(405);
    expect(put.headers).toMatchObject({ Allow: 'GET, POST' });
  });
});

describe('an approval whose execution is no longer running', () => {
  const SECURITY_HEADERS = {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
  };

  it('is refused on GET and POST with 410 and its security headers; the clicks record one refusal, nothing decided, nobody told', async () => {
    const id = 'exec-page-ended';
    const link = await requestLink(id);
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'ABORTED' });

    const shown = await page('GET', link);
    expect(shown.statusCode).toBe(410);
    expect(shown.headers).toMatchObject(SECURITY_HEADERS);
    expect(shown.body).toContain('This request can no longer be decided: the execution ended ABORTED.');
    expect(shown.body).not.toContain('<form');
    // Opening the link records nothing, not even the refusal: mail scanners fetch links.
    expect(await approvalTypes(id)).toEqual(['ApprovalRequested']);

    for (const click of [approve, reject, approve]) {
      const answer = await click(link);
      expect(answer.statusCode).toBe(410);
      expect(answer.headers).toMatchObject(SECURITY_HEADERS);
      expect(answer.body).toContain('the execution ended ABORTED');
    }
    const approval = await world.approvalEvents(`${id}-1`);
    expect(approval.map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalAttemptRefused']);
    expect(approval[1]).toMatchObject({
      actor: 'step:approval-page',
      data: { approvalId: `${id}-1`, executionId: id, reason: 'execution-not-running', executionStatus: 'ABORTED' },
      sealed: null,
    });
    expect(approvalState(approval).status).toBe('pending');
    expect(deliveries(sfnMock)).toHaveLength(0);
    expect(output.some((line) => line.includes('"outcome":"execution-ended"') && line.includes('"statusCode":410'))).toBe(true);
    expectNoLeaks(link);
  });

  it('answers 503 with its security headers and records nothing when Step Functions cannot say whether the execution runs', async () => {
    const id = 'exec-page-sfn-down';
    const link = await requestLink(id);
    sfnMock.on(DescribeExecutionCommand).rejects(Object.assign(new Error(`connect ECONNREFUSED for ${TOKEN}`), { name: 'TimeoutError' }));
    for (const answer of [await page('GET', link), await approve(link)]) {
      expect(answer.statusCode).toBe(503);
      expect(answer.headers).toMatchObject(SECURITY_HEADERS);
      expect(answer.body).toContain('Temporarily unavailable');
      expect(answer.body).not.toContain('TimeoutError');
    }
    expect(await approvalTypes(id)).toEqual(['ApprovalRequested']);
    expect(deliveries(sfnMock)).toHaveLength(0);
    expect(output.some((line) => line.includes('"outcome":"unavailable:execution-status:TimeoutError"'))).toBe(true);
    expectNoLeaks(link);
  });
});

describe('failures behind the page', () => {
  it('answers 503 when the link key cannot be reached, never calling the link forged or valid', async () => {
    const link = await requestLink('exec-page-kms');
    const unreachable: LinkSigner = {
      sign: async () => Promise.reject(new SecretUnavailable('approval link key (APPROVAL_LINK_KEY_ID)', 'KMS VerifyMac failed (ThrottlingException)')),
      verify: async () => Promise.reject(new SecretUnavailable('approval link key (APPROVAL_LINK_KEY_ID)', 'KMS VerifyMac failed (ThrottlingException)')),
    };
    useLinkSigner(unreachable);
    const response = await page('GET', link);
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('Temporarily unavailable');
    expect(response.body).not.toContain('KMS');
    expect((await approve(link)).statusCode).toBe(503);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('answers 500 with a reference and no internals when something unexpected fails', async () => {
    const link = await requestLink('exec-page-crash');
    const internals = `TypeError at /var/task/index.mjs for ${APPROVER} with ${TOKEN}`;
    const broken: EventStore = {
      read: async () => Promise.reject(new TypeError(internals)),
      append: async () => Promise.reject(new TypeError(internals)),
    };
    setDependencies({ ...world.deps, store: broken });
    const response = await page('GET', link, { requestId: 'req-crash-42' });
    expect(response.statusCode).toBe(500);
    expect(response.body).toContain('req-crash-42');
    expect(response.body).not.toContain('TypeError');
    expect(response.body).not.toContain('/var/task');
    expect(output.some((line) => line.includes('approval page failed') && line.includes('TypeError'))).toBe(true);
    expectNoLeaks(link, internals);
  });

  it('answers 500 when the page is not configured, naming nothing internal', async () => {
    const link = await requestLink('exec-page-config');
    useLinkSigner(undefined);
    vi.stubEnv('APPROVAL_LINK_KEY_ID', '');
    const response = await page('GET', link);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('APPROVAL_LINK_KEY_ID');
    expect(output.some((line) => line.includes('ConfigurationInvalid') && line.includes('APPROVAL_LINK_KEY_ID'))).toBe(true);
  });
});

function parseClaims(link: string) {
  const parsed = parseLink(link);
  if (!parsed.ok) throw new Error('test: the emailed link does not parse');
  return parsed.claims;
}
