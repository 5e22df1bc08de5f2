import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler, useSfnClient } from '../../../functions/approvals-waiting/handler.js';
import { executionWaitPercent, waitPercent } from '../../../functions/approvals-waiting/oldest-waiting.js';
import type { StoredEvent } from '../../../functions/shared/events/event.js';
import { setDependencies } from '../../../functions/shared/runtime.js';
import { captureProcessOutput, lambdaContext, memoryStore, testDependencies } from '../middleware/fixtures.js';

/** Events as the store returns them; the folds read type, data, version, time and actor only. */
const event = (type: string, version: number, time: string, data: Record<string, unknown>): StoredEvent =>
  ({ type, version, time, actor: `step:${type}`, data, stream: '', hash: '', previousHash: '' }) as unknown as StoredEvent;

const REQUESTED = '2026-12-01T00:00:00.000Z';
const EXPIRES = '2026-12-04T00:00:00.000Z';
const streams = (approval: StoredEvent[], execution = [event('ApprovalRequested', 3, REQUESTED, { approvalId: 'e1-1', expiresAt: EXPIRES })]) => {
  const all: Record<string, StoredEvent[]> = { 'execution#e1': execution, 'approval#e1-1': approval };
  return async (stream: string) => all[stream] ?? [];
};
const requested = event('ApprovalRequested', 1, REQUESTED, { approvalId: 'e1-1', executionId: 'e1', expiresAt: EXPIRES, approverCount: 1 });

describe('waitPercent', () => {
  it('is how far an approval is from its request to its expiry, bounded to 0..100', () => {
    expect(waitPercent(REQUESTED, EXPIRES, new Date('2026-12-02T12:00:00.000Z'))).toBe(50);
    expect(waitPercent(REQUESTED, EXPIRES, new Date('2026-11-30T00:00:00.000Z'))).toBe(0);
    expect(waitPercent(REQUESTED, EXPIRES, new Date('2026-12-09T00:00:00.000Z'))).toBe(100);
    expect(waitPercent(REQUESTED, REQUESTED, new Date())).toBe(0);
    expect(waitPercent('not a time', EXPIRES, new Date())).toBe(0);
  });
});

describe('executionWaitPercent', () => {
  const now = new Date('2026-12-03T00:00:00.000Z');

  it('measures the approval the execution last asked for while its own stream says pending', async () => {
    expect(await executionWaitPercent(streams([requested]), 'e1', now)).toBeCloseTo(66.67, 1);
  });

  it('takes the newest expiry: a retried gate restarts the wait', async () => {
    const replaced = event('ApprovalTokenReplaced', 2, '2026-12-02T00:00:00.000Z', { approvalId: 'e1-1', executionId: 'e1', expiresAt: '2026-12-07T00:00:00.000Z' });
    expect(await executionWaitPercent(streams([requested, replaced]), 'e1', now)).toBeCloseTo(33.33, 1);
  });

  it('ignores a decided approval, another execution’s, and an execution that never asked', async () => {
    const decided = event('ApprovalDecided', 2, '2026-12-02T00:00:00.000Z', { approvalId: 'e1-1', decision: 'approve', approverIndex: 0 });
    expect(await executionWaitPercent(streams([requested, decided]), 'e1', now)).toBeUndefined();
    const foreign = event('ApprovalRequested', 1, REQUESTED, { approvalId: 'e1-1', executionId: 'e2', expiresAt: EXPIRES, approverCount: 1 });
    expect(await executionWaitPercent(streams([foreign]), 'e1', now)).toBeUndefined();
    expect(await executionWaitPercent(streams([requested], []), 'e1', now)).toBeUndefined();
  });
});

describe('approvals-waiting handler', () => {
  const sfnMock = mockClient(SFNClient);
  const MACHINE = 'arn:aws:states:eu-west-1:111111111111:stateMachine:wardflow-test-invoice-approval';
  const OTHER = 'arn:aws:states:eu-west-1:111111111111:stateMachine:wardflow-test-expense-claim';

  beforeEach(() => {
    sfnMock.reset();
    useSfnClient(new SFNClient({ region: 'eu-west-1' }));
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'wardflow/test');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', undefined);
    vi.stubEnv('POWERTOOLS_DEV', undefined);
    vi.stubEnv('WAITING_WORKFLOWS', JSON.stringify([{ workflow: 'invoice-approval', stateMachineArn: MACHINE }, { workflow: 'expense-claim', stateMachineArn: OTHER }]));
  });
  afterEach(() => {
    useSfnClient(undefined);
    setDependencies(undefined);
    vi.unstubAllEnvs();
  });

  it('emits the oldest wait of every gated workflow on every run, 0 where nothing waits, reading pages of running executions', async () => {
    const store = memoryStore();
    // Streams under the workflow-qualified id the state machine gives its steps.
    await store.append('execution#invoice-approval:e1', 0, [{ type: 'ApprovalRequested', actor: 'step:request-approval', data: { approvalId: 'invoice-approval:e1-1', expiresAt: EXPIRES } }]);
    await store.append('approval#invoice-approval:e1-1', 0, [{ type: 'ApprovalRequested', actor: 'step:request-approval', data: { approvalId: 'invoice-approval:e1-1', executionId: 'invoice-approval:e1', expiresAt: EXPIRES, approverCount: 1 } }]);
    const [first] = await store.read('approval#invoice-approval:e1-1');
    // Three quarters of the way from the request to the expiry.
    const now = new Date(Date.parse(first!.time) + (Date.parse(EXPIRES) - Date.parse(first!.time)) * 0.75);
    setDependencies(testDependencies({ store, now: () => now }));
    sfnMock.on(ListExecutionsCommand, { stateMachineArn: MACHINE }).resolvesOnce({ executions: [{ name: 'e0' } as never], nextToken: 'page-2' }).resolvesOnce({ executions: [{ name: 'e1' } as never] });
    sfnMock.on(ListExecutionsCommand, { stateMachineArn: OTHER }).resolves({ executions: [] });

    const { result, output } = await captureProcessOutput(() => handler({}, lambdaContext()));
    expect(result).toMatchObject({ status: 'fulfilled', value: [{ workflow: 'invoice-approval', waiting: 1 }, { workflow: 'expense-claim', waiting: 0, oldestPercent: 0 }] });
    const records = output.split('\n').filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toEqual([
      expect.objectContaining({ workflow: 'invoice-approval', OldestApprovalWaitPercent: 75 }),
      expect.objectContaining({ workflow: 'expense-claim', OldestApprovalWaitPercent: 0 }),
    ]);
    expect(sfnMock.commandCalls(ListExecutionsCommand, { stateMachineArn: MACHINE }).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({ statusFilter: 'RUNNING' }),
      expect.objectContaining({ statusFilter: 'RUNNING', nextToken: 'page-2' }),
    ]);
  });
});
