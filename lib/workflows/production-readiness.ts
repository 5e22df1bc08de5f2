import { Stack } from 'aws-cdk-lib';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import type { EnvironmentTier } from '../config/environments.js';
import type { AnyWorkflow, StepDeclaration } from './workflow-definition.js';

/**
 * What a prod environment demands of every workflow before it synthesizes it (issue 15, "stages that
 * cannot be confused"): someone answers for it, someone looked at it recently, and nothing moves
 * money or data out of the platform before a decision was recorded.
 *
 * 1. `owner` is set (an e-mail address; defineWorkflow checks its form).
 * 2. `reviewDate` is set, not in the past and at most REVIEW_WINDOW_DAYS days after today. "Today" is
 *    the UTC date of the synth, or the context key `wardflow:today` (YYYY-MM-DD) when given: tests pin
 *    it, so they do not depend on the real date, while `cdk synth` uses the real one and a workflow
 *    whose review lapsed stops deploying to prod until someone reviews it and moves the date.
 * 3. Every step with `egress` ('money' or 'data') is gated, judged on the rendered ASL definition (the
 *    states graph the state machine really runs, platform states included), not on the declaration:
 *    - Cut the approving exit (`Next`) of every gate state of the workflow. A gate's `Catch` exits
 *      stay: they are taken on a rejection or a timeout, so a path through them carries no approval.
 *    - Walk from `StartAt` along every `Next`, `Default`, `Choices[].Next` and `Catch[].Next` (and into
 *      Parallel/Map branches). If no state invoking the egress step is reached, the step is gated: every
 *      way to it passes a gate's approving exit.
 *    - Otherwise it is allowed only when BOTH hold: the step declares `read: ['approval']` (its handler
 *      acts only on a decision recorded in the approval stream, a human's ApprovalDecided or a policy's
 *      ApprovalAutoDecided, as invoice-approval's pay-invoice does after the auto-approve branch), AND
 *      some gate's approving exit leads to the step on some path from `StartAt` (a human can be asked:
 *      the policy decides only what it may, a gate takes the rest).
 *    Anything else is refused, naming the ungated path so the fix (a `flow.gate` before the step) is
 *    obvious.
 *
 * Errors are ConfigurationInvalid naming the workflow, the field and the fix; a dev environment checks
 * nothing of this (it refuses real data instead: functions/shared/input-classification.ts).
 */

/** Context key pinning "today" for the review-date check (YYYY-MM-DD); unset, the synth's UTC date. */
export const TODAY_CONTEXT_KEY = 'wardflow:today';
/** A prod workflow's review date is at most this many days away. */
export const REVIEW_WINDOW_DAYS = 90;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** One state of a rendered ASL definition, with the fields that make edges. */
export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly Choices?: ReadonlyArray<{ readonly Next?: string }>;
  readonly Catch?: ReadonlyArray<{ readonly Next?: string }>;
  readonly Branches?: readonly AslGraph[];
  readonly Iterator?: AslGraph;
  readonly ItemProcessor?: AslGraph;
}
/** A rendered ASL definition (or a Parallel/Map branch). */
export interface AslGraph {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

/** Where the workflow's steps and gates are in its states graph (WorkflowDeployment records them as it builds it). */
export interface WorkflowStates {
  /** State ids of the workflow's gates. */
  readonly gates: ReadonlySet<string>;
  /** State ids invoking each step, by step key. */
  readonly steps: ReadonlyMap<string, readonly string[]>;
}

/**
 * "Today" as the review-date check sees it: the `wardflow:today` context (YYYY-MM-DD), or the UTC date.
 *
 * @example
 * todayOf(app); // '2026-12-03'
 */
export function todayOf(scope: Construct, now: () => Date = () => new Date()): string {
  const pinned: unknown = scope.node.tryGetContext(TODAY_CONTEXT_KEY);
  if (pinned === undefined) return now().toISOString().slice(0, 10);
  if (typeof pinned !== 'string' || dayNumber(pinned) === undefined) {
    throw new ConfigurationInvalid(`context "${TODAY_CONTEXT_KEY}" must be a date YYYY-MM-DD (or be left out to use today's date)`);
  }
  return pinned;
}

/**
 * The state machine's definition as it will be deployed, with every CloudFormation reference (function
 * ARNs, the partition) replaced by a placeholder: the graph is all the check reads.
 */
export function renderedDefinition(stateMachine: sfn.StateMachine): AslGraph {
  const cfn = stateMachine.node.defaultChild as sfn.CfnStateMachine;
  const resolved: unknown = Stack.of(stateMachine).resolve(cfn.definitionString);
  const join = (resolved as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  const text = typeof resolved === 'string' ? resolved : join === undefined ? undefined : join[1].map((part) => (typeof part === 'string' ? part : 'reference')).join(join[0]);
  if (text === undefined) throw new ConfigurationInvalid(`state machine ${stateMachine.node.path} has no definition the platform can read`);
  return JSON.parse(text) as AslGraph;
}

/**
 * Refuses, in a prod environment, a workflow without an owner, without a review date within
 * REVIEW_WINDOW_DAYS of `today`, or with an egress step not preceded by an approval gate (the rule is in
 * this file's header). Does nothing in any other tier.
 *
 * @example
 * checkProductionReadiness({ workflow, tier: 'prod', environmentName: 'prod', today: '2026-12-03', definition, states });
 */
export function checkProductionReadiness(args: {
  readonly workflow: AnyWorkflow;
  readonly tier: EnvironmentTier;
  readonly environmentName: string;
  readonly today: string;
  readonly definition: AslGraph;
  readonly states: WorkflowStates;
}): void {
  const { workflow, tier, environmentName, today, definition, states } = args;
  if (tier !== 'prod') return;
  const problems: string[] = [];
  if (workflow.owner === undefined) problems.push("owner is missing: add owner: '<the e-mail address of the team that answers for it>' to its defineWorkflow");
  const todayNumber = dayNumber(today);
  if (todayNumber === undefined) throw new ConfigurationInvalid(`today must be a date YYYY-MM-DD (context "${TODAY_CONTEXT_KEY}")`);
  if (workflow.reviewDate === undefined) {
    problems.push(`reviewDate is missing: review the workflow and set reviewDate: 'YYYY-MM-DD', at most ${REVIEW_WINDOW_DAYS} days after ${today}`);
  } else {
    const review = dayNumber(workflow.reviewDate);
    if (review === undefined || review < todayNumber) {
      problems.push(`reviewDate ${workflow.reviewDate} has passed (today is ${today}): review the workflow, then set the next reviewDate, at most ${REVIEW_WINDOW_DAYS} days away`);
    } else if (review - todayNumber > REVIEW_WINDOW_DAYS) {
      problems.push(`reviewDate ${workflow.reviewDate} is more than ${REVIEW_WINDOW_DAYS} days after ${today}: set a review date within ${REVIEW_WINDOW_DAYS} days`);
    }
  }
  problems.push(...ungatedEgress(workflow, definition, states));
  if (problems.length > 0) {
    throw new ConfigurationInvalid(`workflow ${workflow.name} cannot deploy to ${environmentName} (tier prod): ${problems.join('; ')}`);
  }
}

/** The problems of the workflow's egress steps that are not behind a gate (see the header). */
export function ungatedEgress(workflow: AnyWorkflow, definition: AslGraph, states: WorkflowStates): string[] {
  const graph = flatten(definition);
  const problems: string[] = [];
  for (const [key, step] of Object.entries(workflow.steps) as [string, StepDeclaration<unknown>][]) {
    if (step.egress === undefined) continue;
    const targets = new Set(states.steps.get(key) ?? []);
    // Reached without any gate's approving exit: the parent links give the path to name in the error.
    const withoutApproval = walk(graph, definition.StartAt, (state) => (states.gates.has(state) ? exits(graph[state], false) : exits(graph[state], true)));
    const reached = [...targets].find((target) => withoutApproval.has(target));
    if (reached === undefined) continue;
    const readsDecisions = (step.read ?? []).includes('approval');
    const everything = walk(graph, definition.StartAt, (state) => exits(graph[state], true));
    const gateBefore = [...states.gates].some((gate) => {
      if (!everything.has(gate)) return false;
      const afterApproval = walkFrom(graph, graph[gate]?.Next, (state) => exits(graph[state], true));
      return [...targets].some((target) => afterApproval.has(target));
    });
    const path = pathTo(withoutApproval, reached).join(' -> ');
    if (readsDecisions && gateBefore) continue;
    const why = readsDecisions
      ? 'and no approval gate leads to it on any path'
      : "and it does not read the approval stream (read: ['approval']) to act only on a recorded decision";
    problems.push(
      `steps.${key} (egress: '${step.egress}') is reached without an approval (${path}) ${why}: put a flow.gate before state ${reached}` +
        (readsDecisions ? '' : ", or, where a policy may decide instead of a human, record its decision (ApprovalAutoDecided), declare read: ['approval'] and keep a gate on the other path"),
    );
  }
  return problems;
}

/** Every state of the definition and of its Parallel/Map branches, by id; a Parallel or Map state leads into its branches. */
function flatten(definition: AslGraph): Record<string, AslState & { readonly branchStarts?: readonly string[] }> {
  const all: Record<string, AslState & { branchStarts?: string[] }> = {};
  const add = (graph: AslGraph) => {
    for (const [id, state] of Object.entries(graph.States)) {
      const branches = [...(state.Branches ?? []), ...(state.Iterator === undefined ? [] : [state.Iterator]), ...(state.ItemProcessor === undefined ? [] : [state.ItemProcessor])];
      all[id] = { ...state, branchStarts: branches.map((b) => b.StartAt) };
      branches.forEach(add);
    }
  };
  add(definition);
  return all;
}

/** A state's exits: its Next (when `approving`, i.e. not a gate), Default, Choices, Catch, and its branches. */
function exits(state: (AslState & { readonly branchStarts?: readonly string[] }) | undefined, approving: boolean): string[] {
  if (state === undefined) return [];
  return [
    ...(approving && state.Next !== undefined ? [state.Next] : []),
    ...(state.Default === undefined ? [] : [state.Default]),
    ...(state.Choices ?? []).flatMap((choice) => (choice.Next === undefined ? [] : [choice.Next])),
    ...(state.Catch ?? []).flatMap((c) => (c.Next === undefined ? [] : [c.Next])),
    ...(state.branchStarts ?? []),
  ];
}

/** Breadth-first from `start`: each reached state with the state it was reached from. */
function walk(graph: Record<string, AslState>, start: string, next: (state: string) => string[]): Map<string, string | undefined> {
  const parents = new Map<string, string | undefined>([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const state = queue.shift()!;
    for (const to of next(state)) {
      if (parents.has(to) || graph[to] === undefined) continue;
      parents.set(to, state);
      queue.push(to);
    }
  }
  return parents;
}

const walkFrom = (graph: Record<string, AslState>, start: string | undefined, next: (state: string) => string[]) =>
  start === undefined ? new Map<string, string | undefined>() : walk(graph, start, next);

function pathTo(parents: Map<string, string | undefined>, state: string): string[] {
  const path: string[] = [];
  for (let at: string | undefined = state; at !== undefined; at = parents.get(at)) path.unshift(at);
  return path;
}

/** Days since the epoch of a real calendar date YYYY-MM-DD, or undefined (2026-02-30 is not one). */
function dayNumber(date: string): number | undefined {
  if (!ISO_DATE.test(date)) return undefined;
  const ms = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) return undefined;
  return ms / DAY_MS;
}
