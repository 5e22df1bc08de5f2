import type { AnyWorkflow } from '../workflows/workflow-definition.js';

/**
 * Every alarm wardflow raises, as data: what it watches, what it means and the first thing on-call
 * does. One list serves three readers, so they cannot drift apart: the CDK constructs build one
 * CloudWatch alarm per entry (its description is the runbook line), `wardflow docs` lists a
 * workflow's alarms, and docs/operations.md explains them.
 */

/** One alarm as on-call reads it. */
export interface AlarmSpec {
  /** Stable key, unique within its scope (the workflow or the environment): the alarm is `wardflow-<env>[-<workflow>]-<key>`. */
  readonly key: string;
  /** What it watches, in words. */
  readonly watches: string;
  /** When it fires, in words. */
  readonly firesWhen: string;
  /** What it means and the first thing to do: the alarm's description in CloudWatch and in the e-mail. */
  readonly runbook: string;
}

/** Share of failed, timed-out and aborted executions over started ones above which a workflow alarms. */
export const FAILURE_RATE_THRESHOLD = 0.05;
/** Fewer started executions than this in the window never raise the failure-rate alarm (one failure of three is noise). */
export const FAILURE_RATE_MINIMUM_STARTED = 5;
/** ValidationFailed events from one source within an hour above which the source is reported. */
export const REPEATED_VALIDATION_FAILURES = 20;

/**
 * The alarms of one workflow: always failure rate, unrecorded ends, repeated bad input and throttles;
 * a latency alarm per step; model cost where it has a budget and a step calls a model; approvals
 * waiting where it has a gate.
 *
 * @example
 * workflowAlarms(invoiceApproval).map((a) => a.key); // ['execution-failure-rate', 'not-recorded', ..., 'latency-pay-invoice']
 */
export function workflowAlarms(workflow: AnyWorkflow): AlarmSpec[] {
  const name = workflow.name;
  const notRecorded = [...new Set(['FailureNotRecorded', workflow.successNotRecorded?.error ?? 'SuccessNotRecorded'])];
  const specs: AlarmSpec[] = [
    {
      key: 'execution-failure-rate',
      watches: `executions of ${name}: failed, timed out and aborted over started, per hour`,
      firesWhen: `more than ${FAILURE_RATE_THRESHOLD * 100}% of at least ${FAILURE_RATE_MINIMUM_STARTED} started executions end badly within an hour`,
      runbook: `${name} executions are failing. Run "wardflow executions --status FAILED" and read the ExecutionFailed event of a few (wardflow status <name>): a ValidationFailed burst is bad input, a StepFailed names the step whose logs to read.`,
    },
    {
      key: 'not-recorded',
      watches: `executions of ${name} that ended in ${notRecorded.join(' or ')}`,
      firesWhen: 'any execution ends in one of them',
      runbook: `An execution of ${name} ended without its outcome in the event store (${notRecorded.join(', ')}). Its work may have been done: read the Fail state's cause (wardflow status <name>) and the record-outcome logs before retrying anything; never re-run a step that moved money.`,
    },
    {
      key: 'repeated-validation-failures',
      watches: `ValidationFailed of ${name}, counted per input source`,
      firesWhen: `one source sends more than ${REPEATED_VALIDATION_FAILURES} inputs that fail validation within an hour`,
      runbook: `One source keeps sending ${name} input that fails validation: a broken integration or someone probing. The alarm's top contributor names the source label; read its ValidationFailed events (which field, what was expected) and contact its owner.`,
    },
    {
      key: 'throttles',
      watches: `throttled invocations of ${name}'s functions and throttled executions of its state machine`,
      firesWhen: 'anything is throttled within five minutes',
      runbook: `AWS throttled ${name} (Lambda concurrency or Step Functions). Retries absorb short bursts; if it persists, check the account's Lambda concurrency and Service Quotas before raising limits.`,
    },
  ];
  for (const step of Object.keys(workflow.steps)) {
    const baseline = workflow.steps[step]?.latencyBaselineMs;
    specs.push({
      key: `latency-${step}`,
      watches: `p90 duration of ${name}'s step ${step}, per 15 minutes`,
      firesWhen: baseline === undefined ? 'it leaves the band an anomaly detector learned from its history' : `it exceeds twice its baseline of ${baseline} ms`,
      runbook: `Step ${step} of ${name} has slowed down. Check its logs and X-Ray traces for the slow call (the model, a secret, the events table, a third-party API); executions keep running but approvals and payments wait longer.`,
    });
  }
  const callsModels = Object.values(workflow.steps).some((step) => step?.models === true);
  if (callsModels && workflow.modelBudgetUsdPerDay !== undefined) {
    specs.push({
      key: 'model-cost',
      watches: `estimated cost of ${name}'s model calls, per day`,
      firesWhen: `it exceeds the workflow's budget of ${workflow.modelBudgetUsdPerDay} US dollars`,
      runbook: `${name} spends more on models than its budget. A loop, a flood of large inputs or a changed model price: compare executions started with tokens used, and stop the source if it is a flood.`,
    });
  }
  if (Object.keys(workflow.gates ?? {}).length > 0) {
    specs.push({
      key: 'approvals-waiting',
      watches: `the oldest approval of ${name} still waiting for a decision`,
      firesWhen: "it has waited longer than its reminder time (half the gate's timeout)",
      runbook: `Approvals of ${name} are waiting past their reminder time. Run "wardflow approvals" to see them; ask the approvers (the workflow's settings in cdk.json) to decide before the gate times out and the execution fails closed.`,
    });
  }
  return specs;
}

/** The alarms of the platform itself, once per environment. */
export const PLATFORM_ALARMS: readonly AlarmSpec[] = [
  {
    key: 'audit-dead-letters',
    watches: 'the audit archiver\'s dead-letter queue',
    firesWhen: 'any batch of events could not be archived after its retries',
    runbook: 'Events failed to reach the audit archive. Read the archiver logs for the cause, fix it, then redrive the dead-letter queue; the events table still holds every event.',
  },
  {
    key: 'audit-archive-behind',
    watches: "the age of the oldest stream record the archiver reads, and whether it runs at all while the events table is written",
    firesWhen: 'for ten minutes, the archive is more than 15 minutes behind the events table, or events are written while the archiver is never invoked (a stalled stream or a disabled mapping)',
    runbook: 'The audit archive is falling behind or the stream stopped. Check that the archiver\'s event-source mapping is enabled and its errors; run "wardflow doctor --env <env>".',
  },
  {
    key: 'audit-archiver-errors',
    watches: 'errors of the audit archiver function',
    firesWhen: 'any invocation fails',
    runbook: 'The audit archiver is failing. Read its logs: a KMS or Object Lock denial needs a policy fix, a TamperDetected needs an investigation before anything else.',
  },
  {
    key: 'secret-rotation-overdue',
    watches: "each secret's last rotation (or last new value) against its rotation policy",
    firesWhen: 'a secret is older than its policy (90 days unless the workflow says otherwise)',
    runbook: 'A secret has not been rotated within its policy. Ask its provider for a new value, store it with "aws secretsmanager put-secret-value", and check with "wardflow doctor --env <env>".',
  },
];
