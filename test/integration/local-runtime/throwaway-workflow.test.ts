import { describe, expect, it } from 'vitest';
import { approvalLinks, followApprovalLink } from '../../../lib/local/runtime/services/inbox-client.js';
import { WORKFLOWS } from '../../../statemachines/index.js';
import { expenseClaim } from '../../fixtures/workflows/expense-claim/workflow.js';
import { inProcessRuntimeOfThisFile } from '../../support/in-process-runtime.js';
import { eventually } from '../../support/local-runtime.js';

/**
 * The throwaway workflow (test/fixtures/workflows/expense-claim, written with the public surface
 * only) runs on the local runtime next to the app's own workflows: the platform adds its start,
 * its gate's email and page, its failure path and its registration, and nothing in the platform
 * was edited for it. Its settings come the way a team's would, per environment (here over cdk.json's).
 */
const MANAGER = 'planted.manager@example.org';
const local = inProcessRuntimeOfThisFile('wardflow-throwaway-', {
  workflows: [...WORKFLOWS, expenseClaim],
  workflowSettings: { 'expense-claim': { approvers: [MANAGER] } },
});

const CLAIM = 'Employee: Jane Roe\nAmount: 42.50\nPurpose: Train to the customer workshop';

describe('a throwaway workflow on the local runtime', { timeout: 240_000 }, () => {
  it('is registered like the bundled ones, waits at its gate, is approved through the emailed link, and records its steps', async () => {
    const { runtime, reader } = local();
    const stateMachineArn = runtime.endpoints.resources.stateMachines['expense-claim'];
    expect(stateMachineArn).toMatch(/:stateMachine:wardflow-local-expense-claim$/);
    expect(Object.keys(runtime.endpoints.resources.stateMachines).sort()).toEqual(['expense-claim', 'invoice-approval', 'vendor-bank-details']);

    const { executionArn } = await runtime.engine.startExecution({ stateMachineArn: stateMachineArn!, name: 'claim-1', input: JSON.stringify({ claimText: CLAIM }) });
    const link = await eventually(async () => (await approvalLinks(runtime.endpoints.endpoints.inbox)).find((l) => l.approvalId === 'expense-claim:claim-1-1'), 'the claim approval email');
    const answer = await followApprovalLink(link.url, 'approve');
    expect(answer.status).toBe(200);
    expect(answer.page).toContain('Expense claim of 42.5 by Jane Roe');
    expect(answer.page).not.toContain(MANAGER);

    await runtime.engine.waitUntilEnded(executionArn, 120_000);
    const { status } = await runtime.engine.describeExecution({ executionArn });
    expect(status).toBe('SUCCEEDED');
    const events = await reader.execution('expense-claim:claim-1');
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['ExecutionStarted', 'ApprovalRequested', 'ApprovalNotified', 'ExecutionSucceeded']));
    expect(events.filter((e) => e.type === 'StepSucceeded').map((e) => e.data.step)).toEqual(['record-start', 'read-claim', 'request-approval', 'record-claim', 'record-outcome']);
    expect(events[0]!.data).toEqual({ workflow: 'expense-claim', source: null, startedBy: 'unknown', startedThrough: 'other' });
    const approval = await reader.approval('expense-claim:claim-1-1');
    expect(approval.map((e) => e.type)).toEqual(['ApprovalRequested', 'ApprovalDecided']);
    expect(approval[0]!.data).toMatchObject({ workflow: 'expense-claim', subject: { title: 'Expense claim of 42.5 by Jane Roe' } });
    expect(JSON.stringify([...events, ...approval])).not.toContain(MANAGER);
  });

  it("refuses an input that does not match the workflow's input schema, on the record and without a States.Runtime error", async () => {
    const { runtime, reader } = local();
    const stateMachineArn = runtime.endpoints.resources.stateMachines['expense-claim']!;
    const { executionArn } = await runtime.engine.startExecution({ stateMachineArn, name: 'claim-bad', input: JSON.stringify({ claim: 'no claimText here' }) });
    await runtime.engine.waitUntilEnded(executionArn, 120_000);
    expect((await runtime.engine.describeExecution({ executionArn })).status).toBe('FAILED');
    const events = await reader.execution('expense-claim:claim-bad');
    // record-start refused it (no ExecutionStarted); record-outcome ended the stream, then its own step record.
    expect(events.map((e) => e.type)).toEqual(['ValidationFailed', 'ExecutionFailed', 'StepSucceeded']);
    expect(events[0]!.data).toMatchObject({ step: 'record-start', issues: [{ path: 'input.claimText' }, { path: 'input' }] });
    expect(events[1]!.data).toEqual({ error: 'ValidationFailed' });
  });
});
