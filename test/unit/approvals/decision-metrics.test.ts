import { SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { useSfnClient } from '../../../functions/shared/approvals/deliver-decision.js';
import { recordApproverDecision } from '../../../functions/shared/approvals/record-approver-decision.js';
import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';
import { testSealer } from '../events/event-fixtures.js';
import { captureProcessOutput } from '../middleware/fixtures.js';

/** A decision counts once per workflow and decision, with how long the approval waited, and names nobody. */
const APPROVER = 'approver.planted@example.com';
const sealer = testSealer();
const sfnMock = mockClient(SFNClient);

beforeAll(() => useSfnClient(new SFNClient({ region: 'us-east-1' })));
afterAll(() => useSfnClient(undefined));
beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(SendTaskSuccessCommand).resolves({});
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'wardflow/test');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', undefined);
  vi.stubEnv('POWERTOOLS_DEV', undefined);
});
afterEach(() => vi.unstubAllEnvs());

describe('decision metrics', () => {
  it('emit ApprovalsDecided by workflow and decision and ApprovalWaitSeconds by workflow when a decision is appended, and not for a repeat', async () => {
    const store = new InMemoryEventStore({ sealer });
    const [requested] = await store.append('approval#e1-1', 0, [
      {
        type: 'ApprovalRequested',
        actor: 'step:request-approval',
        data: { approvalId: 'e1-1', executionId: 'e1', workflow: 'invoice-approval', approverCount: 1, expiresAt: '2999-01-01T00:00:00.000Z' },
        sensitive: { taskToken: 'AQC-token', approvers: [APPROVER] },
      },
    ]);
    const decidedAt = new Date(Date.parse(requested!.time) + 90_000);
    const command = { approvalId: 'e1-1', executionId: 'e1', approver: { address: APPROVER }, decision: 'approve' as const };
    const deps = { store, sealer, now: () => decidedAt };

    const first = await captureProcessOutput(() => recordApproverDecision(command, deps, 'record-decision'));
    expect(first.result.status).toBe('fulfilled');
    const records = first.output.split('\n').filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toContainEqual(expect.objectContaining({ workflow: 'invoice-approval', decision: 'approve', ApprovalsDecided: 1 }));
    expect(records).toContainEqual(expect.objectContaining({ workflow: 'invoice-approval', ApprovalWaitSeconds: 90 }));
    expect(first.output).not.toContain(APPROVER);

    const repeat = await captureProcessOutput(() => recordApproverDecision(command, deps, 'record-decision'));
    expect(repeat.result.status).toBe('fulfilled');
    expect(repeat.output).not.toContain('"_aws"');
  });
});
