import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connect } from '../../../lib/cli/connection.js';
import { CredentialsMissing, RegionMissing, RuntimeNotRunning, StackNotFound, StackOutputMissing } from '../../../lib/cli/errors.js';
import { CLI_PERMISSIONS } from '../../../lib/cli/sdk-errors.js';
import { INVOICE_MACHINE_ARN, localRuntimeFolder, runCliCaptured } from './cli-harness.js';

const cloudFormation = mockClient(CloudFormationClient);
const sfn = mockClient(SFNClient);
const PROD_MACHINE = 'arn:aws:states:eu-west-1:123456789012:stateMachine:wardflow-prod-invoice-approval';

beforeEach(() => {
  cloudFormation.reset();
  sfn.reset();
});
afterEach(() => vi.unstubAllEnvs());

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

/** A pid that existed and is gone: a child that already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('local mode', () => {
  it('reaches the runtime through endpoints.json: its endpoints, region, credentials, table and workflows', async () => {
    const folder = localRuntimeFolder({ dynamodb: 'http://127.0.0.1:7702', eventsTable: 'wardflow-local-events' });
    try {
      const connection = await connect({ mode: 'local', dataDir: folder.dir });
      expect(connection).toMatchObject({ mode: 'local', eventsTable: 'wardflow-local-events', workflows: { 'invoice-approval': INVOICE_MACHINE_ARN } });
      expect(connection.where).toBe(`the local runtime of ${folder.dir}`);
      const endpoint = await connection.dynamodb.config.endpoint?.();
      expect(`${endpoint?.protocol}//${endpoint?.hostname}:${endpoint?.port}`).toBe('http://127.0.0.1:7702');
      expect(await connection.sfn.config.region()).toBe(folder.file.region);
      expect(await connection.sfn.config.credentials()).toMatchObject(folder.file.credentials);
      connection.close();
    } finally {
      folder.remove();
    }
  });

  it('finds the folder through WARDFLOW_DATA_DIR when --data-dir is not given', async () => {
    const folder = localRuntimeFolder({ eventsTable: 'from-env' });
    try {
      vi.stubEnv('WARDFLOW_DATA_DIR', folder.dir);
      const connection = await connect({ mode: 'local', dataDir: undefined });
      expect(connection.eventsTable).toBe('from-env');
      connection.close();
    } finally {
      folder.remove();
    }
  });

  it('says how to start a runtime when the data folder has no endpoints.json', async () => {
    const folder = localRuntimeFolder();
    folder.remove();
    const error = await failureOf(connect({ mode: 'local', dataDir: folder.dir }));
    expect(error).toBeInstanceOf(RuntimeNotRunning);
    expect(error.message).toBe(
      `no local runtime found: ${folder.dir}/endpoints.json does not exist. Start one with \`npm start\` (or pass --data-dir / WARDFLOW_DATA_DIR of a running one).`,
    );

    const run = await runCliCaptured(['executions', '--data-dir', folder.dir]);
    expect(run.code).toBe(1);
    expect(run.out).toEqual([]);
    expect(run.err).toEqual([`wardflow: ${error.message}`]);
    const json = await runCliCaptured(['approvals', '--json', '--data-dir', folder.dir]);
    expect(json.code).toBe(1);
    expect(json.out).toEqual([]);
    expect(JSON.parse(json.stderr)).toEqual({ error: { name: 'RuntimeNotRunning', message: error.message } });
  });

  it('refuses a broken or foreign endpoints.json without quoting it', async () => {
    const folder = localRuntimeFolder();
    try {
      writeFileSync(join(folder.dir, 'endpoints.json'), '{"credentials": {"secretAccessKey": "planted-local-secret"');
      const broken = await failureOf(connect({ mode: 'local', dataDir: folder.dir }));
      expect(broken).toBeInstanceOf(RuntimeNotRunning);
      expect(broken.message).not.toContain('planted');
      expect(broken.message).toBe(`${folder.dir}/endpoints.json is not valid JSON: the runtime may be writing it (retry), or left it broken (restart it with \`npm start\`).`);
      writeFileSync(join(folder.dir, 'endpoints.json'), '{"version": 2}');
      const foreign = await failureOf(connect({ mode: 'local', dataDir: folder.dir }));
      expect(foreign).toBeInstanceOf(RuntimeNotRunning);
      expect(foreign.message).toMatch(/endpoints.json is not a wardflow endpoints file \(version, pid/);
    } finally {
      folder.remove();
    }
  });

  it('tells a stale endpoints.json (its runtime has exited) from a running runtime', async () => {
    const folder = localRuntimeFolder({ pid: deadPid() });
    try {
      const error = await failureOf(connect({ mode: 'local', dataDir: folder.dir }));
      expect(error).toBeInstanceOf(RuntimeNotRunning);
      expect(error.message).toMatch(/\(pid \d+, started 2026-12-01T08:00:00.000Z\) is no longer running; its endpoints.json was left behind\. Start it again with `npm start`\./);
    } finally {
      folder.remove();
    }
  });

  it('says the runtime does not answer when nothing listens at its endpoint', async () => {
    sfn.restore();
    const folder = localRuntimeFolder();
    try {
      const run = await runCliCaptured(['executions', '--data-dir', folder.dir]);
      expect(run.code).toBe(1);
      expect(run.err).toEqual([`wardflow: the local runtime of ${folder.dir} does not answer; it may have stopped. Start it again with \`npm start\`.`]);
    } finally {
      folder.remove();
    }
  });
});

describe('AWS mode', () => {
  const outputs = [
    { OutputKey: 'EventsTableName', OutputValue: 'wardflow-prod-events' },
    { OutputKey: 'InvoiceApprovalStateMachineArn', OutputValue: PROD_MACHINE },
  ];

  it('resolves the table and the state machine from the outputs of stack wardflow-<env>, in the given region and profile', async () => {
    cloudFormation.on(DescribeStacksCommand, { StackName: 'wardflow-prod' }).resolves({ Stacks: [{ StackName: 'wardflow-prod', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Outputs: outputs }] });
    const connection = await connect({ mode: 'aws', profile: 'ops', region: 'eu-west-1', environment: 'prod' });
    expect(connection).toMatchObject({ mode: 'aws', eventsTable: 'wardflow-prod-events', workflows: { 'invoice-approval': PROD_MACHINE } });
    // A stack without the EnvironmentTier output (deployed before it had one) leaves the real-data check to record-start.
    expect(connection.tier).toBeUndefined();
    expect(connection.where).toBe('stack wardflow-prod (region eu-west-1, profile ops)');
    expect(await connection.sfn.config.region()).toBe('eu-west-1');
    expect(await connection.dynamodb.config.region()).toBe('eu-west-1');
    expect(cloudFormation.commandCalls(DescribeStacksCommand)).toHaveLength(1);
    expect(await cloudFormation.commandCalls(DescribeStacksCommand)[0]!.thisValue.config.region()).toBe('eu-west-1');
    connection.close();
  });

  it('reads the environment tier from the output EnvironmentTier', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'wardflow-prod', StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date(), Outputs: [...outputs, { OutputKey: 'EnvironmentTier', OutputValue: 'prod' }] }] });
    const connection = await connect({ mode: 'aws', profile: 'ops', region: 'eu-west-1', environment: 'prod' });
    expect(connection.tier).toBe('prod');
    connection.close();
  });

  it('lists executions through the same SDK call as local mode', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'wardflow-dev', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: outputs }] });
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'example-secret');
    const run = await runCliCaptured(['executions', '--region', 'eu-west-1', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ executions: [], nextToken: null });
    expect(cloudFormation.commandCalls(DescribeStacksCommand)[0]!.args[0].input).toEqual({ StackName: 'wardflow-dev' });
    expect(sfn.commandCalls(ListExecutionsCommand)[0]!.args[0].input).toMatchObject({ stateMachineArn: PROD_MACHINE });
  });

  it('names a missing stack and how to fix it', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id wardflow-qa does not exist'), { name: 'ValidationError' }));
    const error = await failureOf(connect({ mode: 'aws', profile: undefined, region: 'eu-west-1', environment: 'qa' }));
    expect(error).toBeInstanceOf(StackNotFound);
    expect(error.message).toBe(
      'CloudFormation stack wardflow-qa not found (region eu-west-1, default credentials). Deploy it with `npx cdk deploy`, or pass the --env, --region or --profile it was deployed with.',
    );
  });

  it('names a missing output', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'wardflow-dev', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: outputs.slice(1) }] });
    const error = await failureOf(connect({ mode: 'aws', profile: 'ops', region: 'eu-west-1', environment: 'dev' }));
    expect(error).toBeInstanceOf(StackOutputMissing);
    expect(error.message).toBe('CloudFormation stack wardflow-dev has no output EventsTableName. It was deployed by an older wardflow: redeploy it with `npx cdk deploy`.');
  });

  it('says how to sign in when there are no credentials', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const error = await failureOf(connect({ mode: 'aws', profile: 'ops', region: 'eu-west-1', environment: 'dev' }));
    expect(error).toBeInstanceOf(CredentialsMissing);
    expect(error.message).toBe('no usable AWS credentials for profile ops. Sign in (for SSO: `aws sso login --profile ops`) or configure credentials, then retry.');

    cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredTokenException' }));
    const run = await runCliCaptured(['approvals', '--profile', 'ops', '--region', 'eu-west-1']);
    expect(run.code).toBe(1);
    expect(run.err).toEqual(['wardflow: AWS rejected the credentials (ExpiredTokenException): they are expired or invalid. Sign in again (`aws sso login --profile ops`) and retry.']);
  });

  it('asks for a region when neither --region nor the profile gives one', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(new Error('Region is missing'));
    const error = await failureOf(connect({ mode: 'aws', profile: 'ops', region: undefined, environment: 'dev' }));
    expect(error).toBeInstanceOf(RegionMissing);
    expect(error.message).toBe('no AWS region: pass --region, or set `region` in the profile (or AWS_REGION).');
  });

  it('names the refused permission area when access is denied, and exits 1', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'wardflow-dev', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: outputs }] });
    sfn.on(ListExecutionsCommand).rejects(Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/dev is not authorized'), { name: 'AccessDeniedException' }));
    const run = await runCliCaptured(['executions', '--region', 'eu-west-1', '--json']);
    expect(run.code).toBe(1);
    expect(run.out).toEqual([]);
    const { name, message } = JSON.parse(run.stderr).error as { name: string; message: string };
    expect(name).toBe('AccessDenied');
    expect(message).toBe(
      `AWS refused the call (AccessDeniedException) on stack wardflow-dev (region eu-west-1, default credentials): the credentials in use lack a permission wardflow's CLI needs. ${CLI_PERMISSIONS}`,
    );
    // The KMS grants a read-only profile needs: the table key for reading events, the audit key for
    // the archive; never the state machine's key for reading (DescribeExecution asks metadata only)
    // and never the sealing key.
    expect(message).toContain('dynamodb:Query on the events table with kms:Decrypt on its key (alias/wardflow/<env>/table)');
    expect(message).toContain('kms:Decrypt on alias/wardflow/<env>/audit');
    expect(message).not.toMatch(/kms:Decrypt on [^.;]*(state-machine|sealing)/);
  });
});
