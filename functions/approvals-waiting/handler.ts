import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { requireEnv } from '../shared/config.js';
import { environmentClient } from '../shared/environment-clients.js';
import { ConfigurationInvalid, safeErrorName } from '../shared/errors.js';
import { qualifiedExecutionId } from '../shared/events/execution-id.js';
import { readVerified } from '../shared/events/read-verified.js';
import { emitMetrics } from '../shared/metrics/emit.js';
import { DIMENSION, METRIC } from '../shared/metrics/metric-names.js';
import { createStepLogger } from '../shared/middleware/logger.js';
import { Redactor } from '../shared/middleware/redact.js';
import { getDependencies } from '../shared/runtime.js';
import { executionWaitPercent } from './oldest-waiting.js';

const logger = createStepLogger({ step: 'approvals-waiting', redactor: new Redactor() });
const sfn = environmentClient(() => new SFNClient({}));
/** Replaces the Step Functions client (tests). */
export const useSfnClient = sfn.use;

/** WAITING_WORKFLOWS: the environment's workflows that have a gate, with their state machines. */
const Workflows = z.array(z.object({ workflow: z.string().min(1).max(64), stateMachineArn: z.string().startsWith('arn:') })).min(1);

/**
 * Every few minutes (an EventBridge schedule), per workflow with a gate: OldestApprovalWaitPercent,
 * how far the oldest approval still waiting for a decision is into its time (0 when none waits),
 * for the `approvals-waiting` alarm (above 50: past its reminder time, half the gate's timeout).
 *
 * Why a scheduled measurement and not a metric derived from events: an approval that waits
 * produces no event while it waits, and CloudWatch cannot age a request it saw days ago (EMF
 * timestamps may lie at most two hours ahead). So this function looks, as `wardflow approvals`
 * does: the RUNNING executions (ListExecutions), the approval each last asked for, and that
 * approval's stream (read and verified; nothing is opened, nothing appended). It emits a value
 * for every workflow on every run, so a missing value means this function is broken, and the
 * alarm treats missing data as breaching.
 *
 * A stream that cannot be read or verified is logged and skipped: one bad stream must not hide
 * every other approval's wait.
 */
export async function handler(_event: unknown, context: Context): Promise<{ workflow: string; oldestPercent: number; waiting: number }[]> {
  const parsed = Workflows.safeParse(jsonOrUndefined(requireEnv('WAITING_WORKFLOWS')));
  if (!parsed.success) throw new ConfigurationInvalid('WAITING_WORKFLOWS must be a JSON list of { workflow, stateMachineArn }; synthesize the app again');
  const deps = getDependencies();
  logger.setLogLevel(deps.config.logLevel);
  logger.resetKeys();
  logger.appendKeys({ awsRequestId: typeof context?.awsRequestId === 'string' ? context.awsRequestId : '(none)' });
  const now = deps.now();
  const results = [];
  for (const { workflow, stateMachineArn } of parsed.data) {
    let oldest = 0;
    let waiting = 0;
    for await (const name of runningExecutions(stateMachineArn)) {
      // Steps record under the workflow-qualified id (functions/shared/events/execution-id.ts).
      const executionId = qualifiedExecutionId(workflow, name);
      try {
        const percent = await executionWaitPercent((stream) => readVerified(deps.store, stream), executionId, now);
        if (percent === undefined) continue;
        waiting += 1;
        oldest = Math.max(oldest, percent);
      } catch (error) {
        logger.warn('approval not measured', { workflow, executionId, error: safeErrorName(error) });
      }
    }
    emitMetrics({ [DIMENSION.workflow]: workflow }, [{ name: METRIC.oldestApprovalWaitPercent, unit: 'Percent', value: Math.round(oldest * 10) / 10 }]);
    logger.info('approvals measured', { workflow, waiting, oldestPercent: oldest });
    results.push({ workflow, oldestPercent: oldest, waiting });
  }
  return results;
}

async function* runningExecutions(stateMachineArn: string): AsyncGenerator<string> {
  let nextToken: string | undefined;
  do {
    const page = await sfn.get().send(new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 1000, ...(nextToken ? { nextToken } : {}) }));
    for (const execution of page.executions ?? []) if (execution.name) yield execution.name;
    nextToken = page.nextToken;
  } while (nextToken);
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
