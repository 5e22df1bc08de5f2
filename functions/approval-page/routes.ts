import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { parseLink, verifyApprovalLink, type LinkCheck } from '../shared/approvals/approval-link.js';
import { countRefusal, recordAttemptRefused, type RefusalReason, type RefusalRecord } from '../shared/approvals/attempt-refused.js';
import { approvalSubjectOf } from '../shared/approvals/approval-subject.js';
import { checkExecution } from '../shared/approvals/execution-status.js';
import { humanDecision } from '../shared/approvals/guard.js';
import type { LinkSigner } from '../shared/approvals/link-signer.js';
import { recordApproverDecision, type DecisionDependencies } from '../shared/approvals/record-approver-decision.js';
import { refuseUnlessRunning } from '../shared/approvals/refuse-unless-running.js';
import { WardflowError } from '../shared/errors.js';
import { approvalStream, type StoredEvent } from '../shared/events/event.js';
import { approvalState, type ApprovalState } from '../shared/events/fold.js';
import { readVerified } from '../shared/events/read-verified.js';
import { levelAskedInWords, levelProgressInWords } from '../shared/approvals/level-words.js';
import { voteAtLevel, type VoteRefusalReason } from '../shared/approvals/levels/decide.js';
import { rosterOf, rosterPosition } from '../shared/approvals/levels/roster.js';
import { levelState, type LevelState } from '../shared/approvals/levels/state.js';
import { groupTitlesOf, isRouted, titleOf } from '../shared/approvals/policy-gate/level-stream.js';
import { recordLevelVote } from '../shared/approvals/policy-gate/record-level-vote.js';
import { alreadyDecided, decisionForm, decisionNotDelivered, decisionRecorded, executionEnded, problemPage, voteRecorded, type ApprovalView, type Page, type Problem } from './pages.js';
import { readDecisionForm, type DecisionForm } from './request.js';

/**
 * What the page needs: the event store, the sealer (to open the approvers and the task token),
 * the clock, the link signer, and the state machine whose executions it asks about.
 */
export interface PageDependencies extends DecisionDependencies {
  signer: LinkSigner;
  /**
   * The state machine of a workflow's executions (execution ARNs are derived from it), by the workflow
   * an approval names; undefined for a workflow this site does not serve.
   */
  stateMachineFor(workflow: string | undefined): string | undefined;
}

/**
 * A page, the approval it concerns once the link proved genuine, and the refusal it answered (for
 * the logs: the reason, and whether the rate limit let it on the record).
 */
export type Served = Page & { approvalId?: string; refusal?: { reason: RefusalReason; record?: RefusalRecord } };

/** Opening a link to show it (GET: records nothing, mail scanners fetch links) or to decide (POST: a refusal is an attempt on record). */
type Intent = 'show' | 'decide';

/** Step name in errors and logs of decisions made on the page. */
export const PAGE_STEP = 'approval-page';

/** An approval a genuine link names, with the approver the link was issued to. */
interface OpenedApproval {
  approvalId: string;
  /** The execution the approval belongs to, as its stream says. */
  executionId: string;
  /** The approver's position in the request's approvers (the link's claim); their address stays sealed until a decision needs it. */
  approverIndex: number;
  state: ApprovalState;
  /** The approval stream as read, chain verified: a decision appends at its version without reading it again. */
  events: readonly StoredEvent[];
  view: ApprovalView;
  /** The state machine whose execution the approval belongs to. */
  stateMachineArn: string;
  /** A policy gate's approval: the level the link was issued for, and the voter's group and place in it. */
  level?: { state: LevelState; voter: { level: number; group: string; approverIndex: number } };
}

/**
 * GET: what is being approved, with the two buttons, when the link is genuine, unexpired, the
 * approval still open and its execution still running; otherwise the page that says why not.
 * Changes nothing, not even a refusal on record, so mail scanners that fetch links are harmless.
 *
 * @example
 * const page = await showApproval(link, deps); // page.statusCode 200, page.outcome 'form'
 */
export async function showApproval(link: string | undefined, deps: PageDependencies): Promise<Served> {
  const found = await openApproval(link, deps, 'show');
  if (!found.ok) return found.page;
  const opened = found.approval;
  const closed = closedRefusal(opened, deps.now()) ?? levelRefusal(opened, deps.now());
  if (closed) return { ...closed.page, approvalId: opened.approvalId };
  const check = await checkExecution(opened.stateMachineArn, opened.executionId);
  if (check.state === 'unknown') return statusUnavailable(opened, check.errorName);
  if (check.state === 'ended') return { ...executionEnded(check.executionStatus), approvalId: opened.approvalId };
  return { ...decisionForm(opened.view), approvalId: opened.approvalId };
}

/**
 * POST: checks the link again, reads the form, asks Step Functions whether the execution still
 * runs, and records the decision of the approver the link names through recordApproverDecision,
 * the same path record-decision takes. A click on a closed approval decides nothing (409, the
 * refused attempt on record), except that the same approver repeating the same decision has it
 * delivered again: a click after a failed delivery still resumes the workflow.
 *
 * Every refused click is on record as ApprovalAttemptRefused with its reason (a forged or
 * altered link 403, an expired link 410, a position that is no approver's 403, a closed approval
 * 409, a deadline passed 410, an execution that ended 410), rate limited per approval
 * (functions/shared/approvals/refusal-limits.ts): the page answers the same whether or not the
 * limit let it on the record. When Step Functions cannot say, nothing is decided or recorded
 * (503, try again). A form that cannot be read is no attempt to decide and records nothing.
 *
 * @example
 * const page = await decideApproval(link, event, deps); // page.outcome 'approved'
 */
export async function decideApproval(link: string | undefined, event: APIGatewayProxyEventV2, deps: PageDependencies): Promise<Served> {
  const found = await openApproval(link, deps, 'decide');
  if (!found.ok) return found.page;
  const opened = found.approval;
  const reading = readDecisionForm(event);
  if (!reading.ok) return { ...problemPage(reading.problem), approvalId: opened.approvalId };
  const form = reading.form;
  const closed = opened.level === undefined ? closedRefusal(opened, deps.now()) : undefined;
  if (closed && !isRepeat(opened, form)) {
    const record = await refuseOnRecord(opened.approvalId, closed.reason, opened.approverIndex, deps, opened.events);
    return { ...closed.page, approvalId: opened.approvalId, refusal: { reason: closed.reason, record } };
  }
  // Asked before anything is written: a decision nothing can act on is not recorded at all.
  const check = await refuseUnlessRunning(opened, { store: deps.store, stateMachineArn: opened.stateMachineArn, now: deps.now }, PAGE_STEP);
  if (check.state === 'unknown') return statusUnavailable(opened, check.errorName);
  if (check.state === 'ended') return { ...executionEnded(check.executionStatus), approvalId: opened.approvalId, refusal: { reason: 'execution-not-running' } };
  const served = await record(opened, form, deps);
  return { ...served, approvalId: opened.approvalId };
}

/**
 * Verifies the link and finds its approval and approver, or the page that says why not. The
 * approver is checked by position against the request's approverCount: showing the page
 * opens nothing sealed (mail scanners fetch links), only recording a decision does. To decide,
 * a refused link is an attempt on record (forged-link, expired-link, wrong-approver).
 */
async function openApproval(link: string | undefined, deps: PageDependencies, intent: Intent): Promise<{ ok: true; approval: OpenedApproval } | { ok: false; page: Served }> {
  const check = await verifyApprovalLink(link, deps.signer, deps.now());
  if (!check.ok) return { ok: false, page: await refusedLink(link, check, deps, intent) };
  const { approvalId, approverIndex } = check.claims;
  const events = await readVerified(deps.store, approvalStream(approvalId));
  const state = approvalState(events);
  const executionId = state.executionId;
  if (state.status === 'none' || executionId === undefined) return { ok: false, page: { ...problemPage('unknown'), approvalId } };
  if (approverIndex >= state.approverCount) {
    // A genuine link naming a position the request does not have: the key signed it, so the position is a verified claim.
    const page: Served = { ...problemPage('wrong-approver'), approvalId };
    if (intent === 'show') return { ok: false, page };
    const record = await refuseOnRecord(approvalId, 'wrong-approver', approverIndex, deps, events);
    return { ok: false, page: { ...page, refusal: { reason: 'wrong-approver', record } } };
  }
  // Several workflows share the site: the approval says whose it is (streams from before the workflow was recorded say nothing).
  const stateMachineArn = deps.stateMachineFor(workflowOf(events));
  if (stateMachineArn === undefined) return { ok: false, page: { ...problemPage('unknown'), outcome: 'unknown:workflow-not-served', approvalId } };
  const view: ApprovalView = { approvalId, subject: approvalSubjectOf(events), expiresAt: state.expiresAt, approverCount: state.approverCount, now: deps.now() };
  const approval: OpenedApproval = { approvalId, executionId, approverIndex, state, events, stateMachineArn, view };
  if (!isRouted(events)) return { ok: true, approval };
  // A policy gate: the link names a level, and its place in the approval's list names a group and a place in it.
  const levels = levelState(events);
  const voter = check.claims.level === undefined ? undefined : rosterPosition(rosterOf(levels.route), approverIndex);
  if (voter === undefined) {
    const page: Served = { ...problemPage('wrong-approver'), approvalId };
    if (intent === 'show') return { ok: false, page };
    const record = await refuseOnRecord(approvalId, 'wrong-approver', undefined, deps, events);
    return { ok: false, page: { ...page, refusal: { reason: 'wrong-approver', record } } };
  }
  const level = { state: levels, voter: { level: check.claims.level!, ...voter } };
  return { ok: true, approval: { ...approval, level, view: { ...view, ...levelView(levels, level.voter, events) } } };
}

/** What the page says of a policy gate's level: who is asked, who has decided, what is still needed; the deadline is the level's. */
function levelView(
  state: LevelState,
  voter: { level: number; group: string; approverIndex: number },
  events: readonly StoredEvent[],
): { level: NonNullable<ApprovalView['level']>; expiresAt?: string } {
  const titles = groupTitlesOf(events);
  const levelGroup = state.route[voter.level]?.group;
  const routed = state.route[voter.level];
  const asked = levelAskedInWords({
    levelIndex: voter.level,
    levelCount: state.route.length,
    title: titleOf(titles, voter.group),
    quorum: voter.level === state.level && voter.group === state.group ? state.quorum : (routed?.quorum ?? 1),
    approverCount: voter.level === state.level && voter.group === state.group ? state.approverCount : (routed?.approverCount ?? 1),
    ...(levelGroup !== undefined && levelGroup !== voter.group ? { escalatedFrom: titleOf(titles, levelGroup) } : {}),
  });
  const progress = voter.level === state.level ? levelProgressInWords(state, voter, titles) : [];
  return { level: { asked, progress }, ...(voter.level === state.level && state.deadlineAt !== undefined ? { expiresAt: state.deadlineAt } : {}) };
}

/** The workflow an approval's ApprovalRequested names, or undefined when it names none (a stream from before workflows were recorded). */
function workflowOf(events: readonly StoredEvent[]): string | undefined {
  const workflow = events.find((event) => event.type === 'ApprovalRequested')?.data.workflow;
  return typeof workflow === 'string' ? workflow : undefined;
}

/**
 * The page for a link that did not verify, and, to decide, the refusal on record:
 * - malformed: no claim can be read, so no approval to record on; counted only;
 * - forged: the claims did not verify, so the approval id is whatever the sender wrote. It is
 *   recorded only on a stream that already holds a real approval request (never creating one),
 *   with no approver position (an unverified claim is not evidence of who clicked): an auditor
 *   sees that someone presented a forged link naming this approval, and a forger naming an
 *   invented id writes nothing anywhere. The rate limit keeps a forger from growing a real stream;
 * - expired: the MAC verified, so the approval and the position are the key's own claims.
 */
async function refusedLink(link: string | undefined, check: Exclude<LinkCheck, { ok: true }>, deps: PageDependencies, intent: Intent): Promise<Served> {
  if (check.problem === 'malformed') {
    if (intent === 'decide') countRefusal('forged-link');
    // Which part of a malformed link failed is a fixed word, safe and useful in the logs.
    return { ...problemPage('malformed'), outcome: `malformed:${check.reason}`, ...(intent === 'decide' ? { refusal: { reason: 'forged-link' as const } } : {}) };
  }
  if (check.problem === 'forged') {
    const page = problemPage('forged');
    if (intent === 'show') return page;
    const claimed = parseLink(link);
    if (!claimed.ok) {
      countRefusal('forged-link');
      return { ...page, refusal: { reason: 'forged-link' } };
    }
    const record = await refuseOnRecord(claimed.claims.approvalId, 'forged-link', undefined, deps);
    // The claimed id is logged only once it named a real approval: otherwise it is the sender's text.
    return { ...page, ...(record === 'no-approval' ? {} : { approvalId: claimed.claims.approvalId }), refusal: { reason: 'forged-link', record } };
  }
  const page = problemPage('expired');
  if (intent === 'show') return page;
  const record = await refuseOnRecord(check.claims.approvalId, 'expired-link', check.claims.approverIndex, deps);
  return { ...page, ...(record === 'no-approval' ? {} : { approvalId: check.claims.approvalId }), refusal: { reason: 'expired-link', record } };
}

/**
 * Records a refused attempt on the approval's own stream (read now unless the caller has it),
 * within the rate limit; an approval id naming no request is only counted.
 */
async function refuseOnRecord(
  approvalId: string,
  reason: RefusalReason,
  approverIndex: number | undefined,
  deps: PageDependencies,
  read?: readonly StoredEvent[],
): Promise<RefusalRecord> {
  const events = read ?? (await readVerified(deps.store, approvalStream(approvalId)));
  const executionId = approvalState(events).executionId;
  if (executionId === undefined) {
    countRefusal(reason);
    return 'no-approval';
  }
  return recordAttemptRefused(deps.store, events, { approvalId, executionId, reason, ...(approverIndex !== undefined ? { approverIndex } : {}) }, PAGE_STEP, deps.now());
}

/**
 * Why an approval can no longer be decided, with its page, or undefined while it is open: closed
 * (approved, rejected, or expired on record) is already-decided, an open one past its deadline is expired.
 */
function closedRefusal({ state }: OpenedApproval, now: Date): { reason: RefusalReason; page: Page } | undefined {
  if (state.status === 'approved' || state.status === 'rejected') return { reason: 'already-decided', page: alreadyDecided(state.status, state.decidedAt) };
  if (state.status !== 'pending') return { reason: 'already-decided', page: problemPage('approval-expired') };
  if (state.expiresAt !== undefined && now.getTime() >= Date.parse(state.expiresAt)) return { reason: 'expired', page: problemPage('approval-expired') };
  return undefined;
}

/** Step Functions could not say whether the execution runs: a page to try again, nothing decided. Which SDK error it was goes to the logs only. */
function statusUnavailable({ approvalId }: OpenedApproval, errorName: string): Served {
  return { ...problemPage('unavailable'), outcome: `unavailable:execution-status:${errorName}`, approvalId };
}

/** The approver this link names clicking the decision already on record. */
function isRepeat({ approverIndex, state }: OpenedApproval, form: DecisionForm): boolean {
  const previous = humanDecision(state);
  return previous !== undefined && previous.approverIndex === approverIndex && previous.decision === form.decision;
}

/**
 * For a policy gate's link, before anything is shown: why a vote by it would be refused (a level
 * already complete or not yet open, a deadline passed, a vote already on record), or undefined.
 * Opens nothing sealed, so it cannot see a person who voted at another level; the vote itself does.
 */
function levelRefusal({ level }: OpenedApproval, now: Date): { reason: RefusalReason; page: Page } | undefined {
  if (level === undefined) return undefined;
  const outcome = voteAtLevel(level.state, { ...level.voter, decision: 'approve' }, now);
  if (outcome.ok) return outcome.events.length === 0 ? { reason: 'duplicate-approver', page: problemPage('duplicate-approver') } : undefined;
  return { reason: outcome.reason, page: problemPage(LEVEL_REFUSAL_PAGES[outcome.reason]) };
}

/** The page for each refusal of a vote. */
const LEVEL_REFUSAL_PAGES: Record<VoteRefusalReason, Problem> = {
  'already-decided': 'already-decided',
  'duplicate-approver': 'duplicate-approver',
  'wrong-approver': 'wrong-approver',
  expired: 'approval-expired',
};

/** A vote on a policy gate's approval, through recordLevelVote (record-decision's path too). */
async function recordVote(opened: OpenedApproval, level: NonNullable<OpenedApproval['level']>, form: DecisionForm, deps: PageDependencies): Promise<Served> {
  const { approvalId, executionId, approverIndex, events, view } = opened;
  let recorded;
  try {
    recorded = await recordLevelVote(
      { approvalId, executionId, voter: { index: approverIndex, level: level.voter.level }, decision: form.decision, ...(form.comment !== undefined ? { comment: form.comment } : {}) },
      deps,
      PAGE_STEP,
      events,
    );
  } catch (error) {
    if (error instanceof WardflowError && error.name === 'ConcurrencyConflict') return problemPage('conflict');
    if (error instanceof WardflowError && error.name === 'StepFailed') return decisionNotDelivered(form.decision);
    throw error;
  }
  if (recorded.refused !== undefined) return { ...problemPage(LEVEL_REFUSAL_PAGES[recorded.refused]), refusal: { reason: recorded.refused } };
  const after = { ...view, ...levelView(levelState(recorded.events), recorded.voter, recorded.events) };
  // A repeat of a vote on record appends nothing (the gate is told again when that vote ended it).
  if (!recorded.appended) return recorded.status === 'voted' ? problemPage('duplicate-approver') : alreadyDecided(recorded.status, undefined);
  if (recorded.status === 'voted') return voteRecorded(form.decision, after);
  return decisionRecorded(form.decision, recorded.delivery ?? 'sent', after);
}

async function record(opened: OpenedApproval, form: DecisionForm, deps: PageDependencies): Promise<Served> {
  if (opened.level !== undefined) return recordVote(opened, opened.level, form, deps);
  const { approvalId, executionId, approverIndex, state, events, view } = opened;
  try {
    const recorded = await recordApproverDecision(
      { approvalId, executionId, approver: { index: approverIndex }, decision: form.decision, ...(form.comment !== undefined ? { comment: form.comment } : {}) },
      deps,
      PAGE_STEP,
      events,
    );
    if (!recorded.appended) return alreadyDecided(recorded.status, state.decidedAt);
    return decisionRecorded(form.decision, recorded.delivery, view);
  } catch (error) {
    const page = pageForRefusal(error, form);
    if (page) return page;
    throw error;
  }
}

/**
 * The page for what recordApproverDecision refuses with (it put the refusal on record first);
 * undefined for what only the error page may answer.
 */
function pageForRefusal(error: unknown, form: DecisionForm): Served | undefined {
  if (!(error instanceof WardflowError)) return undefined;
  switch (error.name) {
    case 'ApprovalClosed':
      return { ...problemPage('already-decided'), refusal: { reason: 'already-decided' } };
    case 'ApprovalExpired':
      return { ...problemPage('approval-expired'), refusal: { reason: 'expired' } };
    case 'ConcurrencyConflict':
      return problemPage('conflict');
    case 'ValidationFailed':
      // The link named a position decide() does not find among the approvers.
      return { ...problemPage('wrong-approver'), refusal: { reason: 'wrong-approver' } };
    case 'StepFailed':
      // Only delivery raises it, after the decision is on record.
      return decisionNotDelivered(form.decision);
    default:
      return undefined;
  }
}
