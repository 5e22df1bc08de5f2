import { buildClient, CommitmentPolicy, RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/client-node';
import { describe, expect, it } from 'vitest';
import { EncryptionSdkSealer } from '../../../functions/shared/crypto/envelope-sealer.js';
import { ConfigurationInvalid, TamperDetected } from '../../../functions/shared/errors.js';
import { PLANTED_SECRET, TEST_KEY, testSealer } from '../events/event-fixtures.js';
import { naughtyStrings } from '../../support/datasets.js';

const s1 = { stream: 'execution#s', version: 1 };
const value = { taskToken: PLANTED_SECRET, n: 1, nested: { ok: true } };

async function failure(p: Promise<unknown>): Promise<TamperDetected> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(TamperDetected);
  const tamper = error as TamperDetected;
  // Never leak what was sealed, nor the ciphertext.
  expect(tamper.message).not.toContain(PLANTED_SECRET);
  expect(JSON.stringify(tamper.details)).not.toContain(PLANTED_SECRET);
  return tamper;
}

describe('EncryptionSdkSealer (raw AES)', () => {
  const sealer = testSealer();

  it('round-trips a value bound to its stream and version', async () => {
    const sealed = await sealer.seal(value, s1);
    expect(sealed).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain(PLANTED_SECRET);
    expect(await sealer.open(sealed, s1)).toEqual(value);
  });

  it('round-trips every naughty string', async () => {
    const blns: string[] = naughtyStrings();
    expect(await sealer.open(await sealer.seal({ blns }, s1), s1)).toEqual({ blns });
  });

  it('puts exactly the wardflow encryption context in the message header', async () => {
    const sealed = await sealer.seal(value, s1);
    const keyring = new RawAesKeyringNode({
      keyName: 'test-key',
      keyNamespace: 'wardflow-test',
      unencryptedMasterKey: TEST_KEY,
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
    const { decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
    const { messageHeader } = await decrypt(keyring, Buffer.from(sealed, 'base64'));
    expect(messageHeader.encryptionContext).toEqual({ 'wardflow:stream': 'execution#s', 'wardflow:version': '1' });
  });

  it('refuses to open as another version or another stream', async () => {
    const sealed = await sealer.seal(value, s1);
    const asV2 = await failure(sealer.open(sealed, { stream: 'execution#s', version: 2 }));
    expect(asV2).toMatchObject({ stream: 'execution#s', version: 2, reason: 'sealed data belongs to execution#s v1' });
    const asT1 = await failure(sealer.open(sealed, { stream: 'execution#t', version: 1 }));
    expect(asT1.reason).toBe('sealed data belongs to execution#s v1');
  });

  it('refuses a ciphertext with any one byte flipped (header, key, body or tag)', async () => {
    const bytes = Buffer.from(await sealer.seal(value, s1), 'base64');
    const positions = [0, 1, 20, 60, Math.floor(bytes.length / 2), bytes.length - 40, bytes.length - 1];
    for (const at of positions) {
      const altered = Buffer.from(bytes);
      altered[at] = (altered[at] ?? 0) ^ 0x01;
      const tamper = await failure(sealer.open(altered.toString('base64'), s1));
      expect(tamper.reason, `byte ${at}`).toMatch(/^sealed data (does not decrypt|carries an unexpected|belongs to)/);
    }
  });

  it('refuses a truncated ciphertext, one that is not base64, and one sealed under another key', async () => {
    const sealed = await sealer.seal(value, s1);
    await failure(sealer.open(sealed.slice(0, sealed.length - 8), s1));
    expect((await failure(sealer.open('not base64!', s1))).reason).toBe('sealed data is not base64');
    const other = testSealer(Uint8Array.from({ length: 32 }, () => 9));
    expect((await failure(other.open(sealed, s1))).reason).toMatch(/^sealed data does not decrypt/);
  });

  it('requires a 32-byte raw key', () => {
    expect(() => EncryptionSdkSealer.rawAes({ keyName: 'k', keyNamespace: 'n', key: new Uint8Array(16) })).toThrow(ConfigurationInvalid);
  });
});
