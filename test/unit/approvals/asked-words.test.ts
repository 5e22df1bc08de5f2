import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { askedInWords } from '../../../functions/shared/approvals/asked-words.js';

/** Who is asked, in the approver's words: a count and what closes the approval, never an address. */
describe('askedInWords', () => {
  it('words the one level gates have today: its approvers, the first decision closes it', () => {
    expect(askedInWords({ quorum: 1, approverCount: 3 })).toBe('You are one of 3 approvers; the first decision closes it.');
    expect(askedInWords({ quorum: 1, approverCount: 1 })).toBe('You are the only approver; your decision closes it.');
  });

  it('words a quorum above one with the policy language\'s own quorum words', () => {
    expect(askedInWords({ quorum: 2, approverCount: 3 })).toBe('You are one of 3 approvers; 2 of 3 approvers must approve, and one rejection closes it.');
    expect(askedInWords({ quorum: 'all', approverCount: 4 })).toBe('You are one of 4 approvers; every approver must approve, and one rejection closes it.');
  });

  it('always says something sensible, for any count', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.constant('all' as const)), fc.oneof(fc.integer(), fc.double()), (quorum, approverCount) => {
        const words = askedInWords({ quorum, approverCount });
        expect(words).toMatch(/^You are (the only approver|one of \d+ approvers);/);
        expect(words).not.toMatch(/NaN|undefined|Infinity/);
      }),
    );
  });
});
