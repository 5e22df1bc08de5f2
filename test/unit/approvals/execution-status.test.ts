import { randomBytes } from 'node:crypto';
import { DescribeExecutionCommand, SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decideApproval, showApproval, type PageDependencies } from '../../../functions/approval-page/routes.js';
import { linkExpiry, signApprovalLink } from '../../../functions/shared/approvals/approval-link.js';
import { useSfnClient } from '../../../functions/shared/approvals/deliver-decision.js';
import { checkExecution, executionArnOf } from '../../../functions/shared/approvals/execution-status.js';
import { HmacLinkSigner } from '../../../functions/shared/approvals/link-signer.js';
import { ConfigurationInvalid } from '../../../functions/shared/errors.js';
import { approvalStream } from '../../../functions/shared/events/event.js';
import { approvalState } from '../../../functions/shared/events/fold.js';
import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';
import { testSealer } from '../events/event-fixtures.js';

/**
 * The approval page's decision path against Step Functions' answer about the execution
 * (DescribeExecution, mocked): only a RUNNING execution's approval is decided; an ended one is
 * refused with a page and one ApprovalAttemptRefused however often it is clicked; no answer at
 * all decides and records nothing. The routes run as the handler calls them, with an in-memory
 * store, a raw-AES sealer and an in-process link key.
 */
const MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:wardflow-dev-invoice-approval';
const TOKEN = 'AQCEAAAA-unit-secret-task-token-8e1b';
const APPROVER = 'unit.approver@example.org';
const NOW = new Date('2026-12-01T09:00:00.000Z');
const EXPIRES = '2026-12-02T08:59:00.000Z';
const sealer = testSealer();
const sfnMock = mockClient(SFNClient);

beforeAll(() => useSfnClient(new SFNClient({ region: 'eu-west-1' })));
afterAll(() => useSfnClient(undefined));
beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  sfnMock.on(SendTaskFailureCommand).resolves({});
});

/** An approval waiting for its one approver, and the link that approver was emailed. */
async function pendingApproval(executionId: string, workflow?: string): Promise<{ deps: PageDependencies; link: string; approvalId: string }> {
  const approvalId = `${executionId}-1`;
  const store = new InMemoryEventStore({ sealer, now: () => NOW });
  await store.append(approvalStream(approvalId), 0, [
    {
      type: 'ApprovalRequested',
      actor: 'step:request-approval',
      data: {
        approvalId,
        executionId,
        approverCount: 1,
        expiresAt: EXPIRES,
        summary: { vendor: 'Northwind Traders', invoiceNumber: 'NW-88213', currency: 'USD', amount: '12480.00' },
        ...(workflow === undefined ? {} : { workflow }),
      },
      sensitive: { taskToken: TOKEN, approvers: [APPROVER] },
    },
  ]);
  const signer = new HmacLinkSigner(randomBytes(32));
  const link = await signApprovalLink({ approvalId, approverIndex: 0, expiresAt: linkExpiry(EXPIRES) }, signer);
  const machines: Record<string, string> = { 'invoice-approval': MACHINE, 'vendor-bank-details': OTHER_MACHINE };
  // As the page's handler answers: by the workflow the approval names, an unnamed (older) one being invoice-approval's.
  const stateMachineFor = (name: string | undefined) => machines[name ?? 'invoice-approval'];
  return { deps: { store, sealer, now: () => NOW, signer, stateMachineFor }, link, approvalId };
}

const click = (decision: 'approve' | 'reject'): APIGatewayProxyEventV2 =>
  ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `decision=${decision}`, isBase64Encoded: false }) as unknown as APIGatewayProxyEventV2;
const deliveries = () => [...sfnMock.commandCalls(SendTaskSuccessCommand), ...sfnMock.commandCalls(SendTaskFailureCommand)];
const executionArn = (executionId: string) => `arn:aws:states:eu-west-1:111122223333:execution:wardflow-dev-invoice-approval:${executionId}`;

const OTHER_MACHINE = 'arn:aws:states:eu-west-1:111122223333:stateMachine:wardflow-dev-vendor-bank-details';

describe('the approval page finds the execution of the workflow the approval names', () => {
  it("asks about the execution of that workflow's state machine", async () => {
    const { deps, link } = await pendingApproval('exec-vendor', 'vendor-bank-details');
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const served = await showApproval(link, deps);
    expect(served.statusCode).toBe(200);
    expect(sfnMock.commandCalls(DescribeExecutionCommand)[0]!.args[0].input.executionArn).toBe(
      'arn:aws:states:eu-west-1:111122223333:execution:wardflow-dev-vendor-bank-details:exec-vendor',
    );
  });

  it('refuses an approval of a workflow the site does not serve, without asking Step Functions or deciding anything', async () => {
    const { deps, link } = await pendingApproval('exec-elsewhere', 'not-served-here');
    const served = await decideApproval(link, click('approve'), deps);
    expect([served.statusCode, served.outcome]).toEqual([404, 'unknown:workflow-not-served']);
    expect(sfnMock.calls()).toHaveLength(0);
  });
});

describe('the approval page asks whether the execution still runs', () => {
  it('decides while it is RUNNING: asked first (metadata only), then the decision is recorded and delivered', async () => {
    const { deps, link, approvalId } = await pendingApproval('exec-running');
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const served = await decideApproval(link, click('approve'), deps);
    expect([served.statusCode, served.outcome]).toEqual([200, 'approved']);
    expect(sfnMock.calls().map((call) => call.args[0].constructor.name)).toEqual(['DescribeExecutionCommand', 'SendTaskSuccessCommand']);
    expect(sfnMock.commandCalls(DescribeExecutionCommand)[0]!.args[0].input).toEqual({ executionArn: executionArn('exec-running'), includedData: 'METADATA_ONLY' });
    expect(sfnMock.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.taskToken).toBe(TOKEN);
    const events = await deps.store.read(approvalStream(approvalId));
    expect(events.map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalDecided']);
  });

  it.each(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'])('refuses an execution that ended %s: GET and 20 clicks get the page, one refusal is recorded, nothing is decided', async (status) => {
    const { deps, link, approvalId } = await pendingApproval(`exec-${status.toLowerCase().replace('_', '-')}`);
    sfnMock.on(DescribeExecutionCommand).resolves({ status: status as 'FAILED' });

    const shown = await showApproval(link, deps);
    expect([shown.statusCode, shown.outcome]).toEqual([410, 'execution-ended']);
    expect(shown.html).toContain(`This request can no longer be decided: the execution ended ${status}.`);
    // GET changes nothing, not even a refusal on record.
    expect((await deps.store.read(approvalStream(approvalId))).map((e) => e.type)).toEqual(['ApprovalRequested']);

    for (let i = 0; i < 20; i++) {
      const served = await decideApproval(link, click(i % 2 === 0 ? 'approve' : 'reject'), deps);
      expect([served.statusCode, served.outcome, served.approvalId]).toEqual([410, 'execution-ended', approvalId]);
      expect(served.html).toContain(`the execution ended ${status}`);
    }
    const events = await deps.store.read(approvalStream(approvalId));
    expect(events.map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalAttemptRefused']);
    expect(events[1]).toMatchObject({
      actor: 'step:approval-page',
      data: { approvalId, executionId: approvalId.slice(0, -2), reason: 'execution-not-running', executionStatus: status },
      sealed: null,
    });
    expect(JSON.stringify(events[1])).not.toContain(APPROVER);
    expect(JSON.stringify(events[1])).not.toContain(TOKEN);
    expect(approvalState(events).status).toBe('pending');
    expect(deliveries()).toHaveLength(0);
  });

  it('records one refusal when 20 clicks arrive at once (the losers of the append read again and find it)', async () => {
    const { deps, link, approvalId } = await pendingApproval('exec-flood');
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'FAILED' });
    const served = await Promise.all(Array.from({ length: 20 }, () => decideApproval(link, click('approve'), deps)));
    expect(new Set(served.map((s) => s.statusCode))).toEqual(new Set([410]));
    const events = await deps.store.read(approvalStream(approvalId));
    expect(events.filter((e) => e.type === 'ApprovalAttemptRefused')).toHaveLength(1);
    expect(events).toHaveLength(2);
  });

  it('says the execution no longer exists when Step Functions does not know it, and refuses the same way', async () => {
    const { deps, link, approvalId } = await pendingApproval('exec-gone');
    sfnMock.on(DescribeExecutionCommand).rejects(Object.assign(new Error('Execution Does Not Exist'), { name: 'ExecutionDoesNotExist' }));
    const served = await decideApproval(link, click('approve'), deps);
    expect(served.statusCode).toBe(410);
    expect(served.html).toContain('This request can no longer be decided: the execution no longer exists.');
    const events = await deps.store.read(approvalStream(approvalId));
    expect(events[1]).toMatchObject({ type: 'ApprovalAttemptRefused', data: { executionStatus: 'NOT_FOUND' } });
  });

  it('answers 503 and records nothing when Step Functions cannot be reached, on GET and POST', async () => {
    const { deps, link, approvalId } = await pendingApproval('exec-unreachable');
    sfnMock.on(DescribeExecutionCommand).rejects(Object.assign(new Error(`connect ECONNREFUSED 10.0.0.1:443 ${TOKEN}`), { name: 'Error' }));
    for (const served of [await showApproval(link, deps), await decideApproval(link, click('approve'), deps), await decideApproval(link, click('reject'), deps)]) {
      expect([served.statusCode, served.outcome]).toEqual([503, 'unavailable:execution-status:Error']);
      expect(served.html).toContain('Temporarily unavailable');
      expect(served.html).not.toContain('ECONNREFUSED');
    }
    expect((await deps.store.read(approvalStream(approvalId))).map((e) => e.type)).toEqual(['ApprovalRequested']);
    expect(deliveries()).toHaveLength(0);
  });

  it('does not ask about an approval that is already closed: the closed page answers', async () => {
    const { deps, link } = await pendingApproval('exec-closed');
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    await decideApproval(link, click('approve'), deps);
    sfnMock.reset();
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED' });
    expect((await showApproval(link, deps)).statusCode).toBe(409);
    expect((await decideApproval(link, click('reject'), deps)).statusCode).toBe(409);
    expect(sfnMock.calls()).toHaveLength(0);
  });
});

describe('checkExecution', () => {
  it('derives the execution ARN from the state machine ARN, and refuses a STATE_MACHINE_ARN that is none', () => {
    expect(executionArnOf(MACHINE, 'exec-42')).toBe(executionArn('exec-42'));
    for (const bad of ['', 'wardflow-dev-invoice-approval', 'arn:aws:lambda:eu-west-1:111122223333:function:x', `${MACHINE}:extra`]) {
      expect(() => executionArnOf(bad, 'exec-42'), bad).toThrow(ConfigurationInvalid);
    }
  });

  it('reports a status it does not know as ended without echoing it, and a missing status as unknown', async () => {
    sfnMock.on(DescribeExecutionCommand).resolvesOnce({ status: 'weird <b>status</b>' as 'FAILED' }).resolvesOnce({});
    expect(await checkExecution(MACHINE, 'exec-odd')).toEqual({ state: 'ended', executionStatus: 'UNRECOGNISED' });
    expect(await checkExecution(MACHINE, 'exec-odd')).toEqual({ state: 'unknown', errorName: 'NoStatus' });
  });

  it('names an unreachable Step Functions by a safe error name only', async () => {
    sfnMock.on(DescribeExecutionCommand).rejects(Object.assign(new Error('denied'), { name: `AccessDenied for ${APPROVER}` }));
    expect(await checkExecution(MACHINE, 'exec-denied')).toEqual({ state: 'unknown', errorName: 'UnknownError' });
  });
});
