import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { expect, it } from 'vitest';
import { TEST_CREDENTIALS, TEST_REGION } from '../support/dynalite.js';
import { describeWithMoto } from '../support/moto.js';

describeWithMoto('moto harness', (moto) => {
  it('answers real KMS calls', async () => {
    const kms = new KMSClient({ endpoint: moto().endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    const key = await kms.send(new CreateKeyCommand({}));
    expect(key.KeyMetadata?.KeyId).toMatch(/[0-9a-f-]{36}/);
  });
});
