import middy from '@middy/core';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clearCache } from '@middy/util';
import { afterEach, expect, it, vi } from 'vitest';
import { SecretUnavailable } from '../../../functions/shared/errors.js';
import type { Context } from 'aws-lambda';
import type { Invocation, WardflowContext } from '../../../functions/shared/middleware/invocation.js';
import { Redactor } from '../../../functions/shared/middleware/redact.js';
import { secrets } from '../../../functions/shared/middleware/secrets.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../../support/dynalite.js';
import { describeWithMoto } from '../../support/moto.js';

const VALUE = 'sk_live_PLANTED_moto_0008';

describeWithMoto('secrets middleware', (moto) => {
  const client = () => new SecretsManagerClient({ endpoint: moto().endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });

  /** Counts GetSecretValue calls that reach moto, through the SDK's middleware stack. */
  function countingClient(): { client: SecretsManagerClient; calls: () => number } {
    const c = client();
    let calls = 0;
    c.middlewareStack.add((next) => async (args) => {
      calls++;
      return next(args);
    }, { step: 'initialize', name: 'countCalls' });
    return { client: c, calls: () => calls };
  }

  function wrapped(fetch: Record<string, string>, sm: SecretsManagerClient, cacheExpiry: number, redactor = new Redactor()) {
    const seen: { secrets: Record<string, string>; reads: Invocation['secretReads'] }[] = [];
    const handler = middy(async (_e: unknown, lambdaContext: Context) => {
      const context = lambdaContext as unknown as WardflowContext;
      seen.push({ secrets: { ...context.secrets }, reads: [...context.wardflow.secretReads] });
    }).use(secrets({ fetch, cacheExpiry, client: sm, redactor }));
    return { handler, seen };
  }

  afterEach(() => {
    clearCache();
    vi.useRealTimers();
  });

  it('reads a secret created in moto, with its VersionId, and caches it within cacheExpiry', async () => {
    const created = await client().send(new CreateSecretCommand({ Name: 'wardflow/test/payments-1', SecretString: VALUE }));
    const { client: sm, calls } = countingClient();
    const redactor = new Redactor();
    const { handler, seen } = wrapped({ paymentsApiKey: 'wardflow/test/payments-1' }, sm, 60_000, redactor);
    await handler({}, {} as never);
    await handler({}, {} as never);
    expect(calls()).toBe(1);
    expect(seen[1]).toEqual({ secrets: { paymentsApiKey: VALUE }, reads: [{ name: 'wardflow/test/payments-1', versionId: created.VersionId }] });
    expect(redactor.redact(`k=${VALUE}`)).toBe('k=[REDACTED]');
  });

  it('after cacheExpiry reads the rotated value and its new version', async () => {
    await client().send(new CreateSecretCommand({ Name: 'wardflow/test/payments-2', SecretString: VALUE }));
    vi.useFakeTimers({ toFake: ['Date'] });
    const { client: sm, calls } = countingClient();
    const { handler, seen } = wrapped({ key: 'wardflow/test/payments-2' }, sm, 1_000);
    await handler({}, {} as never);
    const rotated = await client().send(new PutSecretValueCommand({ SecretId: 'wardflow/test/payments-2', SecretString: `${VALUE}-v2` }));
    vi.setSystemTime(Date.now() + 1_001);
    await handler({}, {} as never);
    expect(calls()).toBe(2);
    expect(seen[1]).toEqual({ secrets: { key: `${VALUE}-v2` }, reads: [{ name: 'wardflow/test/payments-2', versionId: rotated.VersionId }] });
  });

  it('a missing secret fails with SecretUnavailable naming the secret and the service error', async () => {
    const { handler } = wrapped({ key: 'wardflow/test/does-not-exist' }, client(), 60_000);
    const error = await (handler({}, {} as never) as Promise<unknown>).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretUnavailable);
    expect((error as Error).message).toMatch(/wardflow\/test\/does-not-exist.*ResourceNotFoundException/);
  });
});
