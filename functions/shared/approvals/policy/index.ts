/**
 * The approval policy language: rules as data that choose auto-approve, auto-reject or a route of
 * levels with quorums, deadlines, reminders and escalation (docs/approval-policies.md).
 *
 * Pure: no I/O, no clock. The gate's wiring (request-approval, the state machine, the page)
 * calls `checkPolicy` at synth and when it reads the policy, `evaluatePolicy` with the gate's
 * subject facts, and the describe functions for the words approvers read.
 */
export { checkPolicy, formatProblems, type PolicyCheck, type PolicyEnvironment, type PolicyProblem } from './check.js';
export { approvalsNeeded, describeDeadline, describeQuorum, describeRoute, describeStillNeeded } from './describe.js';
export { evaluatePolicy, type PolicyOutcome } from './evaluate.js';
export { ApprovalPolicy, type Comparison, type Condition, type Level, MAX_DEADLINE_HOURS, MIN_DEADLINE_HOURS, type Rule } from './schema.js';
export { CLASSIFICATION_LEVELS, FACT_TYPES, type FactType } from './values.js';
