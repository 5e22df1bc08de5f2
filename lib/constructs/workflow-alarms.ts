import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import { DIMENSION, METRIC, METRICS_SERVICE, metricsNamespace } from '../../functions/shared/metrics/metric-names.js';
import { type AlarmSpec, FAILURE_RATE_MINIMUM_STARTED, FAILURE_RATE_THRESHOLD, REPEATED_VALIDATION_FAILURES, workflowAlarms } from '../operations/alarm-catalog.js';
import type { AnyWorkflow } from '../workflows/workflow-definition.js';
import type { AlarmTopic } from './alarm-topic.js';
import type { WorkflowStep } from './workflow-step.js';

export interface WorkflowAlarmsProps {
  readonly workflow: AnyWorkflow;
  readonly environmentName: string;
  readonly alarms: AlarmTopic;
  readonly stateMachine: sfn.StateMachine;
  /** The function of each of the workflow's steps, by its key in `workflow.steps`. */
  readonly steps: Readonly<Record<string, WorkflowStep>>;
  /** Every function of the workflow, its steps and the platform's serving it: throttles and the validation-source rule watch them all. */
  readonly functions: readonly WorkflowStep[];
}

/** CloudWatch allows an alarm's metric math at most this many metrics. */
const MAX_METRICS_PER_ALARM = 10;
/** Standard deviations of the anomaly band of a step without a latency baseline (CloudWatch's default). */
const ANOMALY_BAND_STANDARD_DEVIATIONS = 2;

/**
 * One CloudWatch alarm per entry of the workflow's alarm catalog (lib/operations/alarm-catalog.ts),
 * named `wardflow-<env>-<workflow>-<key>`, its description the entry's runbook line, notifying the
 * alarm topic when it fires and when it clears. What each watches:
 * - execution-failure-rate: (failed + timed out + aborted) / started of the state machine per hour,
 *   only from FAILURE_RATE_MINIMUM_STARTED started executions on;
 * - not-recorded: ExecutionsEndedBadly (counted by the execution-end recorder, which sees every bad end
 *   with its error) for FailureNotRecorded and the workflow's success-not-recorded error;
 * - repeated-validation-failures: a Contributor Insights rule over the workflow's log groups, keyed on
 *   the `source` of the ValidationFailed metric lines, and its top contributor per hour;
 * - throttles: Lambda Throttles of the workflow's functions and ExecutionThrottled of its state machine;
 * - latency-<step>: p90 Duration of the step's function per 15 minutes, against twice its declared
 *   baseline, or an anomaly band where it declares none;
 * - model-cost: ModelCostUsd of the workflow per day against its budget;
 * - approvals-waiting: OldestApprovalWaitPercent (the approvals-waiting function) above 50, half the
 *   gate's time, its reminder time; silence there means that function is broken, so it alarms.
 *
 * @example
 * new WorkflowAlarms(this, 'Alarms', { workflow, environmentName: 'dev', alarms, stateMachine, steps, functions });
 */
export class WorkflowAlarms extends Construct {
  readonly workflowName: string;
  /** Each alarm by its catalog key. */
  readonly byKey: Readonly<Record<string, cloudwatch.Alarm>>;
  readonly validationSources: cloudwatch.CfnInsightRule;

  constructor(scope: Construct, id: string, props: WorkflowAlarmsProps) {
    super(scope, id);
    const { workflow, environmentName: env } = props;
    const name = workflow.name;
    this.workflowName = name;
    const ours = (metricName: string, dimensions: Record<string, string>, statistic: string, period: Duration) =>
      new cloudwatch.Metric({
        namespace: metricsNamespace(env),
        metricName,
        dimensionsMap: { [DIMENSION.service]: METRICS_SERVICE, [DIMENSION.workflow]: name, ...dimensions },
        statistic,
        period,
      });

    // Contributor Insights counts ValidationFailed per source from the metric lines themselves (the
    // EMF record carries `source` and `workflow` as fields), so no extra log line is written for it.
    const ruleName = `wardflow-${env}-${name}-validation-sources`;
    this.validationSources = new cloudwatch.CfnInsightRule(this, 'ValidationSources', {
      ruleName,
      ruleState: 'ENABLED',
      ruleBody: Stack.of(this).toJsonString({
        Schema: { Name: 'CloudWatchLogRule', Version: 1 },
        LogGroupNames: props.functions.map((fn) => fn.logGroup.logGroupName),
        LogFormat: 'JSON',
        Contribution: {
          Keys: [`$.${DIMENSION.source}`],
          Filters: [
            { Match: `$.${METRIC.validationFailed}`, GreaterThan: 0 },
            { Match: `$.${DIMENSION.workflow}`, In: [name] },
          ],
        },
        AggregateOn: 'Count',
      }),
    });

    const built: Record<string, cloudwatch.Alarm> = {};
    for (const spec of workflowAlarms(workflow)) {
      const common = { alarmName: `wardflow-${env}-${name}-${spec.key}`, alarmDescription: spec.runbook };
      const alarm = this.build(spec, common, props, ours, ruleName);
      built[spec.key] = alarm;
    }
    this.byKey = built;
  }

  private build(
    spec: AlarmSpec,
    common: { alarmName: string; alarmDescription: string },
    props: WorkflowAlarmsProps,
    ours: (metricName: string, dimensions: Record<string, string>, statistic: string, period: Duration) => cloudwatch.Metric,
    ruleName: string,
  ): cloudwatch.Alarm {
    const { workflow, alarms, stateMachine } = props;
    const id = spec.key
      .split('-')
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join('');
    const hour = Duration.hours(1);

    if (spec.key === 'execution-failure-rate') {
      const sum = { period: hour, statistic: cloudwatch.Stats.SUM };
      return alarms.alarm(this, id, {
        ...common,
        metric: new cloudwatch.MathExpression({
          // Below the minimum the rate is 0: one failure of three started is noise, not a trend.
          expression: `IF(started >= ${FAILURE_RATE_MINIMUM_STARTED}, (FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)) / started, 0)`,
          usingMetrics: {
            started: stateMachine.metricStarted(sum),
            failed: stateMachine.metricFailed(sum),
            timedOut: stateMachine.metricTimedOut(sum),
            aborted: stateMachine.metricAborted(sum),
          },
          period: hour,
          label: `${workflow.name} share of executions ending badly`,
        }),
        threshold: FAILURE_RATE_THRESHOLD,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }

    if (spec.key === 'not-recorded') {
      const errors = [...new Set(['FailureNotRecorded', workflow.successNotRecorded?.error ?? 'SuccessNotRecorded'])];
      const period = Duration.minutes(5);
      const usingMetrics = Object.fromEntries(errors.map((error, i) => [`e${i}`, ours(METRIC.executionsEndedBadly, { [DIMENSION.error]: error }, cloudwatch.Stats.SUM, period)]));
      return alarms.alarm(this, id, {
        ...common,
        metric: sumOf(usingMetrics, period, `${workflow.name} executions ended ${errors.join(' or ')}`),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }

    if (spec.key === 'repeated-validation-failures') {
      const alarm = alarms.alarm(this, id, {
        ...common,
        metric: new cloudwatch.MathExpression({
          // The count of the source with the most ValidationFailed lines in the hour.
          expression: `INSIGHT_RULE_METRIC("${ruleName}", "MaxContributorValue")`,
          usingMetrics: {},
          period: hour,
          label: `${workflow.name} ValidationFailed of its top source`,
        }),
        threshold: REPEATED_VALIDATION_FAILURES,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
      // The expression names the rule by its name only: the alarm must not exist before the rule.
      alarm.node.addDependency(this.validationSources);
      return alarm;
    }

    if (spec.key === 'throttles') {
      const period = Duration.minutes(5);
      const sum = { period, statistic: cloudwatch.Stats.SUM };
      // An alarm's metric math may use at most ten metrics. Within that, each function's Throttles;
      // beyond it, Lambda's Throttles of the whole account and region (no dimension), which every
      // throttle of these functions is part of: the runbook checks the account's concurrency first anyway.
      const perFunction = props.functions.length + 1 <= MAX_METRICS_PER_ALARM;
      const lambdaMetrics: Record<string, cloudwatch.IMetric> = perFunction
        ? Object.fromEntries(props.functions.map((fn, i) => [`fn${i}`, fn.fn.metricThrottles(sum)]))
        : { account: new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName: 'Throttles', ...sum }) };
      const usingMetrics = { executions: stateMachine.metricThrottled(sum), ...lambdaMetrics };
      return alarms.alarm(this, id, {
        ...common,
        metric: sumOf(usingMetrics, period, `${workflow.name} throttled invocations and executions`),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }

    if (spec.key.startsWith('latency-')) {
      const key = spec.key.slice('latency-'.length);
      const step = props.steps[key];
      if (step === undefined) throw new ConfigurationInvalid(`workflow ${workflow.name}: no function for step ${key}`);
      // Lambda's own Duration of the step's function: it exists whatever the handler does, and needs no name to match.
      const duration = step.fn.metricDuration({ period: Duration.minutes(15), statistic: cloudwatch.Stats.p(90) });
      const baseline = workflow.steps[key]?.latencyBaselineMs;
      if (baseline !== undefined) {
        return alarms.alarm(this, id, {
          ...common,
          metric: duration,
          threshold: 2 * baseline,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        });
      }
      // No baseline declared: CloudWatch learns one (its model trains on up to two weeks of history);
      // only slower than the band alarms, a faster step is good news.
      const alarm = new cloudwatch.AnomalyDetectionAlarm(this, id, {
        ...common,
        metric: duration,
        stdDevs: ANOMALY_BAND_STANDARD_DEVIATIONS,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarms.notify(alarm);
      return alarm;
    }

    if (spec.key === 'model-cost') {
      const budget = workflow.modelBudgetUsdPerDay;
      if (budget === undefined) throw new ConfigurationInvalid(`workflow ${workflow.name}: a model-cost alarm needs modelBudgetUsdPerDay`);
      return alarms.alarm(this, id, {
        ...common,
        metric: ours(METRIC.modelCostUsd, {}, cloudwatch.Stats.SUM, Duration.days(1)),
        threshold: budget,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }

    if (spec.key === 'approvals-waiting') {
      return alarms.alarm(this, id, {
        ...common,
        metric: ours(METRIC.oldestApprovalWaitPercent, {}, cloudwatch.Stats.MAXIMUM, Duration.minutes(15)),
        // Half the gate's time: the reminder time of the catalog.
        threshold: 50,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // The approvals-waiting function reports every workflow with a gate on every run, 0 included:
        // no value at all means it is not running.
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
    }

    throw new ConfigurationInvalid(`workflow ${workflow.name}: the alarm catalog lists ${spec.key}, which WorkflowAlarms does not know how to build; add it to lib/constructs/workflow-alarms.ts`);
  }
}

/** The sum of several metrics per period, a period in which one reports nothing counting it as 0. */
function sumOf(usingMetrics: Record<string, cloudwatch.IMetric>, period: Duration, label: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({ expression: Object.keys(usingMetrics).map((m) => `FILL(${m}, 0)`).join(' + '), usingMetrics, period, label });
}
