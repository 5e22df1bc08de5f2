import { ConfigurationInvalid, ConcurrencyConflict, TamperDetected } from '../../errors.js';
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
 * - A route is recorded in one append: ApprovalRequested (token and the roster of every group the
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

  const checked = checkPolicy(request.policy, { groupMembers: request.groups });
  if (!checked.ok) {
    throw new ConfigurationInvalid(`the approval policy of workflow ${request.workflow} is refused:\n${formatProblems(checked.problems)}`);
  }
  const policy = checked.policy;
  const outcome = evaluatePolicy(policy, request.facts);
  if (outcome.kind !== 'route') {
    const decision = outcome.kind === 'auto' ? outcome.decision : 'reject';
    const rule = outcome.kind === 'auto' ? outcome.rule : NO_RULE_MATCHED;
    const decided = await appendOpening(deps, stream, [
      { type: 'ApprovalAutoDecided', actor: `policy:${rule}`, data: { approvalId: request.approvalId, executionId: request.executionId, decision, rule } },
    ]);
    if (decided === 'taken') return resumePolicyApproval(request, await readVerified(deps.store, stream), notification, deps);
    return { kind: 'auto', decision, rule, delivery: await deliverPolicyDecision(request.taskToken, request.approvalId, decision, rule, deps.step) };
  }

  const sizes = groupSizes(request.groups);
  const routing = startRoute(outcome, sizes, deps.now(), { approvalId: request.approvalId, executionId: request.executionId });
  if (!routing.ok) throw new ConfigurationInvalid(`the approval policy of workflow ${request.workflow} cannot route: ${routing.problem}`);
  const [routed, ...started] = routing.events;
  if (routed?.type !== 'ApprovalRouted') throw new ConfigurationInvalid('startRoute did not begin with ApprovalRouted');
  const roster = rosterOf(routed.data.levels);
  const approvers = roster.flatMap((entry) => [...(request.groups[entry.group] ?? [])]);
  const titles = titlesOf(policy, roster.map((entry) => entry.group));
  const opened = await appendOpening(deps, stream, [
    {
      type: 'ApprovalRequested',
      actor: ACTOR(deps.step),
      data: {
        approvalId: request.approvalId,
        executionId: request.executionId,
        workflow: request.workflow,
        approverCount: approvers.length,
        expiresAt: request.expiresAt,
        subject: request.subject,
      },
      sensitive: { taskToken: request.taskToken, approvers },
    },
    toNewEvent({ ...routed, data: { ...routed.data, groupTitles: titles } }),
    ...started.map((event) => toNewEvent(event)),
  ]);
  if (opened === 'taken') return resumePolicyApproval(request, await readVerified(deps.store, stream), notification, deps);
  await scheduleNext(opened, request, deps);
  const announced = await announceCurrentLevel(opened, notification, deps, ACTOR(deps.step));
  return { kind: 'routed', rule: routed.data.rule, recipients: announced.recipients };
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
  events: StoredEvent[],
  notification: LevelNotification,
  deps: PolicyGateDependencies,
): Promise<PolicyGateOutcome> {
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
  if (!isRouted(events)) throw new TamperDetected(approvalStream(request.approvalId), state.version, 'a policy gate approval without its route');
  const levels = levelState(events);
  const ended = finalDeliver(levels);
  if (ended === undefined) {
    const closed = closedApproval(state, request.approvalId);
    if (closed) throw closed;
  }
  const replaced = await deps.store.append(approvalStream(request.approvalId), state.version, [
    { type: 'ApprovalTokenReplaced', actor: ACTOR(deps.step), data: { approvalId: request.approvalId, executionId: request.executionId, expiresAt: request.expiresAt }, sensitive: { taskToken: request.taskToken } },
  ]);
  const after = [...events, ...replaced];
  if (ended !== undefined) return { kind: 'resumed', delivery: await deliverEnded(request.approvalId, after, deps), recipients: 0 };
  await scheduleNext(after, request, deps);
  const announced = await announceCurrentLevel(after, notification, deps, ACTOR(deps.step));
  return { kind: 'resumed', recipients: announced.recipients };
}

/** The policy's titles of the groups the route may ask. */
function titlesOf(policy: ApprovalPolicy, groups: readonly string[]): Record<string, GroupTitle> {
  return Object.fromEntries(groups.flatMap((group) => (Object.hasOwn(policy.groups, group) ? [[group, { ...policy.groups[group]!.approverTitle }]] : [])));
}
