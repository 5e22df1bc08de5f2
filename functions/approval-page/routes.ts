import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { verifyApprovalLink } from '../shared/approvals/approval-link.js';
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
import { alreadyDecided, decisionForm, decisionNotDelivered, decisionRecorded, executionEnded, problemPage, type ApprovalView, type Page } from './pages.js';
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

/** A page, and the approval it concerns once the link proved genuine (for the logs). */
export type Served = Page & { approvalId?: string };

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
  const found = await openApproval(link, deps);
  if (!found.ok) return found.page;
  const opened = found.approval;
  const closed = closedPage(opened, deps.now());
  if (closed) return closed;
  const check = await checkExecution(opened.stateMachineArn, opened.executionId);
  if (check.state === 'unknown') return statusUnavailable(opened, check.errorName);
  if (check.state === 'ended') return { ...executionEnded(check.executionStatus), approvalId: opened.approvalId };
  return { ...decisionForm(opened.view), approvalId: opened.approvalId };
}

/**
 * POST: checks the link again, reads the form, asks Step Functions whether the execution still
 * runs, and records the decision of the approver the link names through recordApproverDecision,
 * the same path record-decision takes. A click on a closed approval changes nothing (409),
 * except that the same approver repeating the same decision has it delivered again: a click
 * after a failed delivery still resumes the workflow.
 *
 * A click on an approval whose execution ended decides nothing (410) and is recorded as
 * ApprovalAttemptRefused, once per approval however often it is clicked; when Step Functions
 * cannot say, nothing is decided or recorded (503, try again).
 *
 * @example
 * const page = await decideApproval(link, event, deps); // page.outcome 'approved'
 */
export async function decideApproval(link: string | undefined, event: APIGatewayProxyEventV2, deps: PageDependencies): Promise<Served> {
  const found = await openApproval(link, deps);
  if (!found.ok) return found.page;
  const opened = found.approval;
  const reading = readDecisionForm(event);
  if (!reading.ok) return { ...problemPage(reading.problem), approvalId: opened.approvalId };
  const form = reading.form;
  const closed = closedPage(opened, deps.now());
  if (closed && !isRepeat(opened, form)) return closed;
  // Asked before anything is written: a decision nothing can act on is not recorded at all.
  const check = await refuseUnlessRunning(opened, { store: deps.store, stateMachineArn: opened.stateMachineArn }, PAGE_STEP);
  if (check.state === 'unknown') return statusUnavailable(opened, check.errorName);
  if (check.state === 'ended') return { ...executionEnded(check.executionStatus), approvalId: opened.approvalId };
  const served = await record(opened, form, deps);
  return { ...served, approvalId: opened.approvalId };
}

/**
 * Verifies the link and finds its approval and approver, or the page that says why not. The
 * approver is checked by position against the request's approverCount: showing the page
 * opens nothing sealed (mail scanners fetch links), only recording a decision does.
 */
async function openApproval(link: string | undefined, deps: PageDependencies): Promise<{ ok: true; approval: OpenedApproval } | { ok: false; page: Served }> {
  const check = await verifyApprovalLink(link, deps.signer, deps.now());
  if (!check.ok) {
    const page = problemPage(check.problem);
    // Which part of a malformed link failed is a fixed word, safe and useful in the logs.
    return { ok: false, page: check.problem === 'malformed' ? { ...page, outcome: `malformed:${check.reason}` } : page };
  }
  const { approvalId, approverIndex } = check.claims;
  const events = await readVerified(deps.store, approvalStream(approvalId));
  const state = approvalState(events);
  const executionId = state.executionId;
  if (state.status === 'none' || executionId === undefined || approverIndex >= state.approverCount) return { ok: false, page: { ...problemPage('unknown'), approvalId } };
  // Several workflows share the site: the approval says whose it is (streams from before the workflow was recorded say nothing).
  const stateMachineArn = deps.stateMachineFor(workflowOf(events));
  if (stateMachineArn === undefined) return { ok: false, page: { ...problemPage('unknown'), outcome: 'unknown:workflow-not-served', approvalId } };
  return {
    ok: true,
    approval: { approvalId, executionId, approverIndex, state, events, stateMachineArn, view: { approvalId, subject: approvalSubjectOf(events), expiresAt: state.expiresAt } },
  };
}

/** The workflow an approval's ApprovalRequested names, or undefined when it names none (a stream from before workflows were recorded). */
function workflowOf(events: readonly StoredEvent[]): string | undefined {
  const workflow = events.find((event) => event.type === 'ApprovalRequested')?.data.workflow;
  return typeof workflow === 'string' ? workflow : undefined;
}

/** The page for an approval that can no longer be decided, or undefined while it is open. */
function closedPage({ approvalId, state }: OpenedApproval, now: Date): Served | undefined {
  if (state.status === 'approved' || state.status === 'rejected') return { ...alreadyDecided(state.status, state.decidedAt), approvalId };
  if (state.status !== 'pending') return { ...problemPage('expired'), approvalId };
  if (state.expiresAt !== undefined && now.getTime() >= Date.parse(state.expiresAt)) return { ...problemPage('expired'), approvalId };
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

async function record(opened: OpenedApproval, form: DecisionForm, deps: PageDependencies): Promise<Page> {
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

/** The page for what recordApproverDecision refuses with; undefined for what only the error page may answer. */
function pageForRefusal(error: unknown, form: DecisionForm): Page | undefined {
  if (!(error instanceof WardflowError)) return undefined;
  switch (error.name) {
    case 'ApprovalClosed':
      return problemPage('already-decided');
    case 'ApprovalExpired':
      return problemPage('expired');
    case 'ConcurrencyConflict':
      return problemPage('conflict');
    case 'ValidationFailed':
      // The link named an approval or approver decide() does not accept: as if unknown.
      return problemPage('unknown');
    case 'StepFailed':
      // Only delivery raises it, after the decision is on record.
      return decisionNotDelivered(form.decision);
    default:
      return undefined;
  }
}
