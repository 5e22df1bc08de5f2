import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EncryptionSdkSealer } from '../../../functions/shared/crypto/envelope-sealer.js';
import { SecretUnavailable, TamperDetected } from '../../../functions/shared/errors.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../../support/dynalite.js';
import { describeWithMoto } from '../../support/moto.js';
import { contextRewritingKmsClient } from '../../support/kms.js';
import { PLANTED_SECRET } from '../../unit/events/event-fixtures.js';

const ctx = { stream: 'approval#k1', version: 3 };
const value = { taskToken: PLANTED_SECRET };

describeWithMoto('EncryptionSdkSealer with KMS', (moto) => {
  let kms: KMSClient;
  let keyId: string;
  let keyArn: string;
  const newKey = async () => (await kms.send(new CreateKeyCommand({ Description: 'wardflow test data key' }))).KeyMetadata!;
  beforeAll(async () => {
    kms = new KMSClient({ endpoint: moto().endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    const key = await newKey();
    keyId = key.KeyId!;
    keyArn = key.Arn!;
  });
  afterAll(() => kms?.destroy());

  it('round-trips with a key id (resolved to its ARN) and with a key ARN, with and without the data key cache', async () => {
    for (const sealer of [
      EncryptionSdkSealer.kms({ keyId, client: kms, cacheMaxAgeSeconds: 0 }),
      EncryptionSdkSealer.kms({ keyId: keyArn, client: kms, cacheMaxAgeSeconds: 60 }),
    ]) {
      const sealed = await sealer.seal(value, ctx);
      expect(await sealer.open(sealed, ctx)).toEqual(value);
      expect(await sealer.open(sealed, ctx)).toEqual(value);
    }
  });

  it('refuses to open as another event', async () => {
    const sealer = EncryptionSdkSealer.kms({ keyId: keyArn, client: kms, cacheMaxAgeSeconds: 0 });
    const sealed = await sealer.seal(value, ctx);
    await expect(sealer.open(sealed, { ...ctx, version: 4 })).rejects.toMatchObject({
      name: 'TamperDetected',
      reason: 'sealed data belongs to approval#k1 v3',
    });
  });

  it('relies on KMS to enforce the context: moto refuses a Decrypt whose context was changed', async () => {
    const sealer = EncryptionSdkSealer.kms({ keyId: keyArn, client: kms, cacheMaxAgeSeconds: 0 });
    const sealed = await sealer.seal(value, ctx);
    // A client that rewrites the context on its way to KMS: only KMS can notice.
    const meddling = contextRewritingKmsClient(moto().endpoint);
    const reader = EncryptionSdkSealer.kms({ keyId: keyArn, client: meddling, cacheMaxAgeSeconds: 0 });
    const error = await reader.open(sealed, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TamperDetected);
    expect((error as Error).message).not.toContain(PLANTED_SECRET);
    meddling.destroy();
  });

  it('refuses a ciphertext sealed under another KMS key', async () => {
    const other = await newKey();
    const sealed = await EncryptionSdkSealer.kms({ keyId: other.Arn!, client: kms, cacheMaxAgeSeconds: 0 }).seal(value, ctx);
    const sealer = EncryptionSdkSealer.kms({ keyId: keyArn, client: kms, cacheMaxAgeSeconds: 0 });
    await expect(sealer.open(sealed, ctx)).rejects.toBeInstanceOf(TamperDetected);
  });

  it('reports a KMS failure (throttling, access, network) as SecretUnavailable, not as tampering', async () => {
    const sealed = await EncryptionSdkSealer.kms({ keyId: keyArn, client: kms, cacheMaxAgeSeconds: 0 }).seal(value, ctx);
    // moto neither throttles nor checks IAM, so the failure is injected on the way to it.
    const failing = new KMSClient({ endpoint: moto().endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    failing.middlewareStack.add(
      (next) => async (args) => {
        if ('CiphertextBlob' in (args.input as object) || 'NumberOfBytes' in (args.input as object)) {
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'throttle' },
    );
    const sealer = EncryptionSdkSealer.kms({ keyId: keyArn, client: failing, cacheMaxAgeSeconds: 0 });
    const opening = await sealer.open(sealed, ctx).catch((e: unknown) => e);
    expect(opening).toBeInstanceOf(SecretUnavailable);
    expect((opening as Error).message).toContain('ThrottlingException');
    expect((opening as Error).message).not.toContain(PLANTED_SECRET);
    await expect(sealer.seal(value, ctx)).rejects.toBeInstanceOf(SecretUnavailable);
    failing.destroy();
  });
});
