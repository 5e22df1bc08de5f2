import { describeQuorum } from './policy/describe.js';

/**
 * Who is asked to decide, in the approver's own words, for the email and the page: how many
 * approvers there are and what closes the approval. Only a count, never an address. A gate
 * without a policy has one level whose first decision closes it (quorum 1); a quorum above one
 * is worded with the policy's own describeQuorum, and a policy level names its approvers by
 * their group's title (level-words.ts).
 */
export interface AskedOf {
  /** Approvals the level needs: 1 for a gate without a policy, 'all' for every approver. */
  quorum: number | 'all';
  /** How many approvers the request names (the approver's own link among them). */
  approverCount: number;
  /** What one and several of those asked are called (a policy group's approverTitle); "approver" when unset. */
  title?: ApproverTitle;
}

export interface ApproverTitle {
  one: string;
  other: string;
}

export const APPROVER: ApproverTitle = { one: 'approver', other: 'approvers' };

/**
 * @example
 * askedInWords({ quorum: 1, approverCount: 3 }); // 'You are one of 3 approvers; the first decision closes it.'
 * askedInWords({ quorum: 1, approverCount: 1 }); // 'You are the only approver; your decision closes it.'
 * askedInWords({ quorum: 2, approverCount: 3 }); // 'You are one of 3 approvers; 2 of 3 approvers must approve, and one rejection closes it.'
 * askedInWords({ quorum: 1, approverCount: 1, title: { one: 'manager', other: 'managers' } }); // 'You are the only manager; your decision closes it.'
 */
export function askedInWords({ quorum, approverCount, title }: AskedOf): string {
  const titles = title === undefined ? APPROVER : title;
  // A count that is no count (the request always names at least one approver) reads as one: words, never "NaN".
  const count = Number.isSafeInteger(approverCount) && approverCount > 0 ? approverCount : 1;
  if (count === 1) return `You are the only ${titles.one}; your decision closes it.`;
  const who = `You are one of ${count} ${titles.other}`;
  // A quorum outside 1..count cannot be configured (checkPolicy refuses it); it is held to that range rather than worded.
  const needed = quorum === 'all' ? quorum : Math.min(count, Math.max(1, Number.isSafeInteger(quorum) ? quorum : 1));
  if (needed === 1) return `${who}; the first decision closes it.`;
  return `${who}; ${describeQuorum(needed, count, titles)} must approve, and one rejection closes it.`;
}
