import { describe, expect, it } from 'vitest';
import { summarizeEvent, SUMMARY_MAX_LENGTH } from '../../../lib/cli/event-summary.js';

describe('summarizeEvent', () => {
  it('shows the fields that matter for each type', () => {
    expect(summarizeEvent({ type: 'StepSucceeded', data: { step: 'extract-invoice', durationMs: 412 } })).toBe('step=extract-invoice durationMs=412');
    expect(summarizeEvent({ type: 'ExecutionFailed', data: { error: 'ValidationFailed' } })).toBe('error=ValidationFailed');
    expect(summarizeEvent({ type: 'ExecutionSucceeded', data: {} })).toBe('');
    expect(
      summarizeEvent({
        type: 'ValidationFailed',
        data: { step: 'extract-invoice', source: 'model output', issues: [{ path: 'amount', expected: 'a decimal' }, { path: 'dueDate', expected: 'a date' }] },
      }),
    ).toBe('step=extract-invoice source=model output issues=amount,dueDate');
    // Cut at the length limit: the approval id, last, names the stream this event usually sits in.
    expect(
      summarizeEvent({
        type: 'ApprovalRequested',
        data: {
          approvalId: 'e-1-1',
          expiresAt: '2026-12-02T08:59:00.000Z',
          approvers: ['dana.approver@example.org'],
          summary: { vendor: 'Northwind Traders', invoiceNumber: 'NW-1', currency: 'USD', amount: '12480.00' },
        },
      }),
    ).toBe('vendor=Northwind Traders amount=12480.00 currency=USD expiresAt=2026-12-02T08:59:00.000Z approvers=d•••@example.org app…');
  });

  it('leaves out the approval id in the approval\'s own stream', () => {
    const data = { approvalId: 'e-1-1', expiresAt: '2026-12-02T08:59:00.000Z' };
    expect(summarizeEvent({ type: 'ApprovalRequested', stream: 'approval#e-1-1', data })).toBe('expiresAt=2026-12-02T08:59:00.000Z');
    expect(summarizeEvent({ type: 'ApprovalRequested', stream: 'execution#e-1', data })).toBe('expiresAt=2026-12-02T08:59:00.000Z approvalId=e-1-1');
  });

  it('masks addresses and leaves out a message that could quote input', () => {
    const summary = summarizeEvent({ type: 'ApprovalDecided', data: { decision: 'approve', approver: 'dana.approver@example.org', approvalId: 'e-1-1' } });
    expect(summary).toBe('decision=approve approver=d•••@example.org');
    expect(summarizeEvent({ type: 'StepFailed', data: { step: 'pay-invoice', error: 'PaymentFailed', message: 'text that is not shown' } })).toBe('step=pay-invoice error=PaymentFailed');
  });

  it('falls back to the plain top-level values of types it has no entry for, cut short', () => {
    expect(summarizeEvent({ type: 'ApprovalEscalated', data: { to: 'ops@example.org', level: 2, nested: { a: 1 } } })).toBe('to=o•••@example.org level=2');
    const long = summarizeEvent({ type: 'ApprovalEscalated', data: { reason: 'x'.repeat(500) } });
    expect(Array.from(long)).toHaveLength(SUMMARY_MAX_LENGTH);
    expect(long.endsWith('…')).toBe(true);
  });
});
