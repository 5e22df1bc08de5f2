import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { composeApprovalEmail, sendApprovalEmail, useEmailClient } from '../../../functions/shared/approvals/approval-email.js';
import { NotificationFailed } from '../../../functions/shared/errors.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../../support/dynalite.js';
import { describeWithMoto } from '../../support/moto.js';

/**
 * sendApprovalEmail against moto's SES (v2 SendEmail on its SES backend): moto refuses a
 * sender that is not a verified identity, as SES does, and keeps what it accepted, which this
 * test reads back from moto's model data (`/moto-api/data.json`).
 */
const FROM = 'wardflow@example.test';
const TO = 'approver@example.com';
const email = composeApprovalEmail({
  approvalId: 'exec-moto-mail-1',
  subject: { title: 'Purchase order PO-7 from <Contoso> & Sons', fields: [{ label: 'Supplier', value: 'Contoso <Ltd> & Sons' }] },
  expiresAt: '2026-12-02T08:59:00.000Z',
  url: 'https://approvals.example.test/approvals/eyJ2IjoxfQ.bWFj',
  asked: { quorum: 1, approverCount: 1 },
  now: new Date('2026-11-30T08:59:00.000Z'),
});

interface MotoMessage {
  source: string;
  subject: string;
  body: string;
  destinations: { ToAddresses?: string[] };
}

describeWithMoto('sendApprovalEmail', (moto) => {
  let ses: SESv2Client;
  beforeAll(() => {
    ses = new SESv2Client({ endpoint: moto().endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    useEmailClient(ses);
  });
  afterAll(() => {
    useEmailClient(undefined);
    ses?.destroy();
  });

  async function storedMessages(): Promise<MotoMessage[]> {
    const data = (await (await fetch(`${moto().endpoint}/moto-api/data.json`)).json()) as { ses?: { Message?: MotoMessage[] } };
    return data.ses?.Message ?? [];
  }

  it('fails with NotificationFailed, naming the approval and not the address, while the sender is not a verified identity', async () => {
    const error = await sendApprovalEmail({ from: FROM, to: TO, approvalId: 'exec-moto-mail-1', email }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotificationFailed);
    expect((error as Error).message).toContain('exec-moto-mail-1');
    expect((error as Error).message).toContain('MessageRejected');
    expect((error as Error).message).not.toContain(TO);
    expect((error as Error).message).not.toContain(FROM);
    expect(await storedMessages()).toEqual([]);
  });

  it('is accepted once the sender is verified, and moto keeps the subject, HTML body and recipient it was given', async () => {
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: FROM }));
    await sendApprovalEmail({ from: FROM, to: TO, approvalId: 'exec-moto-mail-1', email });
    const messages = await storedMessages();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ source: FROM, subject: email.subject, body: email.html, destinations: { ToAddresses: [TO] } });
    expect(messages[0]!.body).toContain('Contoso &lt;Ltd&gt; &amp; Sons');
    expect(messages[0]!.subject).toBe('Approval needed: Purchase order PO-7 from <Contoso> & Sons');
  });
});
