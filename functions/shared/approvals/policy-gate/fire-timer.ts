import { ConcurrencyConflict } from '../../errors.js';
import { approvalStream, type StoredEvent } from '../../events/event.js';
import { approvalState } from '../../events/fold.js';
import { readVerified } from '../../events/read-verified.js';
import { foreignApproval } from '../guard.js';
import { levelState } from '../levels/state.js';
import { onTimer } from '../levels/timers.js';
import { announceCurrentLevel, emailLevel, type LevelAnnouncementDependencies, type LevelNotification } from './announce-level.js';
import { deliverEnded, scheduleNext } from './level-outcome.js';
import { appendEach } from './append-each.js';
import { isRouted, toNewEvent } from './level-stream.js';
import { settleApproval } from './settle-approval.js';

/** What one firing of an approval's timer did, in words for the logs and the step's output. */
export type TimerWork = 'reminded' | 'escalated' | 'expired' | 'announced' | 'scheduled' | 'nothing-due' | 'not-routed';

export interface TimerDependencies extends LevelAnnouncementDependencies {
  step: string;
}

/** Rounds of reading again when a vote or another timer moved the stream in between. */
const TIMER_ATTEMPTS = 5;

/**
 * One firing of an approval's timer (EventBridge Scheduler on AWS, the local runtime's scheduler
 * locally), safe at any time and any number of times: everything it does is decided by the stream
 * (levels/timers.ts onTimer) and appended at the version read.
 * - A reminder due: the group's members who have not voted are emailed first, then
 *   ApprovalReminderSent is recorded (a crash in between reminds again rather than never).
 * - A deadline reached: ApprovalEscalated and the escalation group's ApprovalLevelStarted, or
 *   ApprovalExpired, delivered to the gate as SendTaskFailure ApprovalExpired.
 * - Then the level asked now is announced if nobody was told yet (a level opened by a vote or
 *   by this escalation), and the next timer scheduled.
 * Returns what it did; `expired` means the caller records ApprovalExpired on the execution's stream.
 */
export async function fireApprovalTimer(
  ids: { approvalId: string; executionId: string },
  notification: LevelNotification,
  deps: TimerDependencies,
): Promise<TimerWork[]> {
  const stream = approvalStream(ids.approvalId);
  let events = await readVerified(deps.store, stream);
  if (!isRouted(events)) return ['not-routed'];
  const foreign = foreignApproval(approvalState(events), ids.executionId, `${deps.step} input`);
  if (foreign) throw foreign;
  const work: TimerWork[] = [];
  const outcomeDeps = { store: deps.store, sealer: deps.sealer, now: deps.now, step: deps.step };
  let after: StoredEvent[] = events;
  for (let attempt = 1; ; attempt++) {
    // Votes on record decide before deadlines do: a quorum reached just before the deadline counts.
    const settled = await settleApproval(events, outcomeDeps);
    events = settled.events;
    after = events;
    const state = levelState(events);
    const outcome = onTimer(state, deps.now());
    if (outcome.remind !== undefined && outcome.remind.length > 0) await emailLevel(events, state, 'reminder', notification, deps, outcome.remind);
    if (outcome.events.length === 0) break;
    const { appended, complete } = await appendEach(deps.store, stream, state.version, outcome.events.map((event) => toNewEvent(event)));
    after = [...events, ...appended];
    const types = new Set(appended.map((event) => event.type));
    if (types.has('ApprovalReminderSent')) work.push('reminded');
    if (types.has('ApprovalEscalated')) work.push('escalated');
    if (types.has('ApprovalExpired')) {
      work.push('expired');
      // 'task-gone': the execution ended meanwhile (stopped, or the gate timed out); the expiry is on record either way.
      await deliverEnded(ids.approvalId, after, outcomeDeps);
    }
    if (complete) break;
    if (attempt >= TIMER_ATTEMPTS) throw new ConcurrencyConflict(stream, state.version);
    events = await readVerified(deps.store, stream);
  }
  const announced = await announceCurrentLevel(after, notification, deps, `step:${deps.step}`);
  if (announced.recipients > 0) work.push('announced');
  await scheduleNext(announced.events, ids, { sealer: deps.sealer, now: deps.now, step: deps.step });
  if (levelState(announced.events).status === 'pending') work.push('scheduled');
  return work.length === 0 ? ['nothing-due'] : work;
}
