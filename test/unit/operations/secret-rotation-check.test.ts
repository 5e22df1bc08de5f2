import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler, useMetricSink } from '../../../functions/secret-rotation-check/handler.js';
import { parsePolicies, rotationStatus } from '../../../functions/secret-rotation-check/rotation-age.js';

const NOW = new Date('2026-12-03T06:00:00Z');
const policy = { secretId: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:wardflow/dev/invoice-approval/payments-api-key-AbCdEf', name: 'invoice-approval/payments-api-key', rotationDays: 90 };
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);

describe('rotation age: how old a secret is against its policy', () => {
  it('is overdue only past its rotationDays whole days', () => {
    expect(rotationStatus(policy, { LastChangedDate: daysAgo(90) }, NOW)).toMatchObject({ ageDays: 90, overdue: false, since: 'LastChangedDate' });
    expect(rotationStatus(policy, { LastChangedDate: daysAgo(91) }, NOW)).toMatchObject({ ageDays: 91, overdue: true });
    expect(rotationStatus({ ...policy, rotationDays: 30 }, { LastChangedDate: daysAgo(31) }, NOW).overdue).toBe(true);
  });

  it('measures from the newest of LastRotatedDate and LastChangedDate, from CreatedDate only when neither is known', () => {
    expect(rotationStatus(policy, { LastRotatedDate: daysAgo(10), LastChangedDate: daysAgo(200), CreatedDate: daysAgo(400) }, NOW)).toMatchObject({ ageDays: 10, since: 'LastRotatedDate' });
    expect(rotationStatus(policy, { LastRotatedDate: daysAgo(200), LastChangedDate: daysAgo(5) }, NOW)).toMatchObject({ ageDays: 5, since: 'LastChangedDate' });
    expect(rotationStatus(policy, { CreatedDate: daysAgo(120) }, NOW)).toMatchObject({ ageDays: 120, since: 'CreatedDate', overdue: true });
    // Nothing proves a secret without dates was ever replaced.
    expect(rotationStatus(policy, {}, NOW).overdue).toBe(true);
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

  it('describes each secret (never reads its value) and emits SecretsOverdue in embedded metric format', async () => {
    secretsManager.on(DescribeSecretCommand, { SecretId: policy.secretId }).resolves({ LastChangedDate: daysAgo(12) });
    secretsManager.on(DescribeSecretCommand, { SecretId: `${policy.secretId}2` }).resolves({ LastChangedDate: daysAgo(45) });
    expect(await handler({}, undefined, () => NOW)).toEqual({ checked: 2, overdue: 1 });
    expect(secretsManager.calls()).toHaveLength(2);
    expect(secretsManager.calls().every((call) => call.args[0] instanceof DescribeSecretCommand)).toBe(true);
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
