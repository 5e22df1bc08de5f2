/**
 * The metrics wardflow emits (CloudWatch embedded metric format, through Powertools Metrics), as
 * names both sides share: the functions that emit them and the CDK constructs that alarm on them
 * and draw them. Imports nothing, so the CDK side loads no Powertools and a handler loads no CDK.
 *
 * Every metric carries the dimension `service` = METRICS_SERVICE (Powertools always adds it).
 * Dimension values are names the platform chose (workflow, step, error names, decisions) or the
 * origin of an input's source label; never input values, addresses or secrets.
 */

/** The `service` dimension Powertools puts on every metric. */
export const METRICS_SERVICE = 'wardflow';

/**
 * The namespace of an environment's metrics: one per environment rather than an `environment`
 * dimension, so two environments sharing an account can never mix in one alarm or graph, and
 * every metric keeps one dimension fewer (each combination of dimension values is a custom
 * metric that costs).
 *
 * @example
 * metricsNamespace('prod'); // 'wardflow/prod'
 */
export function metricsNamespace(environmentName: string): string {
  return `wardflow/${environmentName}`;
}

/** Metric names. */
export const METRIC = {
  /** Count, by workflow and step: every invocation of a step, whatever its outcome. */
  stepInvocations: 'StepInvocations',
  /** Count, by workflow and step, and by workflow, step and error (the name Step Functions sees). */
  stepFailures: 'StepFailures',
  /** Milliseconds, by workflow and step: from the first middleware to the last. */
  stepDuration: 'StepDuration',
  /** Count, by workflow and source (the input's source label origin, or "unknown"). */
  validationFailed: 'ValidationFailed',
  /** Count, by workflow and step: tokens the model read. */
  modelInputTokens: 'ModelInputTokens',
  /** Count, by workflow and step: tokens the model wrote. */
  modelOutputTokens: 'ModelOutputTokens',
  /** US dollars (unit None), by workflow and step, and (a record of its own) by workflow: the estimated cost of model calls. */
  modelCostUsd: 'ModelCostUsd',
  /** Count, by workflow: approvals a gate opened. */
  approvalsRequested: 'ApprovalsRequested',
  /** Count, by workflow and decision (approve, reject): decisions recorded. */
  approvalsDecided: 'ApprovalsDecided',
  /** Seconds, by workflow: from the request to the decision. */
  approvalWaitSeconds: 'ApprovalWaitSeconds',
  /** Percent, by workflow: how far the oldest waiting approval is into its time (its request to its expiry); 0 when none waits. */
  oldestApprovalWaitPercent: 'OldestApprovalWaitPercent',
  /** Count, by workflow and error: executions that ended FAILED, TIMED_OUT or ABORTED, by the error Step Functions gave. */
  executionsEndedBadly: 'ExecutionsEndedBadly',
  /** Count, by refusal reason: refused attempts to decide an approval, whether or not the rate limit let them on the record. */
  approvalAttemptsRefused: 'ApprovalAttemptsRefused',
} as const;

/** Dimension names. */
export const DIMENSION = {
  service: 'service',
  workflow: 'workflow',
  step: 'step',
  error: 'error',
  source: 'source',
  decision: 'decision',
  reason: 'reason',
} as const;

/** The source dimension when the input names none, or names one that is not a valid label. */
export const UNKNOWN_SOURCE = 'unknown';
