import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC, METRICS_SERVICE } from '../../../functions/shared/metrics/metric-names.js';
import { FAILURE_RATE_MINIMUM_STARTED, FAILURE_RATE_THRESHOLD, PLATFORM_ALARMS, REPEATED_VALIDATION_FAILURES, workflowAlarms } from '../../../lib/operations/alarm-catalog.js';
import { defineWorkflow, type AnyWorkflow } from '../../../lib/workflows/workflow-definition.js';
import { WORKFLOWS } from '../../../statemachines/index.js';
import { expenseClaim } from '../../fixtures/workflows/expense-claim/workflow.js';
import { CDK_CONTEXT, functionOf, functionsOfWorkflow, resourcesOf, stateMachineOf, synthWardflow, templateOf, type TemplateResource } from './synth.js';

/**
 * The operations side of every workflow, derived from the alarm catalog (lib/operations/alarm-catalog.ts)
 * and the workflows' declarations, for the app's workflows and a throwaway one: one alarm per catalog
 * entry, named after it, its runbook line as description, notifying the topic when it fires and when
 * it clears, with the catalog's thresholds; the platform's alarms; the dashboard.
 */

/** The throwaway workflow with a declared latency baseline on one step, so both latency alarms (baseline, anomaly band) are held. */
const expenseClaimTimed = defineWorkflow({
  ...expenseClaim,
  steps: { ...expenseClaim.steps, 'read-claim': { ...expenseClaim.steps['read-claim']!, latencyBaselineMs: 800 } },
}) as AnyWorkflow;
const APP_WORKFLOWS: readonly AnyWorkflow[] = [...WORKFLOWS, expenseClaimTimed];

/** Alarms the catalog does not list: each workflow's execution-end recorder's dead letters (execution-end-recorder.test.ts). */
const EXTRA_WORKFLOW_ALARMS = ['execution-end-dead-letters'];
/** Platform alarms another construct builds (the secrets' rotation check): present at most once, never required here. */
const BUILT_ELSEWHERE = ['secret-rotation-overdue'];

const environments = structuredClone(CDK_CONTEXT['wardflow:environments']) as Record<string, { workflows?: Record<string, unknown> }>;
for (const [name, environment] of Object.entries(environments)) {
  environment.workflows = { ...environment.workflows, 'expense-claim': { approvers: [`managers-${name}@example.com`] } };
}

let templates: Record<string, Template>;
beforeAll(() => {
  const app = synthWardflow({ 'wardflow:environments': environments }, { workflows: APP_WORKFLOWS });
  templates = { dev: templateOf(app, 'dev'), prod: templateOf(app, 'prod') };
});

type Props = Record<string, unknown>;
const alarmsOf = (template: Template): Props[] => Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties as Props);
/** The metrics of a metric-math alarm, by id. */
const queriesOf = (alarm: Props) => alarm.Metrics as Array<{ Id: string; Expression?: string; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions?: Array<{ Name: string; Value: unknown }> }; Stat: string; Period: number } }>;
const expressionOf = (alarm: Props) => queriesOf(alarm).find((q) => q.Expression !== undefined)!.Expression!;
const dimensionsOf = (dimensions: Array<{ Name: string; Value: unknown }> | undefined) => Object.fromEntries((dimensions ?? []).map((d) => [d.Name, d.Value]));

describe.each(['dev', 'prod'])('operations in %s', (env) => {
  const template = () => templates[env]!;
  const topicId = () => Object.keys(resourcesOf(template(), 'AWS::SNS::Topic')).find((id) => id.startsWith('AlarmsTopic'))!;
  const named = (name: string): Props[] => alarmsOf(template()).filter((a) => a.AlarmName === name);

  it('has no alarm that is neither a catalog entry nor a listed extra', () => {
    const known = new Set([
      ...PLATFORM_ALARMS.map((spec) => `wardflow-${env}-${spec.key}`),
      ...APP_WORKFLOWS.flatMap((w) => [...workflowAlarms(w).map((spec) => spec.key), ...EXTRA_WORKFLOW_ALARMS].map((key) => `wardflow-${env}-${w.name}-${key}`)),
    ]);
    for (const alarm of alarmsOf(template())) expect(known, String(alarm.AlarmName)).toContain(alarm.AlarmName);
  });

  it('builds each platform alarm of the catalog once, described by its runbook line, notifying the topic both ways', () => {
    for (const spec of PLATFORM_ALARMS) {
      const found = named(`wardflow-${env}-${spec.key}`);
      if (BUILT_ELSEWHERE.includes(spec.key)) {
        expect(found.length, spec.key).toBeLessThanOrEqual(1);
        continue;
      }
      expect(found, spec.key).toHaveLength(1);
      expect(found[0]).toMatchObject({ AlarmDescription: spec.runbook, AlarmActions: [{ Ref: topicId() }], OKActions: [{ Ref: topicId() }] });
    }
    // Its silence test is explicit (writes without an archiver run), so a quiet environment stays OK.
    expect(named(`wardflow-${env}-audit-archive-behind`)[0]!.TreatMissingData).toBe('notBreaching');
  });

  describe.each(APP_WORKFLOWS.map((w) => [w.name, w] as const))('workflow %s', (name, workflow) => {
    const alarm = (key: string): Props => {
      const found = named(`wardflow-${env}-${name}-${key}`);
      expect(found, key).toHaveLength(1);
      return found[0]!;
    };

    it('has exactly one alarm per catalog entry, its runbook line as description, notifying the topic when it fires and when it clears', () => {
      for (const spec of workflowAlarms(workflow)) {
        expect(alarm(spec.key), spec.key).toMatchObject({ AlarmDescription: spec.runbook, AlarmActions: [{ Ref: topicId() }], OKActions: [{ Ref: topicId() }], EvaluationPeriods: 1 });
      }
    });

    it('alarms on a failure rate above the threshold, from the minimum of started executions, per hour', () => {
      const rate = alarm('execution-failure-rate');
      expect(rate).toMatchObject({ Threshold: FAILURE_RATE_THRESHOLD, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
      expect(expressionOf(rate)).toBe(`IF(started >= ${FAILURE_RATE_MINIMUM_STARTED}, (FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)) / started, 0)`);
      const [machineId] = stateMachineOf(template(), workflow);
      const stats = Object.fromEntries(queriesOf(rate).filter((q) => q.MetricStat).map((q) => [q.Id, q.MetricStat!]));
      for (const [id, metric] of [['started', 'ExecutionsStarted'], ['failed', 'ExecutionsFailed'], ['timedOut', 'ExecutionsTimedOut'], ['aborted', 'ExecutionsAborted']]) {
        expect(stats[id!], id).toMatchObject({ Metric: { Namespace: 'AWS/States', MetricName: metric, Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: machineId } }] }, Stat: 'Sum', Period: 3600 });
      }
    });

    it('alarms on any end in FailureNotRecorded or its success-not-recorded error', () => {
      const notRecorded = alarm('not-recorded');
      expect(notRecorded).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      const errors = queriesOf(notRecorded).filter((q) => q.MetricStat).map((q) => {
        expect(q.MetricStat!.Metric).toMatchObject({ Namespace: `wardflow/${env}`, MetricName: METRIC.executionsEndedBadly });
        const dimensions = dimensionsOf(q.MetricStat!.Metric.Dimensions);
        expect(dimensions).toMatchObject({ service: METRICS_SERVICE, workflow: name });
        return dimensions.error;
      });
      expect(errors.sort()).toEqual([...new Set(['FailureNotRecorded', workflow.successNotRecorded?.error ?? 'SuccessNotRecorded'])].sort());
    });

    it('reports a source sending more bad input than the limit in an hour, from a Contributor Insights rule over all its functions’ logs', () => {
      const repeated = alarm('repeated-validation-failures');
      const ruleName = `wardflow-${env}-${name}-validation-sources`;
      expect(repeated).toMatchObject({ Threshold: REPEATED_VALIDATION_FAILURES, ComparisonOperator: 'GreaterThanThreshold' });
      expect(expressionOf(repeated)).toBe(`INSIGHT_RULE_METRIC("${ruleName}", "MaxContributorValue")`);
      const rules = Object.values(resourcesOf(template(), 'AWS::CloudWatch::InsightRule')).filter((r) => r.Properties.RuleName === ruleName);
      expect(rules).toHaveLength(1);
      const body = JSON.stringify(rules[0]!.Properties.RuleBody);
      for (const fn of functionsOfWorkflow(workflow)) {
        const [, resource] = functionOf(template(), fn.name);
        const group = (resource.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
        expect(body, fn.name).toContain(group);
      }
      expect(body).toContain('\\"Keys\\":[\\"$.source\\"]');
    });

    it('alarms on any throttle of its state machine or functions', () => {
      const throttles = alarm('throttles');
      expect(throttles).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      const metrics = queriesOf(throttles).filter((q) => q.MetricStat).map((q) => q.MetricStat!.Metric);
      expect(metrics).toContainEqual(expect.objectContaining({ Namespace: 'AWS/States', MetricName: 'ExecutionThrottled' }));
      const lambda = metrics.filter((m) => m.Namespace === 'AWS/Lambda');
      expect(lambda.every((m) => m.MetricName === 'Throttles')).toBe(true);
      // One per function while they fit in an alarm's ten metrics; else the account's throttles (no dimension).
      const functions = functionsOfWorkflow(workflow);
      if (functions.length + 1 <= 10) expect(lambda).toHaveLength(functions.length);
      else expect(lambda).toEqual([expect.not.objectContaining({ Dimensions: expect.anything() })]);
    });

    it('alarms on each step’s p90 duration: above twice its baseline, or above an anomaly band without one', () => {
      for (const [key, step] of Object.entries(workflow.steps)) {
        const latency = alarm(`latency-${key}`);
        const [fnId] = functionOf(template(), `${name}-${key}`);
        const baseline = step?.latencyBaselineMs;
        if (baseline !== undefined) {
          expect(latency).toMatchObject({
            Namespace: 'AWS/Lambda',
            MetricName: 'Duration',
            ExtendedStatistic: 'p90',
            Period: 900,
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
            Threshold: 2 * baseline,
            ComparisonOperator: 'GreaterThanThreshold',
          });
        } else {
          expect(latency).toMatchObject({ ComparisonOperator: 'GreaterThanUpperThreshold', ThresholdMetricId: expect.any(String), TreatMissingData: 'notBreaching' });
          expect(expressionOf(latency)).toMatch(/^ANOMALY_DETECTION_BAND\(\w+,\s*2\)$/);
          const stat = queriesOf(latency).find((q) => q.MetricStat)!.MetricStat!;
          expect(stat).toMatchObject({ Metric: { Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }] }, Stat: 'p90', Period: 900 });
        }
      }
    });

    it('alarms on the daily model cost above its budget, where it has one and calls a model', () => {
      const has = workflowAlarms(workflow).some((spec) => spec.key === 'model-cost');
      if (!has) {
        expect(named(`wardflow-${env}-${name}-model-cost`)).toEqual([]);
        return;
      }
      expect(alarm('model-cost')).toMatchObject({
        Namespace: `wardflow/${env}`,
        MetricName: METRIC.modelCostUsd,
        Dimensions: [
          { Name: 'service', Value: METRICS_SERVICE },
          { Name: 'workflow', Value: name },
        ],
        Statistic: 'Sum',
        Period: 86_400,
        Threshold: workflow.modelBudgetUsdPerDay,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    });

    it('alarms on an approval waiting past half its time, and on silence from the function that measures it', () => {
      const has = Object.keys(workflow.gates ?? {}).length > 0;
      if (!has) {
        expect(named(`wardflow-${env}-${name}-approvals-waiting`)).toEqual([]);
        return;
      }
      expect(alarm('approvals-waiting')).toMatchObject({
        Namespace: `wardflow/${env}`,
        MetricName: METRIC.oldestApprovalWaitPercent,
        Statistic: 'Maximum',
        Threshold: 50,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'breaching',
      });
      const [, fn] = functionOf(template(), 'approvals-waiting');
      const waiting = JSON.parse((fn.Properties.Environment as { Variables: Record<string, string> }).Variables.WAITING_WORKFLOWS!) as Array<{ workflow: string }>;
      expect(waiting.map((w) => w.workflow)).toContain(name);
    });
  });

  it('measures waiting approvals every five minutes with a role that only lists executions and reads streams', () => {
    const [fnId, fn] = functionOf(template(), 'approvals-waiting');
    const rules = Object.values(resourcesOf(template(), 'AWS::Events::Rule')).filter((r) => r.Properties.Name === `wardflow-${env}-approvals-waiting`);
    expect(rules).toHaveLength(1);
    expect(rules[0]!.Properties).toMatchObject({ ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED', Targets: [expect.objectContaining({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } })] });
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const policies = Object.values(resourcesOf(template(), 'AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]));
    const actions = policies.flatMap((p: TemplateResource) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[] }> }).Statement.flatMap((s) => s.Action)).sort();
    expect(actions).toEqual(['dynamodb:Query', 'kms:Decrypt', 'logs:CreateLogStream', 'logs:PutLogEvents', 'states:ListExecutions', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it('has one dashboard wardflow-<env> with a row per workflow and the audit pipeline', () => {
    const dashboards = Object.values(resourcesOf(template(), 'AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    expect(dashboards[0]!.Properties.DashboardName).toBe(`wardflow-${env}`);
    const body = JSON.stringify(dashboards[0]!.Properties.DashboardBody);
    for (const workflow of APP_WORKFLOWS) expect(body).toContain(`## ${workflow.name}`);
    expect(body).toContain('## audit pipeline');
  });
});
