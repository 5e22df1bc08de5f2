import { KMSClient } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EncryptionSdkSealer } from '../../../functions/shared/crypto/envelope-sealer.js';
import { TamperDetected } from '../../../functions/shared/errors.js';
import { SEALING_KEY_ALIAS } from '../../../lib/local/aws-endpoint/kms.js';
import { contextRewritingKmsClient } from '../../support/kms.js';
import { PLANTED_SECRET } from '../../unit/events/event-fixtures.js';
import { removeDataFolders, startEndpoint, type EndpointUnderTest } from './endpoint-fixture.js';

const ctx = { stream: 'approval#k1', version: 3 };
const value = { taskToken: PLANTED_SECRET };

describe('EncryptionSdkSealer.kms through the local AWS endpoint', () => {
  let endpoint: EndpointUnderTest;
  let kms: KMSClient;
  beforeAll(async () => {
    endpoint = await startEndpoint();
    kms = endpoint.kmsClient();
  });
  afterAll(async () => {
    await endpoint.stop();
    removeDataFolders();
  });

  it('seals and opens with the key named by alias (resolved by DescribeKey) and by ARN, with and without the data key cache', async () => {
    for (const sealer of [
      EncryptionSdkSealer.kms({ keyId: SEALING_KEY_ALIAS, client: kms, cacheMaxAgeSeconds: 0 }),
      EncryptionSdkSealer.kms({ keyId: endpoint.kms.sealingKeyArn, client: kms, cacheMaxAgeSeconds: 60 }),
    ]) {
      const sealed = await sealer.seal(value, ctx);
      expect(Buffer.from(sealed, 'base64').includes(Buffer.from(PLANTED_SECRET))).toBe(false);
      expect(await sealer.open(sealed, ctx)).toEqual(value);
    }
  });

  it('refuses to open a value under another stream\'s context: TamperDetected', async () => {
    const sealer = EncryptionSdkSealer.kms({ keyId: endpoint.kms.sealingKeyArn, client: kms, cacheMaxAgeSeconds: 0 });
    const sealed = await sealer.seal(value, ctx);
    const error = await sealer.open(sealed, { stream: 'approval#k2', version: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TamperDetected);
    expect(error).toMatchObject({ reason: 'sealed data belongs to approval#k1 v3' });
    expect((error as Error).message).not.toContain(PLANTED_SECRET);
  });

  it('relies on the local KMS to enforce the context: a Decrypt whose context was rewritten on the way is refused', async () => {
    const sealed = await EncryptionSdkSealer.kms({ keyId: endpoint.kms.sealingKeyArn, client: kms, cacheMaxAgeSeconds: 0 }).seal(value, ctx);
    const meddling = contextRewritingKmsClient(endpoint.aws.endpoint);
    const reader = EncryptionSdkSealer.kms({ keyId: endpoint.kms.sealingKeyArn, client: meddling, cacheMaxAgeSeconds: 0 });
    const error = await reader.open(sealed, ctx).catch((e: unknown) => e);
    meddling.destroy();
    expect(error).toBeInstanceOf(TamperDetected);
    expect((error as Error).message).not.toContain(PLANTED_SECRET);
  });

  it('opens what it sealed after a restart on the same data folder', async () => {
    const sealed = await EncryptionSdkSealer.kms({ keyId: SEALING_KEY_ALIAS, client: kms, cacheMaxAgeSeconds: 0 }).seal(value, ctx);
    const restarted = await startEndpoint({ dataDir: endpoint.dataDir });
    try {
      const sealer = EncryptionSdkSealer.kms({ keyId: SEALING_KEY_ALIAS, client: restarted.kmsClient(), cacheMaxAgeSeconds: 0 });
      expect(await sealer.open(sealed, ctx)).toEqual(value);
    } finally {
      await restarted.stop();
    }
  });
});
