import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { DescribeExecutionCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { EncryptionSdkSealer } from '../../../functions/shared/crypto/envelope-sealer.js';
import { DynamoDbEventStore } from '../../../functions/shared/events/dynamodb-store.js';
import { approvalStream, executionStream, type NewEvent } from '../../../functions/shared/events/event.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../../support/dynalite.js';
import { describeWithMoto } from '../../support/moto.js';
import { cliReachesMoto, wardflowStackTemplate } from '../../support/moto-stack.js';
import { localRuntimeFolder, runCliCaptured } from '../../unit/cli/cli-harness.js';

/**
 * AWS mode against moto, the second judge: the stack `wardflow-dev` (a DynamoDB table and a
 * Step Functions state machine, created through CloudFormation, with the outputs the real
 * stack has) and the CLI reaching it through the SDK's default credential chain (environment
 * variables) and AWS_ENDPOINT_URL, as it would reach LocalStack. moto does not run the state
 * machine: its executions stay RUNNING, which is what a gate-waiting execution looks like.
 */
const APPROVER = 'erin.approver@example.net';

describeWithMoto('wardflow CLI in AWS mode', (moto) => {
  const config = () => ({ endpoint: moto().endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  const inputFolder = localRuntimeFolder();
  let store: DynamoDbEventStore;
  let storeClient: DynamoDBClient;

  beforeAll(async () => {
    const template = wardflowStackTemplate('dev');
    const cloudFormation = new CloudFormationClient(config());
    await cloudFormation.send(new CreateStackCommand({ StackName: 'wardflow-dev', TemplateBody: JSON.stringify(template) }));
    // A stack from before the state machine output existed.
    const oldTable = { ...template.Resources.Events, Properties: { ...template.Resources.Events.Properties, TableName: 'wardflow-old-events' } };
    await cloudFormation.send(
      new CreateStackCommand({ StackName: 'wardflow-old', TemplateBody: JSON.stringify({ Resources: { Events: oldTable }, Outputs: { EventsTableName: template.Outputs.EventsTableName } }) }),
    );
    cloudFormation.destroy();

    const sealer = EncryptionSdkSealer.rawAes({ keyName: 'test', keyNamespace: 'wardflow-test', key: randomBytes(32) });
    storeClient = new DynamoDBClient(config());
    store = new DynamoDbEventStore({ client: storeClient, tableName: 'wardflow-dev-events', sealer });

    cliReachesMoto(moto().endpoint);
  });
  afterAll(() => {
    vi.unstubAllEnvs();
    storeClient?.destroy();
    inputFolder.remove();
  });

  const aws = (...args: string[]) => runCliCaptured([...args, '--region', TEST_REGION]);

  async function append(stream: string, events: NewEvent[]): Promise<void> {
    for (const event of events) await store.append(stream, await store.headVersion(stream), [event]);
  }

  it('starts an execution, lists it, and shows its recorded history and pending approval', async () => {
    const input = join(inputFolder.dir, 'invoice.json');
    writeFileSync(input, JSON.stringify({ invoiceText: 'Total due: USD 12,480.00', source: 'test' }));
    const started = await aws('start', 'invoice-approval', '--input', input, '--name', 'moto-run-1', '--json');
    expect(started.err).toEqual([]);
    expect(started.code).toBe(0);
    const { executionArn, executionId } = JSON.parse(started.stdout) as { executionArn: string; executionId: string };
    // The id its streams are keyed by: `<workflow>:<name>`.
    expect(executionId).toBe('invoice-approval:moto-run-1');
    expect(executionArn).toMatch(/:execution:wardflow-dev-invoice-approval:moto-run-1$/);
    // moto has it, with the input as given and who started it, as moto's STS GetCallerIdentity answered.
    const sfn = new SFNClient(config());
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    sfn.destroy();
    expect(JSON.parse(described.input!)).toEqual({
      invoiceText: 'Total due: USD 12,480.00',
      source: 'test',
      wardflow: { startedBy: expect.stringMatching(/^arn:aws:(iam|sts)::\d{12}:(root|user|assumed-role|federated-user)/) },
    });

    const listed = await aws('executions', '--status', 'RUNNING', '--json');
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({ executions: [expect.objectContaining({ id: 'invoice-approval:moto-run-1', name: 'moto-run-1', workflow: 'invoice-approval', status: 'RUNNING', executionArn })], nextToken: null });

    // The steps' records, as the gate leaves them.
    const approvalId = 'invoice-approval:moto-run-1-1';
    await append(executionStream(executionId), [
      { type: 'ExecutionStarted', actor: 'step:record-start', data: { workflow: 'invoice-approval', source: 'test' }, sensitive: { invoiceText: 'Total due: USD 12,480.00' } },
      { type: 'ApprovalRequested', actor: 'step:request-approval', data: { approvalId, expiresAt: '2026-12-02T08:59:00.000Z' } },
    ]);
    await append(approvalStream(approvalId), [
      {
        type: 'ApprovalRequested',
        actor: 'step:request-approval',
        data: { approvalId, executionId, approverCount: 1, expiresAt: '2026-12-02T08:59:00.000Z', summary: { vendor: 'Northwind Traders', invoiceNumber: 'NW-1', currency: 'USD', amount: '12480.00' } },
        sensitive: { taskToken: 'planted-token', approvers: [APPROVER] },
      },
    ]);

    const status = await aws('status', executionId, '--json');
    expect(status.code).toBe(0);
    const doc = JSON.parse(status.stdout) as { execution: { status: string }; history: { stream: string; state: string }[] };
    expect(doc.execution.status).toBe('RUNNING');
    expect(doc.history.map((h) => [h.stream, h.state])).toEqual([
      ['execution#invoice-approval:moto-run-1', 'waiting-for-approval'],
      ['approval#invoice-approval:moto-run-1-1', 'pending'],
    ]);

    const approvals = await aws('approvals');
    expect(approvals.code).toBe(0);
    expect(approvals.out[0]).toMatch(/^APPROVAL\s+EXECUTION\s+WORKFLOW\s+SUBJECT\s+EXPIRES\s+APPROVERS$/);
    // Recorded before subjects: its invoice summary is read as the subject's title.
    expect(approvals.out[1]).toMatch(/^invoice-approval:moto-run-1-1\s+invoice-approval:moto-run-1\s+invoice-approval\s+Invoice NW-1 from Northwind Traders\s+2026-12-02T08:59:00Z\s+1$/);
    for (const run of [status, approvals]) {
      expect(run.stdout).not.toContain(APPROVER);
      expect(run.stdout).not.toContain('planted-token');
    }
  });

  it('leaves out of approvals one whose execution was stopped while its gate waited, and says so', async () => {
    const input = join(inputFolder.dir, 'stopped.json');
    writeFileSync(input, JSON.stringify({ invoiceText: 'Total due: USD 9,000.00', source: 'test' }));
    const started = await aws('start', 'invoice-approval', '--input', input, '--name', 'moto-stopped', '--json');
    expect(started.code, started.stderr).toBe(0);
    const { executionArn } = JSON.parse(started.stdout) as { executionArn: string };
    // Streams as written before execution ids named their workflow: still read, under the qualified id.
    const approvalId = 'moto-stopped-1';
    await append(executionStream('moto-stopped'), [
      { type: 'ExecutionStarted', actor: 'step:record-start', data: { workflow: 'invoice-approval', source: 'test' } },
      { type: 'ApprovalRequested', actor: 'step:request-approval', data: { approvalId, expiresAt: '2026-12-02T08:59:00.000Z' } },
    ]);
    await append(approvalStream(approvalId), [
      {
        type: 'ApprovalRequested',
        actor: 'step:request-approval',
        data: { approvalId, executionId: 'moto-stopped', approverCount: 1, expiresAt: '2026-12-02T08:59:00.000Z', summary: { vendor: 'Contoso', invoiceNumber: 'C-9', currency: 'USD', amount: '9000.00' } },
        sensitive: { taskToken: 'planted-token-2', approvers: [APPROVER] },
      },
    ]);
    const sfn = new SFNClient(config());
    await sfn.send(new StopExecutionCommand({ executionArn }));
    sfn.destroy();

    const approvals = await aws('approvals', '--json');
    expect(approvals.code, approvals.stderr).toBe(0);
    expect((JSON.parse(approvals.stdout) as { approvalId: string }[]).map((a) => a.approvalId)).not.toContain(approvalId);
    expect(approvals.err.join('\n')).toContain(`${approvalId} (execution invoice-approval:moto-stopped ABORTED)`);
    expect(approvals.stderr).not.toContain(APPROVER);
  });

  it('pages through executions with --next-token, each exactly once, newest first', async () => {
    const input = join(inputFolder.dir, 'paged.json');
    writeFileSync(input, JSON.stringify({ invoiceText: 'Total due: USD 10.00', source: 'test' }));
    for (let i = 1; i <= 5; i++) expect((await aws('start', 'invoice-approval', '--input', input, '--name', `moto-page-${i}`)).code).toBe(0);
    const everything = JSON.parse((await aws('executions', '--limit', '100', '--json')).stdout) as { executions: { id: string }[]; nextToken: string | null };
    expect(everything.nextToken).toBeNull();
    expect(everything.executions.map((e) => e.id)).toEqual(expect.arrayContaining(['invoice-approval:moto-page-1', 'invoice-approval:moto-page-5']));

    const seen: string[] = [];
    let token: string | null = null;
    do {
      const run = await aws('executions', '--limit', '2', '--json', ...(token ? ['--next-token', token] : []));
      expect(run.code, run.stderr).toBe(0);
      const page = JSON.parse(run.stdout) as { executions: { id: string }[]; nextToken: string | null };
      expect(page.executions.length).toBeLessThanOrEqual(2);
      seen.push(...page.executions.map((e) => e.id));
      token = page.nextToken;
    } while (token !== null && seen.length <= everything.executions.length);
    expect(seen).toEqual(everything.executions.map((e) => e.id));
  });

  it('names a stack that does not exist, and one that lacks an output', async () => {
    const missing = await aws('executions', '--env', 'qa');
    expect(missing.code).toBe(1);
    expect(missing.err).toEqual([
      `wardflow: CloudFormation stack wardflow-qa not found (region ${TEST_REGION}, default credentials). Deploy it with \`npx cdk deploy\`, or pass the --env, --region or --profile it was deployed with.`,
    ]);
    const old = await aws('executions', '--env', 'old');
    expect(old.code).toBe(1);
    expect(old.err).toEqual(['wardflow: CloudFormation stack wardflow-old has no output <Workflow>StateMachineArn. It was deployed by an older wardflow: redeploy it with `npx cdk deploy`.']);
  });

  it('names an execution moto does not have', async () => {
    const run = await aws('status', 'never-started');
    expect(run.code).toBe(1);
    expect(run.err).toEqual(['wardflow: no execution "never-started" in workflow invoice-approval. `wardflow executions` lists the recent ones.']);
  });
});
