import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import middy from '@middy/core';
import { clearCache } from '@middy/util';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { WardflowContext } from '../../../functions/shared/middleware/invocation.js';
import { secrets } from '../../../functions/shared/middleware/secrets.js';
import { PLANTED_SECRET } from '../../unit/events/event-fixtures.js';
import { PAYMENTS_SECRET_ID, newDataFolder, rawCall, removeDataFolders, startEndpoint, type EndpointUnderTest } from './endpoint-fixture.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const secretsFile = (dataDir: string) => join(dataDir, 'secrets.json');
const storedSecrets = (dataDir: string) => JSON.parse(readFileSync(secretsFile(dataDir), 'utf8')) as Record<string, string>;
const outcome = (call: Promise<unknown>) => call.then(() => 'no error', (error: Error) => error.name);

/** Starts an endpoint, reads one secret, stops. */
async function readOnce(dataDir: string, secretId = PAYMENTS_SECRET_ID) {
  const endpoint = await startEndpoint({ dataDir });
  try {
    return await endpoint.secretsClient().send(new GetSecretValueCommand({ SecretId: secretId }));
  } finally {
    await endpoint.stop();
  }
}

describe('local Secrets Manager: GetSecretValue', () => {
  let endpoint: EndpointUnderTest | undefined;
  afterEach(async () => {
    await endpoint?.stop();
    endpoint = undefined;
    clearCache();
  });
  afterAll(() => removeDataFolders());

  it("answers the data folder's secret by name, full ARN and partial ARN, as the AWSCURRENT version", async () => {
    endpoint = await startEndpoint();
    const client = endpoint.secretsClient();
    const byName = await client.send(new GetSecretValueCommand({ SecretId: PAYMENTS_SECRET_ID }));
    expect(byName.SecretString).toBe(storedSecrets(endpoint.dataDir)[PAYMENTS_SECRET_ID]);
    expect(byName).toMatchObject({ Name: PAYMENTS_SECRET_ID, VersionStages: ['AWSCURRENT'] });
    expect(byName.VersionId).toMatch(UUID);
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    expect(byName.ARN).toMatch(/^arn:aws:secretsmanager:us-east-1:000000000000:secret:wardflow\/local\/payments-api-key-[A-Za-z0-9]{6}$/);
    expect(byName.ARN).toBe(endpoint.secrets.arnOf(PAYMENTS_SECRET_ID));

    const partialArn = byName.ARN!.slice(0, -'-XXXXXX'.length);
    for (const secretId of [byName.ARN!, partialArn]) {
      const answer = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
      expect([answer.SecretString, answer.VersionId, answer.ARN]).toEqual([byName.SecretString, byName.VersionId, byName.ARN]);
    }
    const current = await client.send(new GetSecretValueCommand({ SecretId: PAYMENTS_SECRET_ID, VersionId: byName.VersionId, VersionStage: 'AWSCURRENT' }));
    expect(current.SecretString).toBe(byName.SecretString);
  });

  it('answers ResourceNotFoundException for anything else, without echoing what was asked', async () => {
    endpoint = await startEndpoint();
    const client = endpoint.secretsClient();
    const arn = endpoint.secrets.arnOf(PAYMENTS_SECRET_ID);
    for (const request of [
      { SecretId: 'wardflow/local/missing' },
      { SecretId: `${arn.slice(0, -6)}zzzzzz` },
      { SecretId: arn.replace('us-east-1', 'eu-west-1') },
      { SecretId: PAYMENTS_SECRET_ID, VersionStage: 'AWSPREVIOUS' },
      { SecretId: PAYMENTS_SECRET_ID, VersionId: '00000000-0000-4000-8000-000000000000' },
      { SecretId: 'constructor' },
    ]) {
      expect(await outcome(client.send(new GetSecretValueCommand(request)))).toBe('ResourceNotFoundException');
    }
    const value = storedSecrets(endpoint.dataDir)[PAYMENTS_SECRET_ID]!;
    for (const body of [{ SecretId: PLANTED_SECRET }, { SecretId: PAYMENTS_SECRET_ID, VersionStage: PLANTED_SECRET }, { SecretId: PAYMENTS_SECRET_ID, VersionId: PLANTED_SECRET }]) {
      const answer = await rawCall(endpoint.aws.endpoint, 'secretsmanager.GetSecretValue', body);
      expect(answer.json.__type).toBe('ResourceNotFoundException');
      expect(answer.text).not.toContain(PLANTED_SECRET);
      expect(answer.text).not.toContain(value);
    }
  });

  it('keeps a VersionId for as long as the value stays the same (across restarts) and gives a new one when it changes', async () => {
    const dataDir = newDataFolder();
    const first = await readOnce(dataDir);
    const again = await readOnce(dataDir);
    expect(again.VersionId).toBe(first.VersionId);

    writeFileSync(secretsFile(dataDir), JSON.stringify({ [PAYMENTS_SECRET_ID]: 'rotated-value' }));
    const rotated = await readOnce(dataDir);
    expect(rotated.SecretString).toBe('rotated-value');
    expect(rotated.VersionId).not.toBe(first.VersionId);
  });

  it('keys VersionIds per data folder: the same value in two folders has two VersionIds (no fingerprint of the value)', async () => {
    const [one, two] = [newDataFolder(), newDataFolder()];
    for (const dir of [one, two]) {
      await readOnce(dir); // creates the folder
      writeFileSync(secretsFile(dir), JSON.stringify({ [PAYMENTS_SECRET_ID]: 'the same value' }));
    }
    const [a, b] = [await readOnce(one), await readOnce(two)];
    expect(a.SecretString).toBe(b.SecretString);
    expect(a.VersionId).not.toBe(b.VersionId);
  });

  it('serves the project secrets middleware: the value on context.secrets, the VersionId in the SecretRead', async () => {
    endpoint = await startEndpoint();
    const expected = await endpoint.secretsClient().send(new GetSecretValueCommand({ SecretId: PAYMENTS_SECRET_ID }));
    const seen: { value?: string; versionId?: string | null }[] = [];
    const handler = middy(async (_event: unknown, lambdaContext: Context) => {
      const context = lambdaContext as unknown as WardflowContext;
      seen.push({ value: context.secrets.paymentsApiKey, versionId: context.wardflow.secretReads[0]?.versionId });
    }).use(secrets({ fetch: { paymentsApiKey: PAYMENTS_SECRET_ID }, cacheExpiry: 0, client: endpoint.secretsClient() }));
    await handler({}, {} as never);
    expect(seen).toEqual([{ value: expected.SecretString, versionId: expected.VersionId }]);
  });
});
