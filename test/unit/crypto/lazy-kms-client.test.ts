import { randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { EncryptionSdkSealer } from '../../../functions/shared/crypto/envelope-sealer.js';

/** A step that never seals or opens must not pay for a KMS client (functions/shared/runtime.ts). */
describe('EncryptionSdkSealer.kms with a client factory', () => {
  const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const kms = mockClient(KMSClient);
  afterAll(() => kms.restore());

  it('creates the KMS client at the first seal, once, and uses it for opening too', async () => {
    const dataKey = randomBytes(32);
    // A fresh copy each call: the Encryption SDK zeroes a plaintext data key once it is done with it.
    kms.on(GenerateDataKeyCommand).callsFake(() => ({ KeyId: KEY_ARN, Plaintext: Uint8Array.from(dataKey), CiphertextBlob: Buffer.from('wrapped-data-key') }));
    kms.on(DecryptCommand).callsFake(() => ({ KeyId: KEY_ARN, Plaintext: Uint8Array.from(dataKey) }));
    let created = 0;
    const sealer = EncryptionSdkSealer.kms({
      keyId: KEY_ARN,
      client: () => {
        created += 1;
        return new KMSClient({ region: 'eu-west-1' });
      },
      cacheMaxAgeSeconds: 0,
    });
    expect(created).toBe(0);

    const context = { stream: 'execution#lazy', version: 1 };
    const sealed = await sealer.seal({ invoiceText: 'x' }, context);
    expect(await sealer.open(sealed, context)).toEqual({ invoiceText: 'x' });
    expect(await sealer.open(sealed, context)).toEqual({ invoiceText: 'x' });
    expect(created).toBe(1);
    expect(kms.commandCalls(GenerateDataKeyCommand)).toHaveLength(1);
    expect(kms.commandCalls(DecryptCommand)).toHaveLength(2);
  });
});
