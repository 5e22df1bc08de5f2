import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { doctorCommand, formatCheck } from '../../../lib/cli/commands/doctor.js';
import { checkArchiveLag, checkKey, checkMappings, checkSecretAge, checkSubscriptions, currentValueSince } from '../../../lib/cli/doctor-checks.js';
import { parseCommandLine } from '../../../lib/cli/options.js';

/** The verdicts with fixed facts and dates; the SDK plumbing runs against moto (test/integration/cli/doctor.moto.test.ts). */
const NOW = new Date('2026-12-01T09:00:00Z');
const daysBefore = (days: number) => new Date(NOW.getTime() - days * 24 * 60 * 60 * 1000);
const TOPIC = 'arn:aws:sns:eu-west-1:222222222222:wardflow-prod-alarms';

describe('doctor verdicts', () => {
  it('alarm subscriptions: none is a problem, a pending one is a problem, addresses never shown in clear', () => {
    expect(checkSubscriptions(TOPIC, [])[0]).toMatchObject({ ok: false, message: 'nobody is subscribed: alarms reach no one' });
    const [pending] = checkSubscriptions(TOPIC, [
      { protocol: 'email', endpoint: 'oncall@example.com', pending: true },
      { protocol: 'https', endpoint: 'https://chat.example.com/hooks/T0-secret-path', pending: false },
    ]);
    expect(pending!.ok).toBe(false);
    expect(pending!.message).toMatch(/^1 of 2 subscriptions are pending confirmation/);
    expect(pending!.fix).toContain('confirm each');
    const [ok] = checkSubscriptions(TOPIC, [{ protocol: 'https', endpoint: 'https://chat.example.com/hooks/T0-secret-path', pending: false }]);
    expect(ok).toMatchObject({ ok: true, message: '1 confirmed subscription (https chat.example.com)' });
    const shown = JSON.stringify([pending, ok]);
    expect(shown).not.toContain('oncall@example.com');
    expect(shown).not.toContain('T0-secret-path');
    expect(checkSubscriptions(undefined, [])[0]!.ok).toBe(false);
  });

  it('secret age: within the policy is ok, past it is a problem; the workflow\'s rotationDays replaces the 90-day default', () => {
    const name = 'wardflow/prod/invoice-approval/payments-api-key';
    expect(checkSecretAge({ name, valueSince: daysBefore(90), policyDays: 90, defaultPolicy: true }, NOW)).toMatchObject({ ok: true, message: 'value 90 days old (since 2026-09-02), within its policy of 90 days (the default)' });
    const old = checkSecretAge({ name, valueSince: daysBefore(91), policyDays: 90, defaultPolicy: true }, NOW);
    expect(old).toMatchObject({ ok: false, message: 'value 91 days old (since 2026-09-01), older than its policy of 90 days (the default)' });
    expect(old.fix).toContain('put-secret-value');
    expect(checkSecretAge({ name, valueSince: daysBefore(31), policyDays: 30, defaultPolicy: false }, NOW).ok).toBe(false);
    expect(checkSecretAge({ name, valueSince: undefined, policyDays: 90, defaultPolicy: true }, NOW).ok).toBe(false);
  });

  it('a secret\'s value dates from its AWSCURRENT version or last rotation, never from a later change of description or tags', () => {
    expect(currentValueSince({ versions: [{ stages: ['AWSPREVIOUS'], created: daysBefore(200) }, { stages: ['AWSCURRENT'], created: daysBefore(100) }], created: daysBefore(300) })).toEqual(daysBefore(100));
    expect(currentValueSince({ versions: [{ stages: ['AWSCURRENT'], created: daysBefore(100) }], lastRotated: daysBefore(10) })).toEqual(daysBefore(10));
    expect(currentValueSince({ versions: [], created: daysBefore(5) })).toEqual(daysBefore(5));
  });

  it('stream mapping: missing or disabled is a problem; archive lag: above 15 minutes or no data at all is a problem', () => {
    expect(checkMappings('fn', [{ uuid: 'u-1', state: 'Enabled' }])[0]!.ok).toBe(true);
    expect(checkMappings('fn', [{ uuid: 'u-1', state: 'Disabled' }])[0]).toMatchObject({ ok: false, fix: expect.stringContaining('update-event-source-mapping --uuid u-1 --enabled') });
    expect(checkMappings('fn', [])[0]!.ok).toBe(false);
    expect(checkMappings(undefined, [])[0]!.ok).toBe(false);
    expect(checkArchiveLag('fn', 4_000)).toMatchObject({ ok: true, message: 'the archive is 4 seconds behind the events table (limit 15 minutes)' });
    expect(checkArchiveLag('fn', 16 * 60_000).ok).toBe(false);
    expect(checkArchiveLag('fn', undefined)).toMatchObject({ ok: false, message: 'no IteratorAge data in the last 60 minutes: the archiver read nothing from the stream' });
  });

  it('keys: symmetric without rotation is a problem, HMAC is reported as not rotatable, a disabled key is a problem', () => {
    expect(checkKey({ logicalId: 'TableKey', keyId: 'k-1', spec: 'SYMMETRIC_DEFAULT', state: 'Enabled', rotation: true }).ok).toBe(true);
    const off = checkKey({ logicalId: 'SealingKey', keyId: 'k-2', spec: 'SYMMETRIC_DEFAULT', state: 'Enabled', rotation: false });
    expect(formatCheck(off)).toBe('PROBLEM  key-rotation  SealingKey: key k-2: automatic rotation is off. Fix: turn it on: `aws kms enable-key-rotation --key-id k-2` (the stack declares it on: someone turned it off, check CloudTrail)');
    expect(checkKey({ logicalId: 'ApprovalLinkKey', keyId: 'k-3', spec: 'HMAC_256', state: 'Enabled', rotation: undefined }).ok).toBe(true);
    expect(checkKey({ logicalId: 'AuditKey', keyId: 'k-4', spec: 'SYMMETRIC_DEFAULT', state: 'PendingDeletion', rotation: undefined }).ok).toBe(false);
  });
});

describe('doctor reading SNS (aws-sdk-client-mock: moto confirms every subscription at once, so it cannot show a pending one)', () => {
  const cloudFormation = mockClient(CloudFormationClient);
  const sns = mockClient(SNSClient);
  afterEach(() => {
    cloudFormation.reset();
    sns.reset();
  });

  it('reads PendingConfirmation as pending, reports it and exits 1', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'wardflow-prod', StackStatus: 'CREATE_COMPLETE', CreationTime: NOW, Outputs: [{ OutputKey: 'AlarmTopicArn', OutputValue: TOPIC }] }] });
    cloudFormation.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [] });
    sns.on(ListSubscriptionsByTopicCommand).resolves({ Subscriptions: [{ SubscriptionArn: 'PendingConfirmation', Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: TOPIC }] });
    const out: string[] = [];
    const clients = { cloudFormation: new CloudFormationClient({}), sns: new SNSClient({}), secrets: new SecretsManagerClient({}), lambda: new LambdaClient({}), cloudWatch: new CloudWatchClient({}), kms: new KMSClient({}) };
    const code = await doctorCommand(parseCommandLine(['doctor', '--env', 'prod', '--region', 'eu-west-1']), { out: (l) => out.push(l), err: (l) => out.push(l) }, { clients, now: NOW, workflows: [] });
    expect(code).toBe(1);
    expect(out[0]).toMatch(/^PROBLEM  alarm-subscriptions  arn:aws:sns:eu-west-1:222222222222:wardflow-prod-alarms: 1 of 1 subscription is pending confirmation/);
    expect(out.join('\n')).not.toContain('oncall@example.com');
    // With no archiver in this stack, its mapping and lag are problems too.
    expect(out.at(-1)).toBe('wardflow-prod: 3 problems to fix.');
  });
});

describe('doctor command line', () => {
  it('needs --env and AWS; docs needs neither', () => {
    expect(() => parseCommandLine(['doctor', '--region', 'eu-west-1'])).toThrow(/`doctor` checks a deployed stack from the outside: give --env NAME/);
    expect(() => parseCommandLine(['doctor'])).toThrow(/give --env NAME/);
    expect(parseCommandLine(['doctor', '--env', 'prod', '--profile', 'ro']).target).toEqual({ mode: 'aws', profile: 'ro', region: undefined, environment: 'prod' });
    expect(() => parseCommandLine(['docs', '--region', 'eu-west-1'])).toThrow(/talks to no runtime or stack, so --region does not apply/);
    expect(parseCommandLine(['docs', '--check']).docs).toEqual({ check: true });
    expect(() => parseCommandLine(['audit', 'verify', '--check'])).toThrow(/--check is an option of `docs`/);
  });
});
