import type { Sealer } from '../../crypto/sealer.js';
import { ConcurrencyConflict } from '../../errors.js';
import { approvalStream, type StoredEvent } from '../../events/event.js';
import { readVerified } from '../../events/read-verified.js';
import type { EventStore } from '../../events/store.js';
import { approvalSubjectOf } from '../approval-subject.js';
import { approversOnRecord } from '../approvers-on-record.js';
import { emailApprovers } from '../email-approvers.js';
import { levelAskedInWords } from '../level-words.js';
import { linkSignerFor } from '../link-signer.js';
import { rosterIndex } from '../levels/roster.js';
import { levelState, type LevelState } from '../levels/state.js';
import { addressOf, currentLevelAnnounced, groupTitlesOf, rosterOfState, titleOf } from './level-stream.js';

/** How approvers are told: the approval site, the link key, the sender (request-approval's NotificationSettings). */
export interface LevelNotification {
  siteUrl: string;
  linkKeyId: string;
  from: string;
}

export interface LevelAnnouncementDependencies {
  store: EventStore;
  sealer: Sealer;
  now: () => Date;
}

/**
 * Emails the group asked now at the approval's current level: every member (`request`, or
 * `escalation` when the level was escalated to them), or the given positions (`reminder`). Each
 * link names the approver's place in the approval's one sealed list and the level, and expires at
 * the level's deadline. Says who is asked in the policy's words ("Level 2 of 2. You are one of 3
 * finance directors; 2 of 3 ..."), never another approver's address. Returns how many were emailed.
 *
 * An email that cannot be sent throws NotificationFailed (or SecretUnavailable for the link key):
 * the caller's retry emails again, so an announcement is at least once.
 */
export async function emailLevel(
  events: readonly StoredEvent[],
  state: LevelState,
  kind: 'request' | 'reminder' | 'escalation',
  notification: LevelNotification,
  deps: LevelAnnouncementDependencies,
  positions?: readonly number[],
): Promise<number> {
  if (state.group === undefined || state.deadlineAt === undefined || state.approvalId === undefined) return 0;
  const group = state.group;
  const approvers = await approversOnRecord(events, deps.sealer);
  const roster = rosterOfState(state);
  const titles = groupTitlesOf(events);
  const wanted = positions ?? Array.from({ length: state.approverCount }, (_, index) => index);
  const recipients = wanted.flatMap((position) => {
    const address = addressOf(approvers, roster, group, position);
    const linkIndex = rosterIndex(roster, group, position);
    return address === undefined || linkIndex === undefined ? [] : [{ address, linkIndex }];
  });
  if (recipients.length === 0) return 0;
  const levelGroup = state.route[state.level]?.group;
  const askedText = levelAskedInWords({
    levelIndex: state.level,
    levelCount: state.route.length,
    title: titleOf(titles, group),
    quorum: state.quorum,
    approverCount: state.approverCount,
    ...(state.escalated && levelGroup !== undefined ? { escalatedFrom: titleOf(titles, levelGroup) } : {}),
  });
  return emailApprovers(
    { approvalId: state.approvalId, approvers, subject: approvalSubjectOf(events), expiresAt: state.deadlineAt },
    { siteUrl: notification.siteUrl, from: notification.from },
    linkSignerFor(notification.linkKeyId),
    deps.now(),
    { recipients, level: state.level, kind, askedText },
  );
}

/** Attempts at recording an announcement before leaving it to the next timer (which sees it unrecorded and announces again). */
const RECORD_ATTEMPTS = 3;

/**
 * Announces the current level when nobody has yet (see currentLevelAnnounced), then records
 * ApprovalNotified `{ approvalId, level, group, channel, recipients }` on the approval stream (a
 * count, never who). Emailing comes first: a crash in between emails the group again on the next
 * timer rather than never. Returns the stream as it is after, and how many were emailed (0 when the
 * level was announced already or the approval is not waiting).
 */
export async function announceCurrentLevel(
  events: StoredEvent[],
  notification: LevelNotification,
  deps: LevelAnnouncementDependencies,
  actor: string,
): Promise<{ events: StoredEvent[]; recipients: number }> {
  const state = levelState(events);
  if (state.status !== 'pending' || currentLevelAnnounced(events, state)) return { events, recipients: 0 };
  const kind = state.escalated ? 'escalation' : 'request';
  const recipients = await emailLevel(events, state, kind, notification, deps);
  const stream = approvalStream(state.approvalId!);
  let current = events;
  for (let attempt = 1; ; attempt++) {
    const now = levelState(current);
    // Voted to the next level, escalated or ended meanwhile: this announcement is no longer the level's record.
    if (now.status !== 'pending' || now.level !== state.level || now.group !== state.group || currentLevelAnnounced(current, now)) return { events: current, recipients };
    try {
      const appended = await deps.store.append(stream, now.version, [
        { type: 'ApprovalNotified', actor, data: { approvalId: state.approvalId!, level: state.level, group: state.group!, channel: 'email', recipients } },
      ]);
      return { events: [...current, ...appended], recipients };
    } catch (error) {
      if (!(error instanceof ConcurrencyConflict) || attempt >= RECORD_ATTEMPTS) throw error;
      current = await readVerified(deps.store, stream);
    }
  }
}
