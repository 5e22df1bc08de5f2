import { CloudFormationClient, CreateStackCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { CheckResult } from '../../../lib/cli/doctor-checks.js';
import { secretFacts } from '../../../lib/cli/doctor-facts.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../../support/dynalite.js';
import { describeWithMoto } from '../../support/moto.js';
import { cliReachesMoto, doctorStackTemplate } from '../../support/moto-stack.js';
import { runCliCaptured } from '../../unit/cli/cli-harness.js';

/**
 * `wardflow doctor` against moto, the second judge: stacks created through CloudFormation (see
 * doctorStackTemplate), found by the CLI through DescribeStacks and ListStackResources, then SNS,
 * Lambda, CloudWatch and KMS asked about them as AWS would be. What moto cannot show is tested
 * with fixed facts in test/unit/cli/doctor.test.ts: a subscription pending confirmation (moto
 * confirms at once), a secret's value older than its policy (moto dates versions now), and secrets
 * in a stack (moto's CloudFormation has no AWS::SecretsManager::Secret: the secret's plumbing is
 * checked here through Secrets Manager directly).
 */
const ONCALL = 'oncall@example.com';

describeWithMoto('wardflow doctor', (moto) => {
  const config = () => ({ endpoint: moto().endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  let archiver: string;

  beforeAll(async () => {
    const cloudFormation = new CloudFormationClient(config());
    await cloudFormation.send(new CreateStackCommand({ StackName: 'wardflow-ops', TemplateBody: JSON.stringify(doctorStackTemplate('ops', { subscriber: ONCALL })) }));
    await cloudFormation.send(new CreateStackCommand({ StackName: 'wardflow-bare', TemplateBody: JSON.stringify(doctorStackTemplate('bare', { mappingEnabled: false })) }));
    const resources = await cloudFormation.send(new ListStackResourcesCommand({ StackName: 'wardflow-ops' }));
    cloudFormation.destroy();
    archiver = resources.StackResourceSummaries!.find((r) => r.ResourceType === 'AWS::Lambda::Function')!.PhysicalResourceId!;
    // What Lambda reports for a stream it reads: the age of the last record of a batch, here 3 seconds,
    // ten minutes ago (moto returned no point stamped at the very end of the queried window).
    const cloudWatch = new CloudWatchClient(config());
    await cloudWatch.send(new PutMetricDataCommand({ Namespace: 'AWS/Lambda', MetricData: [{ MetricName: 'IteratorAge', Dimensions: [{ Name: 'FunctionName', Value: archiver }], Value: 3_000, Unit: 'Milliseconds', Timestamp: new Date(Date.now() - 10 * 60_000) }] }));
    cloudWatch.destroy();
    cliReachesMoto(moto().endpoint);
  });
  afterAll(() => vi.unstubAllEnvs());

  const doctor = (...args: string[]) => runCliCaptured(['doctor', ...args, '--region', TEST_REGION]);

  it('finds the stack\'s topic, archiver, mapping and keys, says what holds, and names the key whose rotation is off', async () => {
    const run = await doctor('--env', 'ops');
    expect(run.code, run.stderr).toBe(1);
    expect(run.err).toEqual([]);
    expect(run.out[0]).toMatch(/^ok {7}alarm-subscriptions {2}arn:aws:sns:[^:]+:\d{12}:wardflow-ops-alarms: 1 confirmed subscription \(email o\S+@example\.com\)$/);
    expect(run.out).toContainEqual(expect.stringMatching(new RegExp(`^ok {7}audit-stream-mapping  ${archiver}: event-source mapping [0-9a-f-]+ is Enabled$`)));
    expect(run.out).toContainEqual(`ok       archive-lag  ${archiver}: the archive is 3 seconds behind the events table (limit 15 minutes)`);
    expect(run.out).toContainEqual(expect.stringMatching(/^ok {7}key-rotation {2}KeysTableKeyA1B2C3D4: key [0-9a-f-]+: automatic rotation is on$/));
    expect(run.out).toContainEqual(expect.stringMatching(/^PROBLEM {2}key-rotation {2}KeysSealingKeyE5F6A7B8: key [0-9a-f-]+: automatic rotation is off\. Fix: turn it on: `aws kms enable-key-rotation --key-id [0-9a-f-]+`/));
    expect(run.out.at(-1)).toBe('wardflow-ops: 1 problem to fix.');
    expect(run.stdout + run.stderr).not.toContain(ONCALL);
  });

  it('prints one JSON document with --json, and calls a stack without subscribers, with its mapping disabled and no lag data, broken', async () => {
    const run = await doctor('--env', 'bare', '--json');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { stack: string; ok: boolean; checks: CheckResult[] };
    expect(report).toMatchObject({ stack: 'wardflow-bare', ok: false });
    const problems = report.checks.filter((c) => !c.ok).map((c) => [c.check, c.message]);
    expect(problems).toEqual([
      ['alarm-subscriptions', 'nobody is subscribed: alarms reach no one'],
      ['audit-stream-mapping', expect.stringMatching(/^event-source mapping [0-9a-f-]+ is Disabled: the archive receives nothing/)],
      ['archive-lag', 'no IteratorAge data in the last 60 minutes: the archiver read nothing from the stream'],
      ['key-rotation', expect.stringMatching(/automatic rotation is off$/)],
    ]);
  });

  it('names a stack that does not exist', async () => {
    const run = await doctor('--env', 'qa');
    expect(run.code).toBe(1);
    expect(run.err[0]).toBe(`wardflow: CloudFormation stack wardflow-qa not found (region ${TEST_REGION}, default credentials). Deploy it with \`npx cdk deploy\`, or pass the --env, --region or --profile it was deployed with.`);
  });

  it('reads a secret\'s current value date and its workflow\'s policy from Secrets Manager, never its value', async () => {
    const client = new SecretsManagerClient(config());
    const created = await client.send(new CreateSecretCommand({ Name: 'wardflow/ops/invoice-approval/payments-api-key', SecretString: 'planted-secret-value' }));
    const before = Date.now();
    const [declared] = await secretFacts(client, [created.ARN!], (workflow, secret) => (workflow === 'invoice-approval' && secret === 'payments-api-key' ? 30 : undefined));
    const [fallback] = await secretFacts(client, [created.ARN!], () => undefined);
    client.destroy();
    expect(declared).toMatchObject({ name: 'wardflow/ops/invoice-approval/payments-api-key', policyDays: 30, defaultPolicy: false });
    expect(fallback).toMatchObject({ policyDays: 90, defaultPolicy: true });
    // Dated by moto when it stored the value: within this test, whatever the clock.
    expect(Math.abs(declared!.valueSince!.getTime() - before)).toBeLessThan(24 * 60 * 60 * 1000);
    expect(JSON.stringify([declared, fallback])).not.toContain('planted-secret-value');
  });
});
