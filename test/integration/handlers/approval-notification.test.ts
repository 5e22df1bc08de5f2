import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as recordDecision } from '../../../functions/record-decision/handler.js';
import { handler as requestApproval } from '../../../functions/request-approval/handler.js';
import { verifyApprovalLink } from '../../../functions/shared/approvals/approval-link.js';
import { useLinkSigner } from '../../../functions/shared/approvals/link-signer.js';
import { ConfigurationInvalid, NotificationFailed, SecretUnavailable } from '../../../functions/shared/errors.js';
import { acceptTaskCallbacks, callStep, captureOutput, failureOf, linksIn, STEP_ENV, stubStepEnvironment, undoTestStubs, useHandlerWorld, LARGE_INVOICE as invoice } from './harness.js';

/**
 * request-approval's emails: each approver gets a signed link of their own once the approval
 * (token sealed) is on record; ApprovalNotified says how many, never who; a failed email is
 * NotificationFailed for the gate to retry, and the retry sends fresh links.
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

const gate = (id: string, token = TOKEN) => callStep(requestApproval, id, { approvalId: `${id}-1`, invoice }, token);
const newEmails = (before: number) => world.sentEmails().slice(before);

describe('the approval email', () => {
  it('goes to the approver from the configured sender, with a link that names the approval, the approver and the expiry', async () => {
    const id = 'exec-notify';
    const before = world.sentEmails().length;
    await gate(id);
    const [email, ...more] = newEmails(before);
    expect(more).toEqual([]);
    expect(email).toMatchObject({ FromEmailAddress: STEP_ENV.APPROVAL_EMAIL_FROM, Destination: { ToAddresses: [STEP_ENV.APPROVER_EMAIL] } });
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
    for (const secret of [STEP_ENV.APPROVER_EMAIL, link!, TOKEN]) expect(executionAndLogs).not.toContain(secret);
    // The approval stream seals its approvers with the token (clear: how many); the link is on record nowhere.
    const approval = JSON.stringify(await world.approvalEvents(`${id}-1`));
    for (const secret of [link!, link!.split('.')[1]!, TOKEN, STEP_ENV.APPROVER_EMAIL]) expect(approval).not.toContain(secret);
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
      ses.on(SendEmailCommand).rejectsOnce(Object.assign(new Error(`Throttling for ${STEP_ENV.APPROVER_EMAIL}`), { name: 'TooManyRequestsException' })).resolves({ MessageId: 'm-2' });
      const error = await failureOf(gate(id));
      expect(error).toBeInstanceOf(NotificationFailed);
      expect(error.message).toContain(`${id}-1`);
      expect(error.message).not.toContain(STEP_ENV.APPROVER_EMAIL);
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
    vi.stubEnv('APPROVER_EMAIL', 'newcomer@example.test');
    const before = world.sentEmails().length;
    await gate(id, RETRY_TOKEN);
    const resent = newEmails(before);
    expect(resent.map((email) => email.Destination?.ToAddresses)).toEqual([[STEP_ENV.APPROVER_EMAIL]]);
    const [link] = linksIn(resent[0]!);
    expect(await verifyApprovalLink(link, world.signer, new Date('2026-12-01T09:00:00.000Z'))).toMatchObject({ ok: true, claims: { approvalId: `${id}-1`, approverIndex: 0 } });
    expect(JSON.stringify(await world.approvalEvents(`${id}-1`))).not.toContain('newcomer@example.test');
  });

  it('sends nothing when a retried gate finds the approval already decided', async () => {
    const id = 'exec-notify-decided';
    await gate(id);
    await callStep(recordDecision, id, { approvalId: `${id}-1`, approver: STEP_ENV.APPROVER_EMAIL, decision: 'approve' });
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

  it('accepts http to this machine (the local runtime) and a trailing slash', async () => {
    vi.stubEnv('APPROVAL_SITE_URL', 'http://127.0.0.1:7700/');
    const before = world.sentEmails().length;
    await gate('exec-notify-local');
    expect(newEmails(before)[0]!.Content!.Simple!.Body!.Text!.Data).toContain('http://127.0.0.1:7700/approvals/');
  });
});
