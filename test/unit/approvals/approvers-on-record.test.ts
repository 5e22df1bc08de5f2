import { describe, expect, it } from 'vitest';
import { approversOnRecord } from '../../../functions/shared/approvals/approvers-on-record.js';
import { TamperDetected } from '../../../functions/shared/errors.js';
import type { Json, StoredEvent } from '../../../functions/shared/events/event.js';
import { InMemoryEventStore } from '../../../functions/shared/events/memory-store.js';
import { testSealer } from '../events/event-fixtures.js';

const sealer = testSealer();
const APPROVERS = ['first.approver@example.test', 'Second@Example.test'];

/** An approval stream whose request records `approverCount` in clear and `sensitive` sealed, then whatever follows. */
async function approvalWith(approverCount: Json, sensitive: { [key: string]: Json }): Promise<StoredEvent[]> {
  const store = new InMemoryEventStore({ sealer });
  const data = { approvalId: 'e1-1', executionId: 'e1', approverCount, expiresAt: '2026-12-02T08:59:00.000Z' };
  await store.append('approval#e1-1', 0, [{ type: 'ApprovalRequested', actor: 'step:request-approval', data, sensitive }]);
  await store.append('approval#e1-1', 1, [
    { type: 'ApprovalTokenReplaced', actor: 'step:request-approval', data: { approvalId: 'e1-1', executionId: 'e1' }, sensitive: { taskToken: 't-2' } },
  ]);
  return store.read('approval#e1-1');
}

describe('approversOnRecord', () => {
  it('opens the approvers sealed in the request, in order and as spelled, with none of them in clear', async () => {
    const events = await approvalWith(2, { taskToken: 't-1', approvers: APPROVERS });
    expect(await approversOnRecord(events, sealer)).toEqual(APPROVERS);
    for (const address of APPROVERS) expect(JSON.stringify(events.map((e) => ({ ...e, sealed: null })))).not.toContain(address);
  });

  it('has none for an approval without a request (auto-decided), opening nothing', async () => {
    const refusing = { seal: () => Promise.reject(new Error('no')), open: () => Promise.reject(new Error('must not open')) };
    const store = new InMemoryEventStore({ sealer });
    await store.append('approval#e2-1', 0, [{ type: 'ApprovalAutoDecided', actor: 'step:apply-policy', data: { approvalId: 'e2-1', decision: 'approve' } }]);
    expect(await approversOnRecord(await store.read('approval#e2-1'), refusing)).toEqual([]);
  });

  it.each<[string, Json, { [key: string]: Json }]>([
    ['fewer than the count', 3, { taskToken: 't-1', approvers: APPROVERS }],
    ['no approvers sealed', 1, { taskToken: 't-1' }],
    ['not a list', 1, { taskToken: 't-1', approvers: 'first.approver@example.test' }],
    ['a non-address in the list', 2, { taskToken: 't-1', approvers: ['first.approver@example.test', 7] }],
    ['an empty address', 1, { taskToken: 't-1', approvers: [''] }],
    ['no count in clear', null, { taskToken: 't-1', approvers: APPROVERS }],
  ])('refuses a request with %s: TamperDetected naming the request, quoting none of it', async (_, count, sensitive) => {
    const events = await approvalWith(count, sensitive);
    const error = await approversOnRecord(events, sealer).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TamperDetected);
    expect(error).toMatchObject({ stream: 'approval#e1-1', version: 1 });
    expect((error as Error).message).not.toContain('example.test');
  });

  it('refuses sealed approvers moved in from another request', async () => {
    const mine = await approvalWith(1, { taskToken: 't-1', approvers: ['mine@example.test'] });
    const store = new InMemoryEventStore({ sealer });
    const data = { approvalId: 'e9-1', executionId: 'e9', approverCount: 1 };
    const [theirs] = await store.append('approval#e9-1', 0, [{ type: 'ApprovalRequested', actor: 'step:request-approval', data, sensitive: { approvers: ['mallory@example.test'] } }]);
    const swapped = [{ ...mine[0]!, sealed: theirs!.sealed }, ...mine.slice(1)];
    await expect(approversOnRecord(swapped, sealer)).rejects.toBeInstanceOf(TamperDetected);
  });
});
