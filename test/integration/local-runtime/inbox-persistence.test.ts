import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { describe, expect, it } from 'vitest';
import { freeBasePort } from '../../../lib/local/runtime/services/free-ports.js';
import { savedEmails, startInbox } from '../../../lib/local/runtime/services/local-services.js';

const email = (n: number) => ({ messageId: `m-${n}`, subject: `s${n}`, destination: { to: [`a${n}@example.com`] }, body: {}, at: n });

describe('the local inbox on disk', () => {
  it('appends each email as one line, keeps a restart whole, and skips a line a kill cut short', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'wardflow-inbox-'));
    const file = join(folder, 'inbox.jsonl');
    const port = await freeBasePort();
    const inbox = await startInbox({ host: '127.0.0.1', port, file });
    const before = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    const ses = new SESv2Client({ endpoint: inbox.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    for (const n of [1, 2, 3]) {
      await ses.send(
        new SendEmailCommand({
          FromEmailAddress: 'wardflow@example.com',
          Destination: { ToAddresses: [`approver${n}@example.com`] },
          Content: { Simple: { Subject: { Data: `approval ${n}` }, Body: { Text: { Data: `link ${n}` } } } },
        }),
      );
    }
    await inbox.stop();
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(before + 3);
    expect(lines.slice(-3).map((line) => (JSON.parse(line) as { subject: string }).subject)).toEqual(['approval 1', 'approval 2', 'approval 3']);

    appendFileSync(file, '{"messageId":"torn","subj');
    const loaded = savedEmails(file);
    expect(loaded).toHaveLength(before + 3);
    expect(loaded.map((e) => e.messageId)).not.toContain('torn');
  });

  it('reads the inbox.json array an older runtime left, before the lines', () => {
    const folder = mkdtempSync(join(tmpdir(), 'wardflow-inbox-'));
    writeFileSync(join(folder, 'inbox.json'), JSON.stringify([email(1), email(2)]));
    writeFileSync(join(folder, 'inbox.jsonl'), `${JSON.stringify(email(3))}\n`);
    expect(savedEmails(join(folder, 'inbox.jsonl')).map((e) => e.messageId)).toEqual(['m-1', 'm-2', 'm-3']);
  });
});
