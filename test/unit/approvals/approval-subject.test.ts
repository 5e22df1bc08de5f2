import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { approvalIdFor, ApprovalIdSchema } from '../../../functions/shared/approvals/approval-id.js';
import {
  ApprovalSubject,
  approvalSubjectOf,
  legacySummarySubject,
  MAX_FIELDS,
  MAX_LABEL_LENGTH,
  MAX_TITLE_LENGTH,
  MAX_VALUE_LENGTH,
} from '../../../functions/shared/approvals/approval-subject.js';
import { flatText, formatUtc } from '../../../functions/shared/approvals/display-text.js';
import type { Json, StoredEvent } from '../../../functions/shared/events/event.js';
import { describeIssues } from '../../../functions/shared/middleware/describe-issues.js';
import { naughtyStrings } from '../../support/datasets.js';

/**
 * The subject of an approval: what the workflow declares and the approver sees. Parsed without
 * stripping anything (rendering makes it safe), numbers and booleans from JsonPath turned into
 * text, and read back from a stream, a legacy invoice summary included.
 */
const SUBJECT = { title: 'Purchase order PO-7 from Contoso', fields: [{ label: 'Amount', value: '9100.00 EUR' }] };

/** The issues request-approval would report for `subject` in its input. */
function issuesOf(subject: unknown) {
  const parsed = z.object({ subject: ApprovalSubject }).safeParse({ subject });
  if (parsed.success) throw new Error('test: expected the subject to be refused');
  return describeIssues(parsed.error.issues, ['input']);
}

function requested(data: { [key: string]: Json }): StoredEvent {
  return {
    stream: 'approval#e1-1',
    version: 1,
    type: 'ApprovalRequested',
    time: '2026-12-01T09:00:00.000Z',
    actor: 'step:request-approval',
    data: { approvalId: 'e1-1', executionId: 'e1', approverCount: 1, expiresAt: '2026-12-02T08:59:00.000Z', ...data },
    sealed: 'sealed',
    prevHash: null,
    hash: 'h',
  } as StoredEvent;
}

describe('ApprovalSubject', () => {
  it('takes a title and labelled fields, and turns numbers and booleans from JsonPath into text', () => {
    expect(
      ApprovalSubject.parse({
        title: 'Expense claim 42',
        fields: [
          { label: 'Amount', value: 12480.5 },
          { label: 'Count', value: 0 },
          { label: 'Urgent', value: true },
          { label: 'Refundable', value: false },
          { label: 'Note', value: '' },
        ],
      }),
    ).toEqual({
      title: 'Expense claim 42',
      fields: [
        { label: 'Amount', value: '12480.5' },
        { label: 'Count', value: '0' },
        { label: 'Urgent', value: 'true' },
        { label: 'Refundable', value: 'false' },
        { label: 'Note', value: '' },
      ],
    });
    expect(ApprovalSubject.parse({ title: 'Nothing else to say', fields: [] })).toEqual({ title: 'Nothing else to say', fields: [] });
  });

  it('strips nothing: every naughty string within the bounds comes back as given', () => {
    for (const value of naughtyStrings().filter((s) => s !== '' && s.length <= MAX_LABEL_LENGTH)) {
      expect(ApprovalSubject.parse({ title: value, fields: [{ label: value, value }] }), value).toEqual({ title: value, fields: [{ label: value, value }] });
    }
  });

  it.each<[string, unknown, string, string]>([
    ['an object as a value', { ...SUBJECT, fields: [SUBJECT.fields[0], SUBJECT.fields[0], { label: 'Lines', value: { a: 1 } }] }, 'input.subject.fields[2].value', 'a string, number or boolean'],
    ['an array as a value', { ...SUBJECT, fields: [{ label: 'Lines', value: ['a', 'b'] }] }, 'input.subject.fields[0].value', 'a string, number or boolean'],
    ['null as a value', { ...SUBJECT, fields: [{ label: 'Lines', value: null }] }, 'input.subject.fields[0].value', 'a string, number or boolean'],
    ['a missing value', { ...SUBJECT, fields: [{ label: 'Lines' }] }, 'input.subject.fields[0].value', 'a string, number or boolean'],
    ['an empty title', { ...SUBJECT, title: '' }, 'input.subject.title', 'a string of at least 1 characters'],
    ['a long title', { ...SUBJECT, title: 't'.repeat(MAX_TITLE_LENGTH + 1) }, 'input.subject.title', 'a string of at most 200 characters'],
    ['a number as the title', { ...SUBJECT, title: 42 }, 'input.subject.title', 'a string'],
    ['an empty label', { ...SUBJECT, fields: [{ label: '', value: 'x' }] }, 'input.subject.fields[0].label', 'a string of at least 1 characters'],
    ['a long label', { ...SUBJECT, fields: [{ label: 'l'.repeat(MAX_LABEL_LENGTH + 1), value: 'x' }] }, 'input.subject.fields[0].label', 'a string of at most 60 characters'],
    ['a long value', { ...SUBJECT, fields: [{ label: 'Note', value: 'v'.repeat(MAX_VALUE_LENGTH + 1) }] }, 'input.subject.fields[0].value', 'a string of at most 500 characters'],
    ['too many fields', { ...SUBJECT, fields: Array.from({ length: MAX_FIELDS + 1 }, (_, i) => ({ label: `F${i}`, value: i })) }, 'input.subject.fields', 'a list of at most 12 items'],
    ['no fields at all', { title: 'T' }, 'input.subject.fields', 'an array'],
    ['no subject', undefined, 'input.subject', 'an object'],
  ])('refuses %s, naming where and what was expected', (_, subject, path, expected) => {
    expect(issuesOf(subject)).toContainEqual({ path, expected });
  });

  it('never quotes the refused value', () => {
    const secret = 'PLANTED-subject-value-0c41';
    const issues = issuesOf({ title: secret.repeat(20), fields: [{ label: secret, value: { secret } }] });
    expect(JSON.stringify(issues)).not.toContain(secret);
  });

  it('writes numbers as JavaScript does, and refuses the non-finite ones JSON cannot carry', () => {
    const valueOf = (value: number) => ApprovalSubject.parse({ title: 'T', fields: [{ label: 'N', value }] }).fields[0]!.value;
    expect(valueOf(1e21)).toBe('1e+21');
    expect(valueOf(Number.MAX_VALUE)).toBe('1.7976931348623157e+308');
    expect(valueOf(-0.5)).toBe('-0.5');
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY]) expect(issuesOf({ title: 'T', fields: [{ label: 'N', value }] })).toEqual([{ path: 'input.subject.fields[0].value', expected: 'a string, number or boolean' }]);
  });
});

describe('approvalSubjectOf', () => {
  it('reads the subject the request recorded', () => {
    expect(approvalSubjectOf([requested({ workflow: 'purchase-orders', subject: SUBJECT })])).toEqual(SUBJECT);
  });

  it('reads a legacy invoice summary as the subject that workflow declares now, so old pending approvals still render', () => {
    const summary = { vendor: 'Northwind Traders', invoiceNumber: 'NW-88213', currency: 'USD', amount: '12480.00' };
    const expected = {
      title: 'Invoice NW-88213 from Northwind Traders',
      fields: [
        { label: 'Vendor', value: 'Northwind Traders' },
        { label: 'Invoice number', value: 'NW-88213' },
        { label: 'Amount', value: '12480.00 USD' },
      ],
    };
    expect(approvalSubjectOf([requested({ summary })])).toEqual(expected);
    expect(legacySummarySubject(summary)).toEqual(expected);
    // A subject, when there is one, wins over a summary.
    expect(approvalSubjectOf([requested({ subject: SUBJECT, summary })])).toEqual(SUBJECT);
  });

  it('keeps a legacy title within the subject bounds, cut on whole characters', () => {
    const vendor = `${'V'.repeat(195)}😀😀😀`;
    const subject = legacySummarySubject({ vendor, invoiceNumber: 'NW-1', currency: 'USD', amount: '1.00' })!;
    expect(subject.title.length).toBeLessThanOrEqual(MAX_TITLE_LENGTH);
    expect(subject.title.endsWith('...')).toBe(true);
    expect(subject.title).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('has none when the request recorded neither, or not in a readable shape, or there is no request', () => {
    expect(approvalSubjectOf([requested({})])).toBeUndefined();
    expect(approvalSubjectOf([requested({ subject: { title: 7, fields: [] } })])).toBeUndefined();
    expect(approvalSubjectOf([requested({ subject: 'Invoice 7', summary: { vendor: 'N' } })])).toBeUndefined();
    expect(approvalSubjectOf([])).toBeUndefined();
  });
});

describe('display text', () => {
  it('shows times in UTC to the minute, and anything else as it is', () => {
    expect(formatUtc('2026-12-02T08:59:00.000Z')).toBe('2026-12-02 08:59 UTC');
    expect(formatUtc('not a date')).toBe('not a date');
  });

  it('flattens control characters and line separators into single spaces', () => {
    expect(flatText('  Northwind\r\nBcc: victim@example.com\u2028x\u0000\u001b[2J ')).toBe('Northwind Bcc: victim@example.com x [2J');
  });
});

describe('ApprovalIdSchema', () => {
  it('names a gate’s approval after its execution and gate number, as the state machine does (States.Format({}-N))', () => {
    expect(approvalIdFor('exec-42')).toBe('exec-42-1');
    expect(approvalIdFor('exec-42', 2)).toBe('exec-42-2');
    expect(ApprovalIdSchema.safeParse('exec-42-1').success).toBe(true);
    expect(ApprovalIdSchema.safeParse('exec 42').success).toBe(false);
  });
});
