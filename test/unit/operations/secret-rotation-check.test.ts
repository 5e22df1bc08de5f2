import { DescribeSecretCommand, ListSecretVersionIdsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler, useMetricSink } from '../../../functions/secret-rotation-check/handler.js';
import { parsePolicies, rotationStatus } from '../../../functions/secret-rotation-check/rotation-age.js';

const NOW = new Date('2026-12-03T06:00:00Z');
const policy = { secretId: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:wardflow/dev/invoice-approval/payments-api-key-AbCdEf', name: 'invoice-approval/payments-api-key', rotationDays: 90 };
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);
/** A secret whose value in use (AWSCURRENT) was put `days` ago. */
const putAgo = (days: number) => ({ versions: [{ stages: ['AWSCURRENT'], created: daysAgo(days) }] });

describe('rotation age: how old a secret is against its policy', () => {
  it('is overdue only past its rotationDays whole days', () => {
    expect(rotationStatus(policy, putAgo(90), NOW)).toMatchObject({ ageDays: 90, overdue: false, since: 'current version' });
    expect(rotationStatus(policy, putAgo(91), NOW)).toMatchObject({ ageDays: 91, overdue: true });
    expect(rotationStatus({ ...policy, rotationDays: 30 }, putAgo(31), NOW).overdue).toBe(true);
  });

  it("measures from the newer of the current version's creation and the last rotation, from the secret's creation only when neither is known", () => {
    const previous = { stages: ['AWSPREVIOUS'], created: daysAgo(2) };
    expect(rotationStatus(policy, { versions: [previous, { stages: ['AWSCURRENT'], created: daysAgo(200) }], lastRotated: daysAgo(10), created: daysAgo(400) }, NOW)).toMatchObject({ ageDays: 10, since: 'last rotation' });
    expect(rotationStatus(policy, { versions: [previous, { stages: ['AWSCURRENT'], created: daysAgo(5) }], lastRotated: daysAgo(200) }, NOW)).toMatchObject({ ageDays: 5, since: 'current version' });
    expect(rotationStatus(policy, { versions: [], created: daysAgo(120) }, NOW)).toMatchObject({ ageDays: 120, since: 'creation', overdue: true });
    // Nothing proves a secret without dates was ever replaced.
    expect(rotationStatus(policy, { versions: [] }, NOW)).toMatchObject({ overdue: true, since: 'unknown' });
  });

  it('refuses ROTATION_POLICIES that are not a list of policies, without quoting them', () => {
    expect(parsePolicies(JSON.stringify([policy]))).toEqual([policy]);
    expect(() => parsePolicies('not json sk_live_123')).toThrow(/ROTATION_POLICIES is not JSON/);
    expect(() => parsePolicies(JSON.stringify([{ ...policy, rotationDays: 0 }]))).toThrow(/must be a list of/);
    expect(() => parsePolicies(undefined)).toThrow(/ROTATION_POLICIES/);
  });
});

describe('the rotation check handler', () => {
  const secretsManager = mockClient(SecretsManagerClient);
  let metrics: string[];
  let logs: string[];
  beforeEach(() => {
    secretsManager.reset();
    metrics = [];
    logs = [];
    useMetricSink((line) => metrics.push(line));
    // The logger writes INFO to stdout, WARN and ERROR to stderr.
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk) => {
        logs.push(String(chunk));
        return true;
      });
    }
    vi.stubEnv('WARDFLOW_ENV', 'dev');
    vi.stubEnv('ROTATION_POLICIES', JSON.stringify([policy, { ...policy, secretId: `${policy.secretId}2`, name: 'vendor/api-key', rotationDays: 30 }]));
  });
  afterEach(() => {
    useMetricSink(undefined);
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it("reads each secret's dates and version labels (never its value) and emits SecretsOverdue in embedded metric format", async () => {
    // A tag change an hour ago moved LastChangedDate; the value in use is still 45 days old.
    secretsManager.on(DescribeSecretCommand).resolves({ LastChangedDate: daysAgo(0), CreatedDate: daysAgo(400) });
    secretsManager.on(ListSecretVersionIdsCommand, { SecretId: policy.secretId }).resolves({ Versions: [{ VersionStages: ['AWSCURRENT'], CreatedDate: daysAgo(12) }] });
    secretsManager.on(ListSecretVersionIdsCommand, { SecretId: `${policy.secretId}2` }).resolves({ Versions: [{ VersionStages: ['AWSCURRENT'], CreatedDate: daysAgo(45) }] });
    expect(await handler({}, undefined, () => NOW)).toEqual({ checked: 2, overdue: 1 });
    expect(secretsManager.calls()).toHaveLength(4);
    expect(secretsManager.calls().every((call) => call.args[0] instanceof DescribeSecretCommand || call.args[0] instanceof ListSecretVersionIdsCommand)).toBe(true);
    expect(metrics).toHaveLength(1);
    expect(JSON.parse(metrics[0]!)).toEqual({
      _aws: {
        Timestamp: NOW.getTime(),
        CloudWatchMetrics: [{ Namespace: 'wardflow', Dimensions: [['Environment']], Metrics: [{ Name: 'SecretsOverdue', Unit: 'Count' }, { Name: 'SecretsChecked', Unit: 'Count' }] }],
      },
      Environment: 'dev',
      SecretsOverdue: 1,
      SecretsChecked: 2,
    });
    const records = logs.flatMap((chunk) => chunk.split('\n').filter((line) => line.trim() !== '')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'WARN', secretName: 'vendor/api-key', ageDays: 45, rotationDays: 30, overdue: true }),
        expect.objectContaining({ level: 'INFO', secretName: 'invoice-approval/payments-api-key', ageDays: 12, overdue: false }),
      ]),
    );
  });

  it('counts a secret it cannot describe as overdue, logging the error name only', async () => {
    secretsManager.on(DescribeSecretCommand).rejects(Object.assign(new Error('User: arn:aws:sts::111111111111:assumed-role/x is not authorized'), { name: 'AccessDeniedException' }));
    expect(await handler({}, undefined, () => NOW)).toEqual({ checked: 2, overdue: 2 });
    expect(JSON.parse(metrics[0]!)).toMatchObject({ SecretsOverdue: 2 });
    const text = logs.join('');
    expect(text).toContain('AccessDeniedException');
    expect(text).not.toContain('not authorized');
  });
});
