import type middy from '@middy/core';
import { safeErrorName } from '../errors.js';
import { emitMetrics, type MetricValue } from '../metrics/emit.js';
import { DIMENSION, METRIC, UNKNOWN_SOURCE } from '../metrics/metric-names.js';
import { SourceLabel } from '../source-label.js';
import { invocationOf } from './invocation.js';

/**
 * Metrics of every step of every workflow, so no workflow writes any (names in
 * functions/shared/metrics/metric-names.ts, meanings in docs/operations.md):
 * - StepInvocations, StepDuration and StepFailures by workflow and step; StepFailures also by
 *   the error's name as Step Functions sees it (after mapErrors: a wardflow error name,
 *   TransientFailure or StepFailed, never an unknown error's own name or message);
 * - ValidationFailed by workflow and source;
 * - ModelInputTokens, ModelOutputTokens and ModelCostUsd from the ModelInvoked events the step
 *   queued (askModel queues one per call, also when the step then fails);
 * - ApprovalsRequested from the ApprovalRequested events it queued (a gate that opened an approval).
 *
 * The workflow is WORKFLOW_NAME, which the platform gives every function of a workflow. Emitting
 * never fails a step: a problem with a metric is logged and the step's own outcome stands.
 *
 * Used right after structuredLogging, so its onError runs after mapErrors' (middy runs onError
 * and after in reverse order) and sees the error Step Functions will see.
 *
 * @example
 * middy(handler).use(structuredLogging(...)).use(stepMetrics({ step: 'pay-invoice' })).use(mapErrors(...));
 */
export function stepMetrics(options: { step: string }): middy.MiddlewareObj<unknown, unknown, Error> {
  const { step } = options;
  /** The source dimension of this invocation, read from the raw event before validation replaces it. */
  const sources = new WeakMap<object, string>();

  const emit = (request: middy.Request<unknown, unknown, Error>, failure: unknown): void => {
    try {
      const workflow = process.env.WORKFLOW_NAME;
      if (workflow === undefined || workflow === '') return;
      const invocation = invocationOf(request);
      const byStep = { [DIMENSION.workflow]: workflow, [DIMENSION.step]: step };
      const values: MetricValue[] = [
        { name: METRIC.stepInvocations, unit: 'Count', value: 1 },
        { name: METRIC.stepDuration, unit: 'Milliseconds', value: Math.max(0, Date.now() - invocation.startedAt) },
        { name: METRIC.stepFailures, unit: 'Count', value: failure === undefined ? 0 : 1 },
      ];
      emitMetrics(byStep, values);
      if (failure !== undefined) {
        const error = safeErrorName(failure, 'StepFailed');
        emitMetrics({ ...byStep, [DIMENSION.error]: error }, [{ name: METRIC.stepFailures, unit: 'Count', value: 1 }]);
        if (error === 'ValidationFailed') {
          const source = sources.get(request.internal as object) ?? UNKNOWN_SOURCE;
          emitMetrics({ [DIMENSION.workflow]: workflow, [DIMENSION.source]: source }, [{ name: METRIC.validationFailed, unit: 'Count', value: 1 }]);
        }
      }
      const queued = invocation.recorded.filter((r) => failure === undefined || r.evenOnFailure).map((r) => r.event);
      const calls = queued.filter((event) => event.type === 'ModelInvoked');
      if (calls.length > 0) {
        const sum = (field: string) => calls.reduce((total, call) => total + finite((call.data as Record<string, unknown>)[field]), 0);
        emitMetrics(byStep, [
          { name: METRIC.modelInputTokens, unit: 'Count', value: sum('inputTokens') },
          { name: METRIC.modelOutputTokens, unit: 'Count', value: sum('outputTokens') },
          { name: METRIC.modelCostUsd, unit: 'None', value: sum('costUsd') },
        ]);
        // Per workflow too: the daily budget alarm watches the workflow's total, and an alarm cannot add up steps it does not know.
        emitMetrics({ [DIMENSION.workflow]: workflow }, [{ name: METRIC.modelCostUsd, unit: 'None', value: sum('costUsd') }]);
      }
      const requested = queued.filter((event) => event.type === 'ApprovalRequested').length;
      if (requested > 0) emitMetrics({ [DIMENSION.workflow]: workflow }, [{ name: METRIC.approvalsRequested, unit: 'Count', value: requested }]);
    } catch (error) {
      invocationOf(request).logger?.warn('metrics not emitted', { error: safeErrorName(error) });
    }
  };

  return {
    name: 'stepMetrics',
    before: async (request) => {
      sources.set(request.internal as object, sourceDimension(request.event));
    },
    after: async (request) => emit(request, undefined),
    onError: async (request) => emit(request, request.error ?? new Error('unknown')),
  };
}

/**
 * The `source` dimension of a step's input: the origin of its source label (`s3://intake` of
 * `s3://intake/2026/11/inv-7.pdf`, `examples` of `examples/invoice-small.json`), or "unknown"
 * when there is none or it is not a valid label (an invalid one may be anything, an address
 * included, so it never becomes a dimension). The origin and not the whole label: "one source"
 * is an integration, and a dimension value per file would make a metric per file.
 *
 * @example
 * sourceDimension({ executionId: 'e', input: { source: 'examples/invoice-small.json' } }); // 'examples'
 */
export function sourceDimension(event: unknown): string {
  const input = typeof event === 'object' && event !== null ? (event as { input?: unknown }).input : undefined;
  const label = typeof input === 'object' && input !== null ? (input as { source?: unknown }).source : undefined;
  if (!SourceLabel.safeParse(label).success) return UNKNOWN_SOURCE;
  const text = label as string;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/]*)/.exec(text);
  if (scheme) return `${scheme[1]}${scheme[2]}`;
  return text.split('/')[0] || UNKNOWN_SOURCE;
}

function finite(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}
