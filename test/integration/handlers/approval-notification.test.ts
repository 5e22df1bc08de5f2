import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as recordDecision } from '../../../functions/record-decision/handler.js';
import { handler as requestApproval } from '../../../functions/request-approval/handler.js';
import { verifyApprovalLink } from '../../../functions/shared/approvals/approval-link.js';
import { useLinkSigner } from '../../../functions/shared/approvals/link-signer.js';
import { ConfigurationInvalid, NotificationFailed, SecretUnavailable, ValidationFailed } from '../../../functions/shared/errors.js';
import { handler as approvalPage } from '../../../functions/approval-page/handler.js';
import { openSealed } from '../../../functions/shared/events/open-sealed.js';
import { approvalState } from '../../../functions/shared/events/fold.js';
import {
  acceptTaskCallbacks,
  APPROVER,
  callStep,
  captureOutput,
  deliveries,
  failureOf,
  invoiceSubject,
  lambdaContext,
  linksIn,
  pageEvent,
  STEP_ENV,
  stubStepEnvironment,
  undoTestStubs,
  useHandlerWorld,
  LARGE_INVOICE as invoice,
} from './harness.js';

/**
 * request-approval's emails: each approver (APPROVERS) gets a signed link of their own, naming
 * their position, once the approval (token and addresses sealed, subject and workflow in clear)
 * is on record; ApprovalNotified says how many, never who; a failed email is NotificationFailed
 * for the gate to retry, and the retry sends fresh links.
 */
const TOKEN = 'AQCEAAAA-notify-secret-task-token-77aa01';
const RETRY_TOKEN = 'AQCEAAAA-notify-retry-task-token-88bb02';
const sfnMock = mockClient(SFNClient);
const world = useHandlerWorld({ stepFunctions: true });
let output: string[];

beforeEach(() => {
  stubStepEnvironment();
  acceptTaskCallbacks(sfnMock);
  output = captureOutput();
});
afterEach(() => {
  undoTestStubs(world);
  useLinkSigner(world.signer);
  world.setNow(new Date('2026-12-01T09:00:00.000Z'));
});

const subject = invoiceSubject(invoice);
const gate = (id: string, token = TOKEN) => callStep(requestApproval, id, { approvalId: `${id}-1`, subject }, token);
const newEmails = (before: number) => world.sentEmails().slice(before);

describe('the approval email', () => {
  it('goes to the approver from the configured sender, with a link that names the approval, the approver and the expiry', async () => {
    const id = 'exec-notify';
    const before = world.sentEmails().length;
    await gate(id);
    const [email, ...more] = newEmails(before);
    expect(more).toEqual([]);
    expect(email).toMatchObject({ FromEmailAddress: STEP_ENV.APPROVAL_EMAIL_FROM, Destination: { ToAddresses: [APPROVER] } });
    const text = email!.Content!.Simple!.Body!.Text!.Data!;
    expect(text).toContain(`${STEP_ENV.APPROVAL_SITE_URL}/approvals/`);
    const [link, ...others] = linksIn(email!);
    expect(others).toEqual([]);
    expect(await verifyApprovalLink(link, world.signer, new Date('2026-12-01T09:00:00.000Z'))).toEqual({
      ok: true,
      claims: { approvalId: `${id}-1`, approverIndex: 0, expiresAt: Date.parse('2026-12-02T08:59:00.000Z') / 1000 },
    });
    expect(JSON.stringify(email)).not.toContain(TOKEN);
  });

  it('records the subject the workflow declared and the workflow in clear, the approvers and token sealed', async () => {
    const id = 'exec-notify-subject';
    vi.stubEnv('WORKFLOW_NAME', 'purchase-orders');
    const declared = { title: 'Purchase order PO-7 from Contoso', fields: [{ label: 'Total', value: 9100 }, { label: 'Urgent', value: false }] };
    const before = world.sentEmails().length;
    await callStep(requestApproval, id, { approvalId: `${id}-1`, subject: declared }, TOKEN);
    const [requested] = await world.approvalEvents(`${id}-1`);
    expect(requested!.data).toEqual({
      approvalId: `${id}-1`,
      executionId: id,
      workflow: 'purchase-orders',
      approverCount: 1,
      expiresAt: '2026-12-02T08:59:00.000Z',
      subject: { title: 'Purchase order PO-7 from Contoso', fields: [{ label: 'Total', value: '9100' }, { label: 'Urgent', value: 'false' }] },
    });
    expect(await openSealed(requested!, world.deps.sealer)).toEqual({ taskToken: TOKEN, approvers: [APPROVER] });
    const [email] = newEmails(before);
    expect(email!.Content!.Simple!.Subject!.Data).toBe('Approval needed: Purchase order PO-7 from Contoso');
    expect(email!.Content!.Simple!.Body!.Text!.Data).toMatch(/Total: +9100\n/);
  });

  it('refuses an input without a subject (the invoice the state machine sent before), naming the field, before recording anything', async () => {
    const id = 'exec-notify-no-subject';
    const error = await failureOf(callStep(requestApproval, id, { approvalId: `${id}-1`, invoice }, TOKEN));
    expect(error).toBeInstanceOf(ValidationFailed);
    expect((error as ValidationFailed).issues).toContainEqual({ path: 'input.subject', expected: 'an object' });
    const nested = await failureOf(callStep(requestApproval, id, { approvalId: `${id}-1`, subject: { ...subject, fields: [...subject.fields.slice(0, 2), { label: 'Lines', value: [invoice] }] } }, TOKEN));
    expect((nested as ValidationFailed).issues).toEqual([{ path: 'input.subject.fields[2].value', expected: 'a string, number or boolean' }]);
    expect(await world.approvalEvents(`${id}-1`)).toEqual([]);
  });

  it('records ApprovalNotified on the execution stream: channel and count, no address, no link', async () => {
    const id = 'exec-notified';
    const before = world.sentEmails().length;
    await gate(id);
    const [link] = linksIn(newEmails(before)[0]!);
    const events = await world.executionEvents(id);
    const notified = events.filter((e) => e.type === 'ApprovalNotified');
    expect(notified).toHaveLength(1);
    expect(notified[0]).toMatchObject({ actor: 'step:request-approval', data: { approvalId: `${id}-1`, channel: 'email', recipients: 1 }, sealed: null });
    const executionAndLogs = JSON.stringify(events) + output.join('');
    for (const secret of [APPROVER, link!, TOKEN]) expect(executionAndLogs).not.toContain(secret);
    // The approval stream seals its approvers with the token (clear: how many); the link is on record nowhere.
    const approval = JSON.stringify(await world.approvalEvents(`${id}-1`));
    for (const secret of [link!, link!.split('.')[1]!, TOKEN, APPROVER]) expect(approval).not.toContain(secret);
  });

  it('goes out only once the approval, token sealed, is on record', async () => {
    const id = 'exec-notify-order';
    const ses = mockClient(SESv2Client);
    try {
      const seen: string[][] = [];
      ses.on(SendEmailCommand).callsFake(async () => {
        seen.push((await world.approvalEvents(`${id}-1`)).map((e) => e.type));
        return { MessageId: 'm-1' };
      });
      await gate(id);
      expect(seen).toEqual([['ApprovalRequested']]);
      const [requested] = await world.approvalEvents(`${id}-1`);
      expect(requested!.sealed).not.toBeNull();
    } finally {
      ses.restore();
    }
  });
});

describe('when the email cannot be sent', () => {
  it('fails with NotificationFailed after the approval is on record, and the retried gate sends fresh links', async () => {
    const id = 'exec-notify-fail';
    const ses = mockClient(SESv2Client);
    try {
      ses.on(SendEmailCommand).rejectsOnce(Object.assign(new Error(`Throttling for ${APPROVER}`), { name: 'TooManyRequestsException' })).resolves({ MessageId: 'm-2' });
      const error = await failureOf(gate(id));
      expect(error).toBeInstanceOf(NotificationFailed);
      expect(error.message).toContain(`${id}-1`);
      expect(error.message).not.toContain(APPROVER);
      expect((await world.approvalEvents(`${id}-1`)).map((e) => e.type)).toEqual(['ApprovalRequested']);
      const failed = await world.executionEvents(id);
      expect(failed.map((e) => e.type)).toEqual(['StepFailed']);
      expect(failed[0]!.data).toMatchObject({ step: 'request-approval', error: 'NotificationFailed' });

      // The gate's Retry: a new token, a new expiry, every approver emailed again.
      world.setNow(new Date('2026-12-01T09:05:00.000Z'));
      await gate(id, RETRY_TOKEN);
      expect((await world.approvalEvents(`${id}-1`)).map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalTokenReplaced']);
      const retried = ses.commandCalls(SendEmailCommand)[1]!.args[0].input;
      const [link] = linksIn(retried);
      expect(await verifyApprovalLink(link, world.signer, new Date('2026-12-01T09:05:00.000Z'))).toMatchObject({
        ok: true,
        claims: { expiresAt: Date.parse('2026-12-02T09:04:00.000Z') / 1000 },
      });
      const events = await world.executionEvents(id);
      expect(events.filter((e) => e.type === 'ApprovalNotified').map((e) => e.data)).toEqual([{ approvalId: `${id}-1`, channel: 'email', recipients: 1 }]);
      expect(events.filter((e) => e.type === 'ApprovalRequested')).toHaveLength(1);
    } finally {
      ses.restore();
    }
  });

  it('sends the links of a retried gate to the approvers on record, not to whoever the settings name now', async () => {
    const id = 'exec-notify-on-record';
    await gate(id);
    // Between the attempts the configuration changed (a redeploy): the request's approvers still decide.
    vi.stubEnv('APPROVERS', JSON.stringify(['newcomer@example.test']));
    const before = world.sentEmails().length;
    await gate(id, RETRY_TOKEN);
    const resent = newEmails(before);
    expect(resent.map((email) => email.Destination?.ToAddresses)).toEqual([[APPROVER]]);
    const [link] = linksIn(resent[0]!);
    expect(await verifyApprovalLink(link, world.signer, new Date('2026-12-01T09:00:00.000Z'))).toMatchObject({ ok: true, claims: { approvalId: `${id}-1`, approverIndex: 0 } });
    expect(JSON.stringify(await world.approvalEvents(`${id}-1`))).not.toContain('newcomer@example.test');
  });

  it('sends nothing when a retried gate finds the approval already decided', async () => {
    const id = 'exec-notify-decided';
    await gate(id);
    await callStep(recordDecision, id, { approvalId: `${id}-1`, approver: APPROVER, decision: 'approve' });
    const before = world.sentEmails().length;
    await gate(id, RETRY_TOKEN);
    expect(newEmails(before)).toEqual([]);
    expect((await world.executionEvents(id)).filter((e) => e.type === 'ApprovalNotified')).toHaveLength(1);
  });

  it('fails with SecretUnavailable when the link key is out of reach, before any email', async () => {
    const id = 'exec-notify-kms';
    useLinkSigner({
      sign: async () => Promise.reject(new SecretUnavailable('approval link key (APPROVAL_LINK_KEY_ID)', 'KMS GenerateMac failed (AccessDeniedException)')),
      verify: async () => false,
    });
    const before = world.sentEmails().length;
    expect(await failureOf(gate(id))).toBeInstanceOf(SecretUnavailable);
    expect(newEmails(before)).toEqual([]);
  });
});

describe('several approvers', () => {
  const APPROVERS = ['first.approver@example.test', 'second.approver@example.test', 'third.approver@example.test'];

  it('emails each their own link naming their position; the first decision closes the gate and the other links find it decided', async () => {
    const id = 'exec-notify-many';
    vi.stubEnv('APPROVERS', JSON.stringify(APPROVERS));
    const before = world.sentEmails().length;
    await gate(id);
    const emails = newEmails(before);
    expect(emails.map((email) => email.Destination?.ToAddresses)).toEqual(APPROVERS.map((address) => [address]));
    const links = emails.map((email) => linksIn(email)[0]!);
    expect(new Set(links).size).toBe(3);
    const claims = await Promise.all(links.map((link) => verifyApprovalLink(link, world.signer, new Date('2026-12-01T09:00:00.000Z'))));
    expect(claims.map((c) => (c.ok ? c.claims.approverIndex : 'refused'))).toEqual([0, 1, 2]);
    // One request, the addresses sealed in order; clear: how many.
    const [requested] = await world.approvalEvents(`${id}-1`);
    expect(requested!.data.approverCount).toBe(3);
    expect((await openSealed(requested!, world.deps.sealer)).approvers).toEqual(APPROVERS);
    const notified = (await world.executionEvents(id)).filter((e) => e.type === 'ApprovalNotified');
    expect(notified.map((e) => e.data.recipients)).toEqual([3]);

    // The second approver decides on the page; the third's link then finds it decided.
    const page = (method: string, link: string, form?: Record<string, string>) => approvalPage(pageEvent(method, link, form ? { form } : {}), lambdaContext('req-many'));
    expect((await page('GET', links[2]!)).statusCode).toBe(200);
    expect((await page('POST', links[1]!, { decision: 'reject' })).statusCode).toBe(200);
    const approval = await world.approvalEvents(`${id}-1`);
    expect(approval[1]).toMatchObject({ type: 'ApprovalDecided', actor: 'approver:1', data: { approverIndex: 1, decision: 'reject' } });
    expect(await openSealed(approval[1]!, world.deps.sealer)).toEqual({ approver: APPROVERS[1] });
    const late = await page('POST', links[2]!, { decision: 'approve' });
    expect(late.statusCode).toBe(409);
    expect((await page('GET', links[0]!)).statusCode).toBe(409);
    expect(approvalState(await world.approvalEvents(`${id}-1`)).status).toBe('rejected');
    expect(deliveries(sfnMock)).toHaveLength(1);

    // None of the addresses in clear: events, logs, pages.
    const everything = JSON.stringify((await world.approvalEvents(`${id}-1`)).map((e) => e.data)) + JSON.stringify(await world.executionEvents(id)) + output.join('') + JSON.stringify(late);
    for (const address of APPROVERS) expect(everything).not.toContain(address);
  });

  it('lets any one of them decide through record-decision, by address', async () => {
    const id = 'exec-notify-many-operator';
    vi.stubEnv('APPROVERS', JSON.stringify(APPROVERS));
    await gate(id);
    expect(await callStep(recordDecision, id, { approvalId: `${id}-1`, approver: APPROVERS[2]!.toUpperCase(), decision: 'approve' })).toEqual({ approvalId: `${id}-1`, status: 'approved' });
    const decided = (await world.approvalEvents(`${id}-1`))[1]!;
    expect(decided).toMatchObject({ actor: 'approver:2', data: { approverIndex: 2 } });
  });
});

describe('notification settings', () => {
  it.each([
    ['APPROVAL_SITE_URL', ''],
    ['APPROVAL_SITE_URL', 'not a url'],
    ['APPROVAL_SITE_URL', 'http://approvals.example.com'],
    ['APPROVAL_SITE_URL', 'https://user:pass@approvals.example.com'],
    ['APPROVAL_SITE_URL', 'https://approvals.example.com/?next=evil'],
    ['APPROVAL_SITE_URL', 'javascript:alert(1)'],
    ['APPROVAL_LINK_KEY_ID', ''],
    ['APPROVAL_EMAIL_FROM', ''],
    ['APPROVAL_EMAIL_FROM', 'not-an-address'],
  ])('refuses %s=%j with ConfigurationInvalid naming it, before recording anything', async (name, value) => {
    vi.stubEnv(name, value);
    const id = `exec-notify-config-${name.length}-${value.length}`;
    const error = await failureOf(gate(id));
    expect(error).toBeInstanceOf(ConfigurationInvalid);
    expect(error.message).toContain(name);
    expect(await world.approvalEvents(`${id}-1`)).toEqual([]);
  });

  it.each([
    ['APPROVERS', undefined],
    ['APPROVERS', `["${APPROVER}"`],
    ['APPROVERS', JSON.stringify(APPROVER)],
    ['APPROVERS', '[]'],
    ['APPROVERS', JSON.stringify([APPROVER, 'not-an-address'])],
    ['WORKFLOW_NAME', undefined],
    ['WORKFLOW_NAME', 'purchase orders'],
  ])('refuses %s=%j with ConfigurationInvalid naming it and no address, before recording or sending anything', async (name, value) => {
    vi.stubEnv(name, value);
    const id = `exec-notify-gate-config-${name.length}-${String(value).length}`;
    const before = world.sentEmails().length;
    const error = await failureOf(gate(id));
    expect(error).toBeInstanceOf(ConfigurationInvalid);
    expect(error.message).toContain(name);
    expect(error.message).not.toContain(APPROVER);
    expect(await world.approvalEvents(`${id}-1`)).toEqual([]);
    expect(newEmails(before)).toEqual([]);
    // The failure on record names the error, never the value.
    expect(JSON.stringify(await world.executionEvents(id)) + output.join('')).not.toContain(APPROVER);
  });

  it('accepts http to this machine (the local runtime) and a trailing slash', async () => {
    vi.stubEnv('APPROVAL_SITE_URL', 'http://127.0.0.1:7700/');
    const before = world.sentEmails().length;
    await gate('exec-notify-local');
    expect(newEmails(before)[0]!.Content!.Simple!.Body!.Text!.Data).toContain('http://127.0.0.1:7700/approvals/');
  });
});
