import { describe, expect, it } from 'vitest';
import { executionWaitPercent, waitPercent } from '../../../functions/approvals-waiting/oldest-waiting.js';
import type { StoredEvent } from '../../../functions/shared/events/event.js';

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
