import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_SERVICE } from './metric-names.js';

/**
 * Emits metrics as CloudWatch embedded metric format (EMF): one JSON line on stdout that Lambda's
 * log agent turns into metrics. No PutMetricData call, so no IAM grant (PutMetricData has no
 * resource-level permission and would need "*").
 *
 * Only where the function was deployed to emit them: POWERTOOLS_METRICS_NAMESPACE is set by the
 * CDK (lib/constructs/handler-function.ts) and nowhere else, so tests and scripts that import a
 * handler print no metric lines; the local runtime sets POWERTOOLS_METRICS_DISABLED (its
 * handler-environment.ts), which Powertools honours, so `npm start` prints none either.
 *
 * Only the root of @aws-lambda-powertools/metrics is imported (the Metrics class and its unit
 * names), not its middy middleware: the step middleware decides itself what to emit and when.
 */

export type MetricUnitName = 'Count' | 'Milliseconds' | 'Seconds' | 'Percent' | 'None';

/** One value of one metric. */
export interface MetricValue {
  readonly name: string;
  readonly unit: MetricUnitName;
  readonly value: number;
}

const UNITS: Record<MetricUnitName, (typeof MetricUnit)[keyof typeof MetricUnit]> = {
  Count: MetricUnit.Count,
  Milliseconds: MetricUnit.Milliseconds,
  Seconds: MetricUnit.Seconds,
  Percent: MetricUnit.Percent,
  None: MetricUnit.NoUnit,
};

/** Whether metrics go out at all in this process environment (see above). */
export function metricsEnabled(environment: NodeJS.ProcessEnv = process.env): boolean {
  const namespace = environment.POWERTOOLS_METRICS_NAMESPACE;
  const disabled = /^(1|true|yes|on|y)$/i.test((environment.POWERTOOLS_METRICS_DISABLED ?? '').trim());
  return typeof namespace === 'string' && namespace.length > 0 && !disabled;
}

/** Dimension values CloudWatch accepts: 1 to 1,024 characters, no control characters. The caller chose them; this only refuses a malformed one. */
function usable(value: string): boolean {
  return value.length > 0 && value.length <= 1024 && !/[\u0000-\u001f]/.test(value);
}

/**
 * One EMF record: `values` under `dimensions` (plus `service`). Dimension values must be names the
 * platform chose, never input values. A record with an unusable dimension value is not emitted (a
 * metric is never worth failing a step). Returns whether it was.
 *
 * One set of dimensions per record, on purpose: Powertools can put several sets in one record, but
 * warns on stdout about every dimension the sets share, which would be a line of noise per step.
 *
 * @example
 * emitMetrics({ workflow: 'invoice-approval', step: 'pay-invoice' }, [{ name: 'StepInvocations', unit: 'Count', value: 1 }]);
 */
export function emitMetrics(dimensions: Readonly<Record<string, string>>, values: readonly MetricValue[]): boolean {
  if (!metricsEnabled() || values.length === 0) return false;
  if (!Object.values(dimensions).every(usable)) return false;
  // A fresh instance per record: it reads its namespace and the disabled flag from the environment
  // of the function running now (the local runtime runs many functions in one process), and keeps
  // no dimensions from an earlier record.
  const metrics = new Metrics({ serviceName: METRICS_SERVICE });
  for (const [name, value] of Object.entries(dimensions)) metrics.addDimension(name, value);
  for (const { name, unit, value } of values) metrics.addMetric(name, UNITS[unit], value);
  metrics.publishStoredMetrics();
  return true;
}
