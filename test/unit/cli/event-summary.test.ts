import { describe, expect, it } from 'vitest';
import { displayActor, summarizeEvent, SUMMARY_MAX_LENGTH } from '../../../lib/cli/event-summary.js';

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
    // The approval id last: it names the stream this event usually sits in. Approvers are counted, never named.
    expect(
      summarizeEvent({
        type: 'ApprovalRequested',
        data: {
          approvalId: 'e-1-1',
          expiresAt: '2026-12-02T08:59:00.000Z',
          approverCount: 2,
          summary: { vendor: 'Northwind Traders', invoiceNumber: 'NW-1', currency: 'USD', amount: '12480.00' },
        },
      }),
    ).toBe('vendor=Northwind Traders amount=12480.00 currency=USD expiresAt=2026-12-02T08:59:00.000Z approvers=2 approvalId=e-1-1');
  });

  it('leaves out the approval id in the approval\'s own stream', () => {
    const data = { approvalId: 'e-1-1', expiresAt: '2026-12-02T08:59:00.000Z' };
    expect(summarizeEvent({ type: 'ApprovalRequested', stream: 'approval#e-1-1', data })).toBe('expiresAt=2026-12-02T08:59:00.000Z');
    expect(summarizeEvent({ type: 'ApprovalRequested', stream: 'execution#e-1', data })).toBe('expiresAt=2026-12-02T08:59:00.000Z approvalId=e-1-1');
  });

  it('names the deciding approver by number from 1, and leaves out a message that could quote input', () => {
    expect(summarizeEvent({ type: 'ApprovalDecided', data: { decision: 'approve', approverIndex: 0, approvalId: 'e-1-1' } })).toBe('decision=approve approver=#1');
    expect(summarizeEvent({ type: 'ApprovalDecided', data: { decision: 'reject', approverIndex: 2 } })).toBe('decision=reject approver=#3');
    // Not a position: shown as recorded, never turned into a number it is not.
    expect(summarizeEvent({ type: 'ApprovalDecided', data: { decision: 'reject', approverIndex: 'x' } })).toBe('decision=reject approver=x');
    expect(summarizeEvent({ type: 'StepFailed', data: { step: 'pay-invoice', error: 'PaymentFailed', message: 'text that is not shown' } })).toBe('step=pay-invoice error=PaymentFailed');
  });

  it('masks an address in clear free text, such as a caller-given source', () => {
    expect(summarizeEvent({ type: 'ExecutionStarted', data: { workflow: 'invoice-approval', source: 'forwarded by dana.approver@example.org' } })).toBe(
      'workflow=invoice-approval source=forwarded by d•••@example.org',
    );
  });

  it('says who started an execution in the words of its clear part, and why an attempt was refused', () => {
    expect(summarizeEvent({ type: 'ExecutionStarted', data: { workflow: 'invoice-approval', source: null, startedBy: 'aws:123456789012:assumed-role', startedThrough: 'wardflow' } })).toBe(
      'workflow=invoice-approval startedBy=aws:123456789012:assumed-role startedThrough=wardflow',
    );
    expect(summarizeEvent({ type: 'ApprovalAttemptRefused', data: { approvalId: 'e1-1', executionId: 'e1', reason: 'expired-link', approverIndex: 1, window: '2026-12-01T09:00:00.000Z' } })).toBe(
      'reason=expired-link approver=#2',
    );
  });

  it('falls back to the plain top-level values of types it has no entry for, cut short', () => {
    expect(summarizeEvent({ type: 'ApprovalEscalated', data: { to: 'ops@example.org', level: 2, nested: { a: 1 } } })).toBe('to=o•••@example.org level=2');
    const long = summarizeEvent({ type: 'ApprovalEscalated', data: { reason: 'x'.repeat(500) } });
    expect(Array.from(long)).toHaveLength(SUMMARY_MAX_LENGTH);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('displayActor', () => {
  it('shows an approver by number from 1, masks an address, and leaves roles as recorded', () => {
    expect(displayActor('approver:0')).toBe('approver #1');
    expect(displayActor('approver:11')).toBe('approver #12');
    expect(displayActor('step:record-start')).toBe('step:record-start');
    expect(displayActor('user:dana.approver@example.org')).toBe('user:d•••@example.org');
    expect(displayActor('approver:-1')).toBe('approver:-1');
  });
});
