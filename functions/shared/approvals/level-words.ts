import { APPROVER, askedInWords, type ApproverTitle } from './asked-words.js';
import { flatText } from './display-text.js';
import { type LevelState, type RecordedVote, votesOfGroupAsked } from './levels/state.js';

/**
 * A multi-level approval in the approver's words, for the emails and the approval page: which
 * level asks them and what closes it, who at their level has decided and what is still needed.
 * Pure and total: any input gives words, never an exception. People are named only by their
 * group's title and a position counted from 1 ("Finance director 2"), the viewer as "you":
 * never an address, and nothing the caller did not pass in.
 */

export interface LevelAsked {
  /** The level's index in the route, from 0. */
  levelIndex: number;
  /** How many levels the route has. */
  levelCount: number;
  /** The title of the group asked at this level (its approverTitle). */
  title: ApproverTitle;
  /** Approvals the level needs. */
  quorum: number | 'all';
  /** How many are asked at this level. */
  approverCount: number;
  /** Set when the level was escalated: the title of the group that did not decide in time. */
  escalatedFrom?: ApproverTitle;
}

/**
 * The route has up to 5 levels (policy MAX_LEVELS); a larger count is held to this so a bad
 * caller cannot make the words say "Level 1 of 9007199254740991".
 */
const MAX_LEVELS = 5;

/**
 * @example
 * levelAskedInWords({ levelIndex: 1, levelCount: 2, title: { one: 'finance director', other: 'finance directors' }, quorum: 2, approverCount: 3 });
 * // 'Level 2 of 2. You are one of 3 finance directors; 2 of 3 finance directors must approve, and one rejection closes it.'
 * levelAskedInWords({ levelIndex: 0, levelCount: 2, title: { one: 'manager', other: 'managers' }, quorum: 1, approverCount: 1 });
 * // 'Level 1 of 2. You are the only manager; your decision closes it. Once this level approves, the request goes on to level 2.'
 */
export function levelAskedInWords(asked: LevelAsked): string {
  // A route of one level is just "the" approval: "Level 1 of 1" would only add noise.
  const count = Math.min(MAX_LEVELS, wholeAtLeast(asked.levelCount, 1, 1));
  const index = Math.min(count - 1, wholeAtLeast(asked.levelIndex, 0, 0));
  const sentences: string[] = [];
  if (count > 1) sentences.push(`Level ${index + 1} of ${count}.`);
  if (asked.escalatedFrom !== undefined) sentences.push(`This level was escalated to you because the ${readableTitle(asked.escalatedFrom).other} did not decide in time.`);
  sentences.push(askedInWords({ quorum: asked.quorum, approverCount: asked.approverCount, title: readableTitle(asked.title) }));
  if (index < count - 1) sentences.push(`Once this level approves, the request goes on to level ${index + 2}.`);
  return sentences.join(' ');
}

/** Who is looking: their group and position in it, as their link names them, and the level the link was issued for when it says. */
export interface LevelViewer {
  group: string;
  approverIndex: number;
  level?: number;
}

/**
 * Who has decided at the viewer's level, in the order they did, then where the level and the
 * request stand: what is still needed, or that the level was escalated, passed on, approved,
 * rejected or ran out of time. Empty before the route has started.
 *
 * @example
 * levelProgressInWords(state, { group: 'finance-directors', approverIndex: 1 }, { 'finance-directors': { one: 'finance director', other: 'finance directors' } });
 * // ['Finance director 1 approved.', '1 more approval from the finance directors is needed.']
 */
export function levelProgressInWords(state: LevelState, viewer: LevelViewer, titles: Record<string, ApproverTitle>): string[] {
  const route = Array.isArray(state.route) ? state.route : [];
  const level = viewersLevel(state, viewer, route.length);
  if (level === undefined) return [];
  const titleOf = (group: string | undefined): ApproverTitle => (group !== undefined && Object.hasOwn(titles, group) ? readableTitle(titles[group]!) : APPROVER);
  const votes: RecordedVote[] = Array.isArray(state.votes?.[level]) ? state.votes[level] : [];
  const lines = votes.map((vote) => voteInWords(vote, viewer, titleOf(vote.group)));
  if (votes.length === 0) lines.push('No one at this level has decided yet.');

  const routed = route[level];
  const next = `level ${state.level + 1} of ${route.length}`;
  switch (state.status) {
    case 'approved':
      lines.push('Every level approved: the request is approved.');
      break;
    case 'rejected':
      // The rejection's own line says so when it was at this level.
      if (state.decidedBy?.level !== level) lines.push(`The request was rejected at level ${wholeAtLeast(state.decidedBy?.level, 0, state.level) + 1}.`);
      break;
    case 'expired':
      lines.push('The time to decide ran out: the request is closed without approval.');
      break;
    case 'pending':
      if (level < state.level) lines.push(`This level approved; ${next} is now asked of the ${titleOf(state.group).other}.`);
      else if (level > state.level) lines.push('This level has not started yet.');
      else if (Array.isArray(state.completedLevels) && state.completedLevels.includes(level)) lines.push('This level approved.');
      else {
        if (state.escalated && viewer.group !== state.group && routed !== undefined && viewer.group === routed.group) {
          lines.push(`This level was escalated to the ${titleOf(state.group).other} because the ${titleOf(routed.group).other} did not decide in time.`);
        }
        lines.push(stillNeeded(state, titleOf(state.group)));
      }
      break;
    default:
      break;
  }
  return lines;
}

/**
 * The level the viewer decides at: the one their link names; otherwise the latest level up to
 * the current one that asks their group (so after their approval passed the request on, they
 * still see their own level); otherwise the current one.
 */
function viewersLevel(state: LevelState, viewer: LevelViewer, levels: number): number | undefined {
  if (!Number.isSafeInteger(state.level) || state.level < 0 || state.level >= levels) return undefined;
  if (Number.isSafeInteger(viewer.level) && viewer.level! >= 0 && viewer.level! < levels) return viewer.level;
  for (let level = state.level; level >= 0; level--) {
    const routed = state.route[level];
    if (routed === undefined) continue;
    const escalation = typeof routed.onDeadline === 'object' && routed.onDeadline !== null ? routed.onDeadline.escalateTo : undefined;
    if (routed.group === viewer.group || escalation === viewer.group) return level;
  }
  return state.level;
}

function voteInWords(vote: RecordedVote, viewer: LevelViewer, title: ApproverTitle): string {
  const who = vote.group === viewer.group && vote.approverIndex === viewer.approverIndex ? 'You' : `${capitalised(title.one)} ${wholeAtLeast(vote.approverIndex, 0, 0) + 1}`;
  return vote.decision === 'reject' ? `${who} rejected: the request is rejected.` : `${who} approved.`;
}

/** "1 more approval from the finance directors is needed." */
function stillNeeded(state: LevelState, title: ApproverTitle): string {
  const quorum = wholeAtLeast(state.quorum, 1, 1);
  const approved = votesOfGroupAsked(state).filter((vote) => vote.decision === 'approve').length;
  const remaining = Math.max(0, quorum - approved);
  if (remaining === 0) return 'No more approvals are needed at this level.';
  const from = wholeAtLeast(state.approverCount, 1, 1) === 1 ? title.one : title.other;
  return remaining === 1 ? `1 more approval from the ${from} is needed.` : `${remaining} more approvals from the ${from} are needed.`;
}

/** A title on one line; a blank one reads as "approver" rather than as nothing. */
function readableTitle(title: ApproverTitle | undefined): ApproverTitle {
  const one = typeof title?.one === 'string' ? flatText(title.one) : '';
  const other = typeof title?.other === 'string' ? flatText(title.other) : '';
  return one === '' || other === '' ? APPROVER : { one, other };
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `value` when it is a whole number of at least `min`, else `fallback`. */
function wholeAtLeast(value: unknown, min: number, fallback: number): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min ? value : fallback;
}
