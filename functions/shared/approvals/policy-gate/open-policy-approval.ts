import { ConcurrencyConflict, ConfigurationInvalid, TamperDetected } from '../../errors.js';
import { approvalStream, type NewEvent, type StoredEvent } from '../../events/event.js';
import { approvalState } from '../../events/fold.js';
import { readVerified } from '../../events/read-verified.js';
import type { ApprovalSubject } from '../approval-subject.js';
import { closedApproval, foreignApproval } from '../guard.js';
import { deliverPolicyDecision, type Delivery } from '../deliver-decision.js';
import { finalDeliver } from '../levels/decide.js';
import type { GroupTitle } from '../levels/events.js';
import { rosterOf } from '../levels/roster.js';
import { startRoute } from '../levels/route.js';
import { levelState } from '../levels/state.js';
import { checkPolicy, evaluatePolicy, formatProblems } from '../policy/index.js';
import type { ApprovalPolicy } from '../policy/schema.js';
import { announceCurrentLevel, type LevelAnnouncementDependencies, type LevelNotification } from './announce-level.js';
import { groupSizes } from './approver-groups.js';
import { deliverEnded, scheduleNext } from './level-outcome.js';
import { appendEach } from './append-each.js';
import { isRouted, toNewEvent } from './level-stream.js';

/** A policy gate's task, as request-approval receives it: the policy and the facts come from the state machine. */
export interface PolicyGateRequest {
  approvalId: string;
  executionId: string;
  taskToken: string;
  subject: ApprovalSubject;
  /** The policy as the state machine carries it (checked here again, as at synth). */
  policy: unknown;
  /** The subject's facts the policy reads, as the gate's JsonPaths found them in the state. */
  facts: Record<string, unknown>;
  workflow: string;
  /** Each group's members in this environment (APPROVER_GROUPS). */
  groups: Readonly<Record<string, readonly string[]>>;
  /** When the gate itself stops waiting (its task timeout less the margin), the approval's outer expiry. */
  expiresAt: string;
}

/** What the gate did: decided by the policy, routed to its first level, or (a retried gate) carried on with what is on record. */
export type PolicyGateOutcome =
  | { kind: 'auto'; decision: 'approve' | 'reject'; rule: string; delivery: Delivery }
  | { kind: 'routed'; rule: string; recipients: number }
  | { kind: 'resumed'; delivery?: Delivery; recipients: number };

export interface PolicyGateDependencies extends LevelAnnouncementDependencies {
  step: string;
}

const ACTOR = (step: string) => `step:${step}`;

/**
 * A policy gate opening (or a retried one going on). First time: the policy, checked against
 * the environment's groups, decides on the facts.
 * - An auto-decision is recorded as ApprovalAutoDecided naming the rule (actor `policy:<rule>`,
 *   which opens and closes the approval stream) and answers the task's own token at once.
 * - A route is recorded one event at a time (the local store has no transactions; a retried gate
 *   finishes what a crash cut short): ApprovalRequested (token and the roster of every group the
 *   route may ask sealed; the clear part says how many), ApprovalRouted (which rule, the levels
 *   with their quorums, the groups' titles) and the first ApprovalLevelStarted. Then the first
 *   timer is scheduled and the first level's group emailed (ApprovalNotified on both streams).
 * - No rule matching (facts missing: a checked policy ends with `always`) fails closed: recorded as
 *   a rejection by `no-rule-matched`, never an approval and never "ask someone".
 *
 * A retried gate (new token) finds the approval on record: an auto-decision is delivered again with
 * the new token; a route gets ApprovalTokenReplaced, and is then delivered its outcome if it ended,
 * else its timer scheduled and its current level announced if nobody was told yet.
 */
export async function openPolicyApproval(request: PolicyGateRequest, notification: LevelNotification, deps: PolicyGateDependencies): Promise<PolicyGateOutcome> {
  const stream = approvalStream(request.approvalId);
  const events = await readVerified(deps.store, stream);
  if (events.length > 0) return resumePolicyApproval(request, events, notification, deps);

  const decided = decidePolicy(request, deps.now());
  if (decided.kind === 'auto') {
    const { decision, rule } = decided;
    const opened = await appendOpening(deps, stream, [
      { type: 'ApprovalAutoDecided', actor: `policy:${rule}`, data: { approvalId: request.approvalId, executionId: request.executionId, decision, rule } },
    ]);
    if (opened === 'taken') return resumePolicyApproval(request, await readVerified(deps.store, stream), notification, deps);
    return { kind: 'auto', decision, rule, delivery: await deliverPolicyDecision(request.taskToken, request.approvalId, decision, rule, deps.step) };
  }
  // The request first, alone (the local store has no transactions): its route follows, one event at a time.
  const opened = await appendOpening(deps, stream, [
    {
      type: 'ApprovalRequested',
      actor: ACTOR(deps.step),
      data: {
        approvalId: request.approvalId,
        executionId: request.executionId,
        workflow: request.workflow,
        approverCount: decided.approvers.length,
        expiresAt: request.expiresAt,
        subject: request.subject,
      },
      sensitive: { taskToken: request.taskToken, approvers: decided.approvers },
    },
  ]);
  if (opened === 'taken') return resumePolicyApproval(request, await readVerified(deps.store, stream), notification, deps);
  const routed = await completeRouting(request, opened, deps);
  await scheduleNext(routed, request, deps);
  const announced = await announceCurrentLevel(routed, notification, deps, ACTOR(deps.step));
  return { kind: 'routed', rule: decided.rule, recipients: announced.recipients };
}

/** What the policy decides for the request: an auto-decision, or a route with the roster sealed in the request and the events that open it. */
type PolicyDecision =
  | { kind: 'auto'; decision: 'approve' | 'reject'; rule: string }
  | { kind: 'route'; rule: string; approvers: string[]; events: NewEvent[] };

/** Checks the policy against the groups (refused: ConfigurationInvalid with every problem) and evaluates it on the facts. */
function decidePolicy(request: PolicyGateRequest, now: Date): PolicyDecision {
  const checked = checkPolicy(request.policy, { groupMembers: request.groups });
  if (!checked.ok) {
    throw new ConfigurationInvalid(`the approval policy of workflow ${request.workflow} is refused:\n${formatProblems(checked.problems)}`);
  }
  const policy = checked.policy;
  const outcome = evaluatePolicy(policy, request.facts);
  if (outcome.kind === 'auto') return { kind: 'auto', decision: outcome.decision, rule: outcome.rule };
  // A checked policy ends with an `always` rule; a fact of the wrong type can still leave nothing matched: fail closed.
  if (outcome.kind === 'no-match') return { kind: 'auto', decision: 'reject', rule: NO_RULE_MATCHED };
  const routing = startRoute(outcome, groupSizes(request.groups), now, { approvalId: request.approvalId, executionId: request.executionId });
  if (!routing.ok) throw new ConfigurationInvalid(`the approval policy of workflow ${request.workflow} cannot route: ${routing.problem}`);
  const [routed, ...started] = routing.events;
  if (routed?.type !== 'ApprovalRouted') throw new ConfigurationInvalid('startRoute did not begin with ApprovalRouted');
  const roster = rosterOf(routed.data.levels);
  const approvers = roster.flatMap((entry) => [...(request.groups[entry.group] ?? [])]);
  const titles = titlesOf(policy, roster.map((entry) => entry.group));
  return { kind: 'route', rule: outcome.rule, approvers, events: [toNewEvent({ ...routed, data: { ...routed.data, groupTitles: titles } }), ...started.map((event) => toNewEvent(event))] };
}

/**
 * Appends what the request's route still lacks (ApprovalRouted, then the first level's start), one
 * event at a time: the gate, or its retry after a crash in between, finishes the opening.
 */
async function completeRouting(request: PolicyGateRequest, events: StoredEvent[], deps: PolicyGateDependencies): Promise<StoredEvent[]> {
  let current = events;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const routed = isRouted(current);
    const state = levelState(current);
    if (routed && state.status !== 'routing') return current;
    const decided = decidePolicy(request, deps.now());
    if (decided.kind !== 'route') throw new TamperDetected(approvalStream(request.approvalId), state.version, 'the request was routed by a policy that now decides it without anyone');
    const missing = routed ? decided.events.filter((event) => event.type === 'ApprovalLevelStarted') : decided.events;
    const { appended, complete } = await appendEach(deps.store, approvalStream(request.approvalId), state.version, missing);
    current = complete ? [...current, ...appended] : await readVerified(deps.store, approvalStream(request.approvalId));
  }
  return current;
}

/** The rule name an auto-rejection records when no rule of the policy matched the facts. */
export const NO_RULE_MATCHED = 'no-rule-matched';

/** Appends the approval's first events at version 0, or says another attempt of the gate did first. */
async function appendOpening(deps: PolicyGateDependencies, stream: string, events: NewEvent[]): Promise<StoredEvent[] | 'taken'> {
  try {
    return await deps.store.append(stream, 0, events);
  } catch (error) {
    if (error instanceof ConcurrencyConflict) return 'taken';
    throw error;
  }
}

async function resumePolicyApproval(
  request: PolicyGateRequest,
  read: StoredEvent[],
  notification: LevelNotification,
  deps: PolicyGateDependencies,
): Promise<PolicyGateOutcome> {
  let events = read;
  const state = approvalState(events);
  const source = `${deps.step} input`;
  const foreign = foreignApproval(state, request.executionId, source);
  if (foreign) throw foreign;
  const auto = events[0]?.type === 'ApprovalAutoDecided' ? events[0] : undefined;
  if (auto !== undefined) {
    const decision = auto.data.decision === 'approve' ? 'approve' : 'reject';
    const rule = typeof auto.data.rule === 'string' ? auto.data.rule : NO_RULE_MATCHED;
    return { kind: 'auto', decision, rule, delivery: await deliverPolicyDecision(request.taskToken, request.approvalId, decision, rule, deps.step) };
  }
  if (!events.some((event) => event.type === 'ApprovalRequested')) throw new TamperDetected(approvalStream(request.approvalId), state.version, 'a policy gate approval without its request');
  events = await completeRouting(request, events, deps);
  const ended = finalDeliver(levelState(events));
  if (ended === undefined) {
    const closed = closedApproval(approvalState(events), request.approvalId);
    if (closed) throw closed;
  }
  const replaced = await replaceToken(request, events, deps);
  const after = replaced.events;
  // Judged again on the stream with the new token: a vote or a timer that ended the approval while
  // the token was replaced may have told the old token (gone by now); the outcome goes to the new one.
  if (finalDeliver(levelState(after)) !== undefined) return { kind: 'resumed', delivery: await deliverEnded(request.approvalId, after, deps), recipients: 0 };
  await scheduleNext(after, request, deps);
  const announced = await announceCurrentLevel(after, notification, deps, ACTOR(deps.step));
  return { kind: 'resumed', recipients: announced.recipients };
}

/** Records the retried gate's new token (ApprovalTokenReplaced) at the head, reading again while votes land in between. */
async function replaceToken(request: PolicyGateRequest, read: StoredEvent[], deps: PolicyGateDependencies): Promise<{ events: StoredEvent[] }> {
  const stream = approvalStream(request.approvalId);
  let events = read;
  for (let attempt = 1; ; attempt++) {
    const event: NewEvent = {
      type: 'ApprovalTokenReplaced',
      actor: ACTOR(deps.step),
      data: { approvalId: request.approvalId, executionId: request.executionId, expiresAt: request.expiresAt },
      sensitive: { taskToken: request.taskToken },
    };
    const { appended, complete } = await appendEach(deps.store, stream, approvalState(events).version, [event]);
    if (complete) return { events: [...events, ...appended] };
    if (attempt >= 25) throw new ConcurrencyConflict(stream, approvalState(events).version);
    events = await readVerified(deps.store, stream);
  }
}

/** The policy's titles of the groups the route may ask. */
function titlesOf(policy: ApprovalPolicy, groups: readonly string[]): Record<string, GroupTitle> {
  return Object.fromEntries(groups.flatMap((group) => (Object.hasOwn(policy.groups, group) ? [[group, { ...policy.groups[group]!.approverTitle }]] : [])));
}
