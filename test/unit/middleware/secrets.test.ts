import middy from '@middy/core';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clearCache, getCache } from '@middy/util';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationInvalid, SecretUnavailable } from '../../../functions/shared/errors.js';
import type { Context } from 'aws-lambda';
import type { Invocation, WardflowContext } from '../../../functions/shared/middleware/invocation.js';
import { Redactor } from '../../../functions/shared/middleware/redact.js';
import { secrets } from '../../../functions/shared/middleware/secrets.js';
import { lambdaContext } from './fixtures.js';

const SECRET_ID = 'wardflow/test/payments-api-key';
const VALUE = 'sk_live_PLANTED_secrets_0003';

const sm = mockClient(SecretsManagerClient);

function wrapped(cacheExpiry: number, redactor = new Redactor()) {
  const seen: { secrets: Record<string, string>; reads: Invocation['secretReads'] }[] = [];
  const handler = middy(async (_event: unknown, lambdaContext: Context) => {
    const context = lambdaContext as unknown as WardflowContext;
    seen.push({ secrets: { ...context.secrets }, reads: [...context.wardflow.secretReads] });
    return 'ok';
  }).use(secrets({ fetch: { paymentsApiKey: SECRET_ID }, cacheExpiry, client: new SecretsManagerClient({ region: 'us-east-1' }), redactor }));
  return { handler, seen, redactor };
}

describe('secrets middleware', () => {
  beforeEach(() => {
    sm.reset();
    sm.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: VALUE, VersionId: 'v-1' });
  });
  afterEach(() => {
    clearCache();
    vi.useRealTimers();
  });

  it('puts the value on context.secrets, records {name, versionId} and registers the value for redaction', async () => {
    const { handler, seen, redactor } = wrapped(60_000);
    await handler({}, lambdaContext());
    expect(seen[0]).toEqual({ secrets: { paymentsApiKey: VALUE }, reads: [{ name: SECRET_ID, versionId: 'v-1' }] });
    expect(redactor.redact(`Bearer ${VALUE}`)).toBe('Bearer [REDACTED]');
  });

  it('fetches once for two invocations within cacheExpiry, and records the read in both', async () => {
    const { handler, seen } = wrapped(60_000);
    await handler({}, lambdaContext('r1'));
    await handler({}, lambdaContext('r2'));
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(seen.map((s) => s.reads)).toEqual([[{ name: SECRET_ID, versionId: 'v-1' }], [{ name: SECRET_ID, versionId: 'v-1' }]]);
  });

  it('fetches again once cacheExpiry has passed, and picks up the rotated version', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const { handler, seen } = wrapped(1_000);
    await handler({}, lambdaContext());
    sm.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: `${VALUE}-rotated`, VersionId: 'v-2' });
    vi.setSystemTime(Date.now() + 999);
    await handler({}, lambdaContext());
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    vi.setSystemTime(Date.now() + 2);
    await handler({}, lambdaContext());
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
    expect(seen[2]).toEqual({ secrets: { paymentsApiKey: `${VALUE}-rotated` }, reads: [{ name: SECRET_ID, versionId: 'v-2' }] });
  });

  it("does not keep the process alive with middy's background refresh timer", async () => {
    const { handler } = wrapped(60_000);
    await handler({}, lambdaContext());
    const entry = getCache(`wardflow-secrets:paymentsApiKey=${SECRET_ID}`) as { refresh?: NodeJS.Timeout };
    expect(entry.refresh).toBeDefined();
    expect(entry.refresh?.hasRef()).toBe(false);
  });

  it('fetches on every invocation with cacheExpiry 0', async () => {
    const { handler } = wrapped(0);
    await handler({}, lambdaContext());
    await handler({}, lambdaContext());
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('refuses a cache that never expires (negative) or an absurd one', () => {
    expect(() => secrets({ fetch: {}, cacheExpiry: -1 })).toThrow(ConfigurationInvalid);
    expect(() => secrets({ fetch: {}, cacheExpiry: Number.POSITIVE_INFINITY })).toThrow(ConfigurationInvalid);
    expect(() => secrets({ fetch: {}, cacheExpiry: 86_400_001 })).toThrow(ConfigurationInvalid);
  });

  it('turns a failed fetch into SecretUnavailable naming the secret, never the service message, and retries next time', async () => {
    sm.reset();
    sm.on(GetSecretValueCommand)
      .rejectsOnce(Object.assign(new Error(`AccessDenied while reading ${VALUE}`), { name: 'AccessDeniedException' }))
      .resolves({ SecretString: VALUE, VersionId: 'v-1' });
    const { handler, seen } = wrapped(60_000);
    const error = await handler({}, lambdaContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretUnavailable);
    expect((error as SecretUnavailable).message).toContain(SECRET_ID);
    expect((error as SecretUnavailable).message).toContain('AccessDeniedException');
    expect((error as SecretUnavailable).message).not.toContain(VALUE);
    expect(seen).toHaveLength(0);
    await handler({}, lambdaContext());
    expect(seen[0]?.secrets).toEqual({ paymentsApiKey: VALUE });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('refuses a binary-only secret with SecretUnavailable', async () => {
    sm.reset();
    sm.on(GetSecretValueCommand).resolves({ SecretBinary: new Uint8Array([1, 2]), VersionId: 'v-1' });
    const { handler } = wrapped(60_000);
    await expect(handler({}, lambdaContext())).rejects.toThrow(/has no string value/);
  });

  it('a failing background refresh (middy refreshes on a timer) raises no unhandled rejection', async () => {
    vi.useFakeTimers();
    const { handler } = wrapped(1_000);
    await handler({}, lambdaContext());
    sm.reset();
    sm.on(GetSecretValueCommand).rejects(new Error('service down'));
    await vi.advanceTimersByTimeAsync(1_100);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    vi.useRealTimers();
    // The failed refresh emptied the entry: the next invocation fetches (and fails) itself.
    await expect(handler({}, lambdaContext())).rejects.toBeInstanceOf(SecretUnavailable);
  });
});
