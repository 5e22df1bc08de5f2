import { CreateAliasCommand, CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signApprovalLink, verifyApprovalLink } from '../../../functions/shared/approvals/approval-link.js';
import { KmsLinkSigner } from '../../../functions/shared/approvals/link-signer.js';
import { SecretUnavailable } from '../../../functions/shared/errors.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../../support/dynalite.js';
import { describeWithMoto } from '../../support/moto.js';

/**
 * KmsLinkSigner against moto's KMS, which has real HMAC keys: the MAC is made and checked by
 * KMS (GenerateMac / VerifyMac, HMAC_SHA_256), never by our code.
 */
const message = new TextEncoder().encode('wardflow/approval-link/v1\nexec-moto-1\n0\n1796201940');
const NOW = new Date('2026-12-01T09:00:00.000Z');
const claims = { approvalId: 'exec-moto-1', approverIndex: 0, expiresAt: Date.parse('2026-12-02T08:59:00.000Z') / 1000 };

describeWithMoto('KmsLinkSigner', (moto) => {
  let kms: KMSClient;
  let keyArn: string;
  beforeAll(async () => {
    kms = new KMSClient({ endpoint: moto().endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    const created = await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Description: 'wardflow test approval links' }));
    keyArn = created.KeyMetadata!.Arn!;
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/wardflow-test-approval-links', TargetKeyId: keyArn }));
  });
  afterAll(() => kms?.destroy());

  it('signs and verifies with the key by ARN and by alias', async () => {
    for (const keyId of [keyArn, 'alias/wardflow-test-approval-links']) {
      const signer = new KmsLinkSigner({ keyId, client: kms });
      const mac = await signer.sign(message);
      expect(mac.byteLength).toBe(32);
      expect(await signer.verify(message, mac)).toBe(true);
    }
  });

  it('answers false, not an error, for a tampered MAC or another message', async () => {
    const signer = new KmsLinkSigner({ keyId: keyArn, client: kms });
    const mac = await signer.sign(message);
    const tampered = Uint8Array.from(mac, (b, i) => (i === 0 ? b ^ 0x80 : b));
    expect(await signer.verify(message, tampered)).toBe(false);
    expect(await signer.verify(new TextEncoder().encode('wardflow/approval-link/v1\nexec-moto-2\n0\n1796201940'), mac)).toBe(false);
  });

  it('refuses a link MACed with another HMAC key, and accepts its own', async () => {
    const other = await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
    const ours = new KmsLinkSigner({ keyId: keyArn, client: kms });
    const theirs = new KmsLinkSigner({ keyId: other.KeyMetadata!.Arn!, client: kms });
    const link = await signApprovalLink(claims, ours);
    expect(await verifyApprovalLink(link, ours, NOW)).toEqual({ ok: true, claims });
    expect(await verifyApprovalLink(await signApprovalLink(claims, theirs), ours, NOW)).toEqual({ ok: false, problem: 'forged' });
  });

  it('reports a key that cannot make MACs (an encryption key) as unavailable, never as a verdict on the link', async () => {
    const encryption = await kms.send(new CreateKeyCommand({ Description: 'not an HMAC key' }));
    const wrong = new KmsLinkSigner({ keyId: encryption.KeyMetadata!.Arn!, client: kms });
    await expect(wrong.sign(message)).rejects.toBeInstanceOf(SecretUnavailable);
    await expect(wrong.verify(message, new Uint8Array(32))).rejects.toBeInstanceOf(SecretUnavailable);
    const missing = new KmsLinkSigner({ keyId: 'alias/wardflow-no-such-key', client: kms });
    await expect(missing.verify(message, new Uint8Array(32))).rejects.toBeInstanceOf(SecretUnavailable);
  });
});
