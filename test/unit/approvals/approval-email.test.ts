import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as requestApproval } from '../../../functions/request-approval/handler.js';
import { composeApprovalEmail, sendApprovalEmail, useEmailClient, type ApprovalEmail } from '../../../functions/shared/approvals/approval-email.js';
import type { ApprovalSummary } from '../../../functions/shared/approvals/approval-summary.js';
import { HmacLinkSigner, useLinkSigner } from '../../../functions/shared/approvals/link-signer.js';
import { NotificationFailed } from '../../../functions/shared/errors.js';
import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';
import { setDependencies } from '../../../functions/shared/runtime.js';
import { PLANTED_SECRET, testSealer } from '../events/event-fixtures.js';
import { naughtyStrings, xssPayloads } from '../../support/datasets.js';

/**
 * Approval emails: every value escaped in the HTML part and flattened in the subject and the
 * text part, whatever a model extracted from an untrusted invoice; sent with SES v2 simple
 * content; a failure names the approval, never the address; and the task token never rides
 * along. Against moto's SES: test/integration/approvals/approval-email.moto.test.ts.
 */
const naughty = naughtyStrings();
const xss = xssPayloads();
const URL_OF_LINK = 'https://approvals.example.test/approvals/eyJ2IjoxfQ.bWFj';
const summary: ApprovalSummary = { vendor: 'Northwind Traders', invoiceNumber: 'NW-88213', currency: 'USD', amount: '12480.00' };
const compose = (s: ApprovalSummary | undefined = summary): ApprovalEmail =>
  composeApprovalEmail({ approvalId: 'exec-42-1', summary: s, expiresAt: '2026-12-02T08:59:00.000Z', url: URL_OF_LINK });

const tagsOf = (html: string) => html.match(/<[^>]*>/g) ?? [];
const unescape = (html: string) => html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
/** What an approver should read for a value: control characters and line separators as one space, trimmed. */
const shown = (value: string) => value.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim();
const cell = (html: string, label: string) => new RegExp(`<th[^>]*>${label}</th><td><bdi>(.*?)</bdi></td>`).exec(html)?.[1];

describe('composeApprovalEmail', () => {
  it('says what is being approved, with the link, in both parts', () => {
    const email = compose();
    expect(email.subject).toBe('Approval needed: invoice NW-88213 from Northwind Traders (12480.00 USD)');
    for (const part of [email.text, email.html]) {
      for (const fact of ['Northwind Traders', 'NW-88213', '12480.00 USD', 'exec-42-1', '2026-12-02 08:59 UTC', URL_OF_LINK]) expect(part).toContain(fact);
    }
    expect(email.html).toContain(`<a href="${URL_OF_LINK}">`);
  });

  it('keeps the HTML structure and shows each naughty or XSS string as text, escaped, in every field', () => {
    const structure = tagsOf(compose().html);
    for (const value of [...naughty, ...xss]) {
      const email = compose({ vendor: value, invoiceNumber: value, currency: value, amount: value });
      expect(tagsOf(email.html), value).toEqual(structure);
      expect(unescape(cell(email.html, 'Vendor') ?? '(missing)'), value).toBe(shown(value));
      expect(unescape(cell(email.html, 'Invoice number') ?? '(missing)'), value).toBe(shown(value));
      // Payload text stays text: no tag of its own (the structure above), and no raw markup anywhere.
      expect(email.html).not.toMatch(/<(script|img|svg|iframe|body onload)/i);
    }
  });

  it('keeps the subject to one clean line and the text part to its own lines, whatever the values hold', () => {
    const lines = compose().text.split('\n').length;
    for (const value of [...naughty, 'a\r\nBcc: victim@example.com', `x\u2028Open this link instead: https://evil.example\n${'y'.repeat(500)}`]) {
      const email = compose({ ...summary, vendor: value, invoiceNumber: value });
      expect(email.subject, value).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
      expect(Array.from(email.subject).length).toBeLessThanOrEqual(200);
      expect(email.text.split('\n'), value).toHaveLength(lines);
      // No half surrogate pairs from the cut.
      expect(email.subject).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
  });

  it('says so when the request recorded no summary', () => {
    const email = composeApprovalEmail({ approvalId: 'exec-42-1', summary: undefined, expiresAt: '2026-12-02T08:59:00.000Z', url: URL_OF_LINK });
    expect(email.subject).toBe('Approval needed: exec-42-1');
    expect(email.text).toContain('(not recorded)');
  });
});

const ses = mockClient(SESv2Client);

describe('sendApprovalEmail', () => {
  beforeAll(() => useEmailClient(new SESv2Client({ region: 'us-east-1' })));
  afterAll(() => useEmailClient(undefined));
  beforeEach(() => ses.reset());

  it('sends simple content, text and HTML in UTF-8, to the one approver, from the configured sender', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    const email = compose();
    await sendApprovalEmail({ from: 'wardflow@example.test', to: 'approver@example.com', approvalId: 'exec-42-1', email });
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input).toEqual({
      FromEmailAddress: 'wardflow@example.test',
      Destination: { ToAddresses: ['approver@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: email.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
        },
      },
    });
  });

  it('fails with NotificationFailed naming the approval and the error name, never the address', async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('Email address is not verified: approver@example.com'), { name: 'MessageRejected' }));
    const error = await sendApprovalEmail({ from: 'wardflow@example.test', to: 'approver@example.com', approvalId: 'exec-42-1', email: compose() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotificationFailed);
    expect((error as NotificationFailed).name).toBe('NotificationFailed');
    expect((error as Error).message).toContain('exec-42-1');
    expect((error as Error).message).toContain('MessageRejected');
    expect(JSON.stringify({ message: (error as Error).message, details: (error as NotificationFailed).details })).not.toContain('approver@example.com');
  });
});

describe('request-approval emails', () => {
  const context = { awsRequestId: 'req-email', functionName: 'request-approval' } as unknown as Context;
  beforeAll(() => {
    const sealer = testSealer();
    setDependencies({
      config: { environment: 'test', eventsTable: 'unused', dataKeyId: 'raw', dataKeyCacheSeconds: 0, secretsCacheSeconds: 0, logLevel: 'ERROR' },
      store: new InMemoryEventStore({ sealer }),
      sealer,
      now: () => new Date('2026-12-01T09:00:00.000Z'),
    });
    useLinkSigner(new HmacLinkSigner(new Uint8Array(32).fill(5)));
    useEmailClient(new SESv2Client({ region: 'us-east-1' }));
  });
  afterAll(() => {
    setDependencies(undefined);
    useLinkSigner(undefined);
    useEmailClient(undefined);
  });
  beforeEach(() => {
    ses.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    for (const [name, value] of Object.entries({
      APPROVER_EMAIL: 'approver@example.com',
      APPROVAL_TIMEOUT_SECONDS: '86400',
      APPROVAL_SITE_URL: 'https://approvals.example.test/',
      APPROVAL_LINK_KEY_ID: 'alias/test-links',
      APPROVAL_EMAIL_FROM: 'wardflow@example.test',
    })) {
      vi.stubEnv(name, value);
    }
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('never puts the planted task token in any part of any email, nor in the request to SES', async () => {
    const invoice = { vendor: `Vendor ${PLANTED_SECRET.slice(0, 3)}`, invoiceNumber: 'NW-1', currency: 'USD', amount: '12480.00', dueDate: '2026-12-31' };
    await requestApproval({ executionId: 'exec-planted', taskToken: PLANTED_SECRET, input: { approvalId: 'exec-planted-1', invoice } }, context);
    const calls = ses.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(1);
    const sent = JSON.stringify(calls[0]!.args[0].input);
    expect(sent).not.toContain(PLANTED_SECRET);
    expect(sent).not.toContain(Buffer.from(PLANTED_SECRET).toString('base64'));
    expect(sent).not.toContain(Buffer.from(PLANTED_SECRET).toString('base64url'));
    expect(sent).toContain('https://approvals.example.test/approvals/');
  });
});
