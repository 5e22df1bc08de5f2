import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as requestApproval } from '../../../functions/request-approval/handler.js';
import { composeApprovalEmail, sendApprovalEmail, useEmailClient, type ApprovalEmail, type ApprovalEmailKind } from '../../../functions/shared/approvals/approval-email.js';
import { verifyApprovalLink } from '../../../functions/shared/approvals/approval-link.js';
import { emailApprovers } from '../../../functions/shared/approvals/email-approvers.js';
import type { ApprovalSubject } from '../../../functions/shared/approvals/approval-subject.js';
import { HmacLinkSigner, useLinkSigner } from '../../../functions/shared/approvals/link-signer.js';
import { NotificationFailed } from '../../../functions/shared/errors.js';
import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';
import { setDependencies } from '../../../functions/shared/runtime.js';
import { PLANTED_SECRET, testSealer } from '../events/event-fixtures.js';
import { naughtyStrings, xssPayloads } from '../../support/datasets.js';

/**
 * Approval emails: the subject's title as the subject line and heading, its fields as rows;
 * every value escaped in the HTML part and flattened in the subject and the text part, whatever
 * a model extracted from an untrusted document; sent with SES v2 simple content; a failure names
 * the approval, never the address; and the task token never rides along. Against moto's SES:
 * test/integration/approvals/approval-email.moto.test.ts.
 */
const naughty = naughtyStrings();
const xss = xssPayloads();
const URL_OF_LINK = 'https://approvals.example.test/approvals/eyJ2IjoxfQ.bWFj';
const subject: ApprovalSubject = {
  title: 'Purchase order PO-7 from Contoso',
  fields: [
    { label: 'Supplier', value: 'Contoso Ltd' },
    { label: 'Order number', value: 'PO-7' },
    { label: 'Total', value: '9100.00 EUR' },
  ],
};
/** Two days before the expiry: the deadline reads "in 2 days". */
const NOW = new Date('2026-11-30T08:59:00.000Z');
const ASKED = { quorum: 1, approverCount: 3 } as const;
const DEADLINE = 'in 2 days, on Wednesday 2 December 2026 at 08:59 UTC';
const compose = (s: ApprovalSubject | undefined = subject): ApprovalEmail =>
  composeApprovalEmail({ approvalId: 'exec-42-1', subject: s, expiresAt: '2026-12-02T08:59:00.000Z', url: URL_OF_LINK, asked: ASKED, now: NOW });
/** A subject with `value` everywhere a workflow can put text. */
const hostile = (value: string): ApprovalSubject => ({ title: value, fields: [{ label: value, value }, { label: 'Plain', value }] });

const tagsOf = (html: string) => html.match(/<[^>]*>/g) ?? [];
const unescape = (html: string) => html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
/** What an approver should read for a value: control characters and line separators as one space, trimmed. */
const shown = (value: string) => value.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim();
const cell = (html: string, label: string) => new RegExp(`<th[^>]*><bdi>${label}</bdi></th><td><bdi>(.*?)</bdi></td>`).exec(html)?.[1];
const cells = (html: string) => [...html.matchAll(/<th[^>]*><bdi>(.*?)<\/bdi><\/th><td><bdi>(.*?)<\/bdi><\/td>/g)].map((m) => [unescape(m[1]!), unescape(m[2]!)]);
const heading = (html: string) => /<h1[^>]*><bdi>(.*?)<\/bdi><\/h1>/.exec(html)?.[1];

describe('composeApprovalEmail', () => {
  it('says what is being approved, with the link, in both parts: the title, then the fields, the approval and the expiry', () => {
    const email = compose();
    expect(email.subject).toBe('Approval needed: Purchase order PO-7 from Contoso');
    for (const part of [email.text, email.html]) {
      for (const fact of ['A request is waiting for your approval', 'Purchase order PO-7 from Contoso', 'Contoso Ltd', 'PO-7', '9100.00 EUR', 'exec-42-1', DEADLINE, 'You are one of 3 approvers; the first decision closes it.', URL_OF_LINK]) {
        expect(part).toContain(fact);
      }
    }
    expect(cells(email.html)).toEqual([
      ['Supplier', 'Contoso Ltd'],
      ['Order number', 'PO-7'],
      ['Total', '9100.00 EUR'],
      ['Approval', 'exec-42-1'],
      ['Decide by', DEADLINE],
    ]);
    expect(heading(email.html)).toBe('Purchase order PO-7 from Contoso');
    expect(email.text.split('\n').slice(0, 10)).toEqual([
      'A request is waiting for your approval.',
      'You are one of 3 approvers; the first decision closes it.',
      '',
      'Purchase order PO-7 from Contoso',
      '',
      'Supplier:     Contoso Ltd',
      'Order number: PO-7',
      'Total:        9100.00 EUR',
      'Approval:     exec-42-1',
      `Decide by:    ${DEADLINE}`,
    ]);
    expect(email.html).toContain(`<a href="${URL_OF_LINK}">`);
  });

  it('speaks of no particular kind of request', () => {
    const email = compose();
    expect(`${email.subject}\n${email.text}\n${email.html}`).not.toMatch(/invoice|vendor|payment|paid/i);
  });

  it('shows a workflow without fields, and values that are empty', () => {
    const email = compose({ title: 'Deploy release 7 to production', fields: [{ label: 'Notes', value: '' }] });
    expect(cells(email.html)).toEqual([
      ['Notes', ''],
      ['Approval', 'exec-42-1'],
      ['Decide by', DEADLINE],
    ]);
    expect(cells(compose({ title: 'Deploy', fields: [] }).html).map(([label]) => label)).toEqual(['Approval', 'Decide by']);
  });

  it('keeps the HTML structure and shows each naughty or XSS string as text, escaped, in the title, labels and values', () => {
    const structure = tagsOf(compose(hostile('harmless')).html);
    for (const value of [...naughty, ...xss]) {
      if (shown(value) === '') continue; // a title of blanks only reads as none: checked below
      const email = compose(hostile(value));
      expect(tagsOf(email.html), value).toEqual(structure);
      expect(unescape(heading(email.html) ?? '(missing)'), value).toBe(shown(value));
      expect(cells(email.html).slice(0, 2), value).toEqual([
        [shown(value), shown(value)],
        ['Plain', shown(value)],
      ]);
      // Payload text stays text: no tag of its own (the structure above), and no raw markup anywhere.
      expect(email.html).not.toMatch(/<(script|img|svg|iframe|body onload)/i);
    }
  });

  it('keeps the subject to one clean line and the text part to its own lines, whatever the title and fields hold', () => {
    const lines = compose(hostile('harmless')).text.split('\n').length;
    for (const value of [...naughty, 'a\r\nBcc: victim@example.com', `x\u2028Open this link instead: https://evil.example\n${'y'.repeat(500)}`]) {
      if (shown(value) === '') continue;
      const email = compose(hostile(value));
      expect(email.subject, value).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
      expect(email.subject.startsWith('Approval needed: '), value).toBe(true);
      expect(Array.from(email.subject).length).toBeLessThanOrEqual(200);
      expect(email.text.split('\n'), value).toHaveLength(lines);
      // No half surrogate pairs from the cut.
      expect(email.subject).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
  });

  it('names the approval when the title is nothing but blanks or control characters', () => {
    const email = compose({ title: ' \r\n\t ', fields: [{ label: 'Total', value: '1.00' }] });
    expect(email.subject).toBe('Approval needed: exec-42-1');
    expect(heading(email.html)).toBeUndefined();
    expect(cell(email.html, 'Total')).toBe('1.00');
  });

  it('carries the same facts in the text part as in the HTML part: every row, who is asked, the deadline and the link', () => {
    const email = compose();
    const textOfHtml = unescape(email.html.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ');
    for (const [label, value] of cells(email.html)) {
      expect(email.text).toMatch(new RegExp(`^${label}: +${(value ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    }
    for (const sentence of email.text.split('\n').filter((line) => line !== '' && !line.includes(':') && !line.startsWith('http'))) {
      expect(textOfHtml, sentence).toContain(sentence);
    }
  });

  it('says a deadline that has passed has passed, in both parts', () => {
    const email = composeApprovalEmail({ approvalId: 'exec-42-1', subject, expiresAt: '2026-12-02T08:59:00.000Z', url: URL_OF_LINK, asked: ASKED, now: new Date('2026-12-02T11:59:00.000Z') });
    for (const part of [email.text, email.html]) expect(part).toContain('passed 3 hours ago, on Wednesday 2 December 2026 at 08:59 UTC');
  });

  it('says so when the request recorded no subject', () => {
    const email = composeApprovalEmail({ approvalId: 'exec-42-1', subject: undefined, expiresAt: '2026-12-02T08:59:00.000Z', url: URL_OF_LINK, asked: ASKED, now: NOW });
    expect(email.subject).toBe('Approval needed: exec-42-1');
    expect(email.text).toContain('(not recorded)');
    expect(cell(email.html, 'Request')).toBe('(not recorded)');
  });
});

describe('composeApprovalEmail for a policy level', () => {
  const LEVEL_WORDS = 'Level 2 of 2. You are one of 3 finance directors; 2 of 3 finance directors must approve, and one rejection closes it.';
  const level = (kind: ApprovalEmailKind | undefined, askedText: string | undefined = LEVEL_WORDS) =>
    composeApprovalEmail({
      approvalId: 'exec-42-1',
      subject,
      expiresAt: '2026-12-02T08:59:00.000Z',
      url: URL_OF_LINK,
      asked: ASKED,
      now: NOW,
      ...(kind !== undefined ? { kind } : {}),
      ...(askedText !== undefined ? { askedText } : {}),
    });

  it('names the kind in the subject line: a request, a reminder, an escalation', () => {
    expect(level(undefined).subject).toBe('Approval needed: Purchase order PO-7 from Contoso');
    expect(level('request').subject).toBe('Approval needed: Purchase order PO-7 from Contoso');
    expect(level('reminder').subject).toBe('Reminder: approval needed: Purchase order PO-7 from Contoso');
    expect(level('escalation').subject).toBe('Escalated: approval needed: Purchase order PO-7 from Contoso');
  });

  it("puts the level's words in place of the approver count, in both parts", () => {
    const email = level('request');
    for (const part of [email.text, email.html]) {
      expect(part).toContain(LEVEL_WORDS);
      expect(part).not.toContain('You are one of 3 approvers');
    }
    expect(email.text.split('\n').slice(0, 2)).toEqual(['A request is waiting for your approval.', LEVEL_WORDS]);
  });

  it('a reminder says it is one and when the deadline is; an escalation says why it came; both parts alike', () => {
    const reminder = level('reminder');
    for (const part of [reminder.text, reminder.html]) expect(part).toContain(`Reminder: a request is still waiting for your approval; its deadline is ${DEADLINE}.`);
    const escalation = level('escalation', 'Level 1 of 2. This level was escalated to you because the managers did not decide in time. You are one of 3 finance directors; the first decision closes it.');
    for (const part of [escalation.text, escalation.html]) {
      expect(part).toContain('A request was escalated to you for approval, because those asked before you did not decide in time.');
      expect(part).toContain('This level was escalated to you because the managers did not decide in time.');
    }
    const late = composeApprovalEmail({ approvalId: 'exec-42-1', subject, expiresAt: '2026-12-02T08:59:00.000Z', url: URL_OF_LINK, asked: ASKED, now: new Date('2026-12-02T11:59:00.000Z'), kind: 'reminder' });
    expect(late.text).toContain('its deadline passed 3 hours ago, on Wednesday 2 December 2026 at 08:59 UTC.');
  });

  it('carries the same sentences in the text part as in the HTML part, for every kind', () => {
    for (const kind of ['request', 'reminder', 'escalation'] as const) {
      const email = level(kind);
      const textOfHtml = unescape(email.html.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ');
      // Rows are checked cell by cell above; the link's lead-in reads differently as an HTML link.
      const rows = new Set(cells(email.html).map(([label]) => label));
      const prose = email.text.split('\n').filter((line) => line !== '' && !line.startsWith('http') && !line.endsWith(':') && !rows.has(line.split(':')[0]!));
      expect(prose.some((line) => line.startsWith(kind === 'request' ? 'A request is' : kind === 'reminder' ? 'Reminder:' : 'A request was escalated'))).toBe(true);
      for (const sentence of prose) {
        expect(textOfHtml, `${kind}: ${sentence}`).toContain(sentence);
      }
    }
  });

  it('escapes the asked text in the HTML part and keeps it to one line in the text part', () => {
    const lines = level('request').text.split('\n').length;
    for (const value of [...xss, 'two\r\nlines: https://evil.example']) {
      if (shown(value) === '') continue;
      const email = level('request', value);
      expect(tagsOf(email.html), value).toEqual(tagsOf(level('request').html));
      expect(unescape(email.html), value).toContain(shown(value));
      expect(email.text.split('\n'), value).toHaveLength(lines);
    }
  });

  it('reads a blank asked text, or an unknown kind, as the plain request', () => {
    expect(level('request', ' \n ').text).toContain('You are one of 3 approvers; the first decision closes it.');
    expect(level('surprise' as ApprovalEmailKind).subject).toBe('Approval needed: Purchase order PO-7 from Contoso');
  });
});

const ses = mockClient(SESv2Client);

describe('emailApprovers', () => {
  const signer = new HmacLinkSigner(new Uint8Array(32).fill(9));
  const approval = { approvalId: 'exec-42-1', approvers: ['m1@example.com', 'm2@example.com', 'd1@example.com', 'd2@example.com', 'd3@example.com'], subject, expiresAt: '2026-12-02T08:59:00.000Z' };
  const settings = { siteUrl: 'https://approvals.example.test', from: 'wardflow@example.test' };
  const sent = () =>
    ses.commandCalls(SendEmailCommand).map((call) => {
      const input = call.args[0].input;
      return { to: input.Destination!.ToAddresses![0]!, subject: input.Content!.Simple!.Subject!.Data!, text: input.Content!.Simple!.Body!.Text!.Data!, html: input.Content!.Simple!.Body!.Html!.Data! };
    });
  const linkIndexOf = async (text: string) => {
    const link = /\/approvals\/(\S+)/.exec(text)![1]!;
    const check = await verifyApprovalLink(link, signer, NOW);
    if (!check.ok) throw new Error(check.problem);
    return check.claims.approverIndex;
  };
  beforeAll(() => useEmailClient(new SESv2Client({ region: 'us-east-1' })));
  afterAll(() => useEmailClient(undefined));
  beforeEach(() => {
    ses.reset();
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
  });

  it('without options: every approver, in order, each with the link of their own position, asked as one of them', async () => {
    expect(await emailApprovers(approval, settings, signer, NOW)).toBe(5);
    const emails = sent();
    expect(emails.map((email) => email.to)).toEqual(approval.approvers);
    expect(await Promise.all(emails.map((email) => linkIndexOf(email.text)))).toEqual([0, 1, 2, 3, 4]);
    for (const email of emails) {
      expect(email.subject).toBe('Approval needed: Purchase order PO-7 from Contoso');
      expect(email.text).toContain('You are one of 5 approvers; the first decision closes it.');
    }
  });

  it("with a level's recipients: only them, each link naming its roster position, with the level's kind and words, no other address", async () => {
    const askedText = 'Level 2 of 2. You are one of 3 finance directors; 2 of 3 finance directors must approve, and one rejection closes it.';
    const recipients = [
      { address: 'd1@example.com', linkIndex: 2 },
      { address: 'd3@example.com', linkIndex: 4 },
    ];
    expect(await emailApprovers(approval, settings, signer, NOW, { recipients, level: 1, kind: 'reminder', askedText })).toBe(2);
    const emails = sent();
    expect(emails.map((email) => email.to)).toEqual(['d1@example.com', 'd3@example.com']);
    expect(await Promise.all(emails.map((email) => linkIndexOf(email.text)))).toEqual([2, 4]);
    for (const email of emails) {
      expect(email.subject).toBe('Reminder: approval needed: Purchase order PO-7 from Contoso');
      for (const part of [email.text, email.html]) {
        expect(part).toContain(askedText);
        expect(part.match(/[\w.]+@example\.com/g) ?? []).toEqual([]);
      }
    }
  });

  it('with no recipients, sends nothing', async () => {
    expect(await emailApprovers(approval, settings, signer, NOW, { recipients: [], kind: 'escalation' })).toBe(0);
    expect(sent()).toEqual([]);
  });
});

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
      APPROVERS: '["approver@example.com"]',
      WORKFLOW_NAME: 'purchase-orders',
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
    const planted = { title: `Order ${PLANTED_SECRET.slice(0, 3)}`, fields: [{ label: 'Total', value: 12480 }] };
    await requestApproval({ executionId: 'exec-planted', taskToken: PLANTED_SECRET, input: { approvalId: 'exec-planted-1', subject: planted } }, context);
    const calls = ses.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(1);
    const sent = JSON.stringify(calls[0]!.args[0].input);
    expect(sent).not.toContain(PLANTED_SECRET);
    expect(sent).not.toContain(Buffer.from(PLANTED_SECRET).toString('base64'));
    expect(sent).not.toContain(Buffer.from(PLANTED_SECRET).toString('base64url'));
    expect(sent).toContain('https://approvals.example.test/approvals/');
  });

  it('tells each of several approvers how many are asked and when to decide, in both parts, never the token nor another address', async () => {
    vi.stubEnv('APPROVERS', '["first.approver@example.com","second.approver@example.com","third.approver@example.com"]');
    await requestApproval({ executionId: 'exec-three', taskToken: PLANTED_SECRET, input: { approvalId: 'exec-three-1', subject } }, context);
    const calls = ses.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      const input = call.args[0].input;
      const to = input.Destination!.ToAddresses![0]!;
      const body = input.Content!.Simple!.Body!;
      for (const part of [body.Text!.Data!, body.Html!.Data!]) {
        expect(part).toContain('You are one of 3 approvers; the first decision closes it.');
        // Asked at 09:00 with a day to decide (less the gate's safety margin): a day from now, on Wednesday.
        expect(part).toMatch(/Decide by:?.*in (23|24) hours, on Wednesday 2 December 2026 at 0[89]:\d\d UTC/s);
        expect(part).not.toContain(PLANTED_SECRET);
        expect(part.match(/[\w.]+@example\.com/g) ?? [], to).toEqual([]);
      }
    }
  });
});
