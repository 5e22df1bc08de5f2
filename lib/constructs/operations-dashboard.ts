import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { DIMENSION, METRIC, METRICS_SERVICE, metricsNamespace } from '../../functions/shared/metrics/metric-names.js';
import type { WorkflowDeployment } from '../workflows/workflow-deployment.js';
import type { AuditArchiver } from './audit-archiver.js';

export interface OperationsDashboardProps {
  readonly environmentName: string;
  /** Each workflow's deployment, in the app's order: a row each. */
  readonly workflows: readonly WorkflowDeployment[];
  readonly auditArchiver: AuditArchiver;
}

/**
 * The environment's dashboard `wardflow-<env>`: a row per workflow (executions started and ending
 * badly, each step's p90 duration, the oldest approval's wait, model cost, and its alarms' states),
 * then the audit pipeline (archive lag, archiver errors, dead letters).
 *
 * Plain CloudWatch (aws-cdk-lib/aws-cloudwatch) rather than cdk-monitoring-constructs: one
 * dashboard of a few graphs needs no new dependency, and that library builds alarms and names of
 * its own, where every wardflow alarm must be exactly one entry of the alarm catalog.
 *
 * @example
 * new OperationsDashboard(this, 'Dashboard', { environmentName: 'dev', workflows: Object.values(deployments), auditArchiver });
 */
export class OperationsDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const env = props.environmentName;
    const hour = Duration.hours(1);
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `wardflow-${env}`,
      defaultInterval: Duration.days(7),
      periodOverride: cloudwatch.PeriodOverride.AUTO,
    });
    const ours = (workflow: string, metricName: string, statistic: string, label: string) =>
      new cloudwatch.Metric({
        namespace: metricsNamespace(env),
        metricName,
        dimensionsMap: { [DIMENSION.service]: METRICS_SERVICE, [DIMENSION.workflow]: workflow },
        statistic,
        period: hour,
        label,
      });

    for (const deployment of props.workflows) {
      const workflow = deployment.alarms.workflowName;
      const sm = deployment.stateMachine;
      const sum = { period: hour, statistic: cloudwatch.Stats.SUM };
      this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: `## ${workflow}\nAlarms and what to do: docs/operations.md`, width: 24, height: 1 }));
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${workflow}: executions per hour`,
          left: [
            sm.metricStarted({ ...sum, label: 'started' }),
            sm.metricFailed({ ...sum, label: 'failed' }),
            sm.metricTimedOut({ ...sum, label: 'timed out' }),
            sm.metricAborted({ ...sum, label: 'aborted' }),
          ],
          width: 6,
        }),
        new cloudwatch.GraphWidget({
          title: `${workflow}: step p90 duration (ms)`,
          left: Object.entries(deployment.steps).map(([key, step]) => step.fn.metricDuration({ period: Duration.minutes(15), statistic: cloudwatch.Stats.p(90), label: key })),
          width: 6,
        }),
        new cloudwatch.GraphWidget({
          title: `${workflow}: oldest approval waiting (% of its time)`,
          left: [ours(workflow, METRIC.oldestApprovalWaitPercent, cloudwatch.Stats.MAXIMUM, 'oldest waiting')],
          leftAnnotations: [{ value: 50, label: 'reminder time' }],
          width: 6,
        }),
        new cloudwatch.GraphWidget({
          title: `${workflow}: model cost (USD per hour)`,
          left: [ours(workflow, METRIC.modelCostUsd, cloudwatch.Stats.SUM, 'estimated cost')],
          width: 6,
        }),
      );
      this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: `${workflow}: alarms`, alarms: Object.values(deployment.alarms.byKey), width: 24, height: 2 }));
    }

    const archiver = props.auditArchiver;
    this.dashboard.addWidgets(new cloudwatch.TextWidget({ markdown: '## audit pipeline', width: 24, height: 1 }));
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'audit archive lag (ms, oldest unread stream record)',
        left: [archiver.fn.metric('IteratorAge', { period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM, label: 'iterator age' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'audit archiver errors',
        left: [archiver.fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM, label: 'errors' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'audit dead letters',
        left: [archiver.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM, label: 'dead letters' })],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'audit pipeline: alarms', alarms: [archiver.deadLetterAlarm, archiver.lagAlarm, archiver.errorAlarm], width: 24, height: 2 }),
    );
  }
}
