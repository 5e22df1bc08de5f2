import { GenerateMacCommand, KMSClient, KMSInvalidMacException, VerifyMacCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { HmacLinkSigner, KmsLinkSigner, linkSignerFor, useLinkSigner } from '../../../functions/shared/approvals/link-signer.js';
import { ConfigurationInvalid, SecretUnavailable } from '../../../functions/shared/errors.js';

/**
 * The KMS signer's contract with the rest of the page: a MAC KMS calls invalid is `false`,
 * every other KMS failure is SecretUnavailable (never "invalid", never "valid").
 * Against a real HMAC key in moto: test/integration/approvals/link-signer.moto.test.ts.
 */
const kmsMock = mockClient(KMSClient);
const KEY_ID = 'alias/wardflow-test-approval-links';
const message = new TextEncoder().encode('wardflow/approval-link/v1\nexec-1-1\n0\n1796201940');
const mac = new Uint8Array(32).fill(7);
const signer = () => new KmsLinkSigner({ keyId: KEY_ID, client: new KMSClient({ region: 'us-east-1' }) });

beforeEach(() => kmsMock.reset());

describe('KmsLinkSigner', () => {
  it('signs with GenerateMac HMAC_SHA_256 on the configured key and returns the MAC', async () => {
    kmsMock.on(GenerateMacCommand).resolves({ Mac: mac, KeyId: 'arn:aws:kms:us-east-1:000000000000:key/k', MacAlgorithm: 'HMAC_SHA_256' });
    expect(await signer().sign(message)).toEqual(mac);
    expect(kmsMock.commandCalls(GenerateMacCommand)[0]!.args[0].input).toEqual({ KeyId: KEY_ID, Message: message, MacAlgorithm: 'HMAC_SHA_256' });
  });

  it('verifies with VerifyMac: MacValid true is true, KMSInvalidMacException is false', async () => {
    kmsMock.on(VerifyMacCommand).resolvesOnce({ MacValid: true }).rejectsOnce(new KMSInvalidMacException({ message: 'invalid', $metadata: {} }));
    expect(await signer().verify(message, mac)).toBe(true);
    expect(await signer().verify(message, mac)).toBe(false);
    expect(kmsMock.commandCalls(VerifyMacCommand)[0]!.args[0].input).toEqual({ KeyId: KEY_ID, Message: message, Mac: mac, MacAlgorithm: 'HMAC_SHA_256' });
  });

  it('turns any other KMS failure into SecretUnavailable naming the key variable, never a verdict', async () => {
    for (const name of ['ThrottlingException', 'AccessDeniedException', 'DisabledException', 'NotFoundException', 'TimeoutError']) {
      kmsMock.reset();
      const failure = Object.assign(new Error(`${name}: key material 0xDEADBEEF for approver@example.com`), { name });
      kmsMock.on(VerifyMacCommand).rejects(failure);
      kmsMock.on(GenerateMacCommand).rejects(failure);
      for (const attempt of [signer().verify(message, mac), signer().sign(message)]) {
        const error = await attempt.then(() => undefined, (e: unknown) => e);
        expect(error, name).toBeInstanceOf(SecretUnavailable);
        expect((error as Error).message).toContain('APPROVAL_LINK_KEY_ID');
        expect((error as Error).message).toContain(name);
        expect((error as Error).message).not.toContain('approver@example.com');
        expect((error as Error).message).not.toContain('DEADBEEF');
      }
    }
  });

  it('treats an answer without a MAC as unavailable, not as a MAC', async () => {
    kmsMock.on(GenerateMacCommand).resolves({});
    await expect(signer().sign(message)).rejects.toBeInstanceOf(SecretUnavailable);
    kmsMock.on(VerifyMacCommand).resolves({});
    expect(await signer().verify(message, mac)).toBe(false);
  });

  it('refuses an empty key id', () => {
    expect(() => new KmsLinkSigner({ keyId: ' ', client: new KMSClient({ region: 'us-east-1' }) })).toThrow(ConfigurationInvalid);
  });
});

describe('HmacLinkSigner', () => {
  it('verifies its own MAC, and refuses another message, another MAC or a MAC of another length without throwing', async () => {
    const hmac = new HmacLinkSigner(new Uint8Array(32).fill(1));
    const own = await hmac.sign(message);
    expect(own.byteLength).toBe(32);
    expect(await hmac.verify(message, own)).toBe(true);
    expect(await hmac.verify(new TextEncoder().encode('other'), own)).toBe(false);
    expect(await hmac.verify(message, Uint8Array.from(own, (b, i) => (i === 31 ? b ^ 1 : b)))).toBe(false);
    expect(await hmac.verify(message, own.slice(0, 31))).toBe(false);
    expect(await hmac.verify(message, new Uint8Array(0))).toBe(false);
  });

  it('refuses keys shorter than 32 bytes', () => {
    expect(() => new HmacLinkSigner(new Uint8Array(16))).toThrow(ConfigurationInvalid);
  });
});

describe('linkSignerFor', () => {
  it('uses an installed signer, else one KMS signer per key id', () => {
    const installed = new HmacLinkSigner(new Uint8Array(32));
    useLinkSigner(installed);
    expect(linkSignerFor(KEY_ID)).toBe(installed);
    useLinkSigner(undefined);
    const kms = linkSignerFor(KEY_ID);
    expect(kms).toBeInstanceOf(KmsLinkSigner);
    expect(linkSignerFor(KEY_ID)).toBe(kms);
    expect(linkSignerFor('alias/another')).not.toBe(kms);
  });
});
