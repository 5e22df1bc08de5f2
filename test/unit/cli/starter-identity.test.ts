import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { starterIdentity } from '../../../lib/cli/starter-identity.js';
import { clearPrincipal, PlatformInputSchema, starterOf, withStarter } from '../../../functions/record-start/started-by.js';

const sts = mockClient(STSClient);
const ROLE_SESSION = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0a1b/jane.doe.planted@example.com';
beforeEach(() => sts.reset());

describe('starterIdentity', () => {
  it('asks STS GetCallerIdentity on AWS, once, with no parameters, and answers its ARN', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Arn: ROLE_SESSION, Account: '123456789012', UserId: 'AROA:jane' });
    const client = new STSClient({ region: 'eu-west-1' });
    expect(await starterIdentity({ mode: 'aws', sts: client })).toBe(ROLE_SESSION);
    expect(sts.commandCalls(GetCallerIdentityCommand).map((c) => c.args[0].input)).toEqual([{}]);
  });

  it('turns credentials STS cannot use into the CLI\'s own error', async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    await expect(starterIdentity({ mode: 'aws', sts: new STSClient({ region: 'eu-west-1' }) })).rejects.toMatchObject({ name: 'CredentialsMissing' });
  });

  it('is the OS user locally, never calling STS', async () => {
    expect(await starterIdentity({ mode: 'local' }, () => ({ username: 'jane' }))).toBe('local:jane');
    expect(await starterIdentity({ mode: 'local' }, () => { throw new Error('no passwd entry'); })).toBe('local:unknown');
    expect(sts.calls()).toHaveLength(0);
  });
});

describe('started-by: what stands in clear', () => {
  it('keeps the account and the principal type in clear and the full principal sealed', () => {
    expect(starterOf({ startedBy: ROLE_SESSION })).toEqual({
      clear: { startedBy: 'aws:123456789012:assumed-role', startedThrough: 'wardflow' },
      sealed: { startedBy: ROLE_SESSION },
    });
    expect(clearPrincipal('arn:aws:iam::123456789012:user/ci/deployer')).toBe('aws:123456789012:user');
    expect(clearPrincipal('arn:aws:iam::123456789012:root')).toBe('aws:123456789012:root');
    expect(clearPrincipal('local:jane')).toBe('local');
    expect(starterOf(undefined)).toEqual({ clear: { startedBy: 'unknown', startedThrough: 'other' } });
  });

  it('accepts only a principal ARN or local:<user>, bounded', () => {
    for (const startedBy of [ROLE_SESSION, 'arn:aws:iam::123456789012:root', 'arn:aws-us-gov:sts::123456789012:federated-user/bob', 'local:jane']) {
      expect(PlatformInputSchema.safeParse({ startedBy }).success, startedBy).toBe(true);
    }
    for (const value of [{ startedBy: 'jane' }, { startedBy: 'arn:aws:s3:::bucket' }, { startedBy: 'local:' }, { startedBy: `local:${'x'.repeat(2000)}` }, { startedBy: ROLE_SESSION, extra: 1 }, {}]) {
      expect(PlatformInputSchema.safeParse(value).success, JSON.stringify(value).slice(0, 60)).toBe(false);
    }
  });

  it('adds the field to an object input and refuses one that has it', () => {
    expect(JSON.parse(withStarter('{"a":1}', 'local:jane'))).toEqual({ a: 1, wardflow: { startedBy: 'local:jane' } });
    expect(() => withStarter('{"wardflow":1}', 'local:jane')).toThrow(RangeError);
    expect(() => withStarter('[1]', 'local:jane')).toThrow(RangeError);
  });
});
