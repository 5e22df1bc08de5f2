import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { approvalSubjectOf, type ApprovalField } from '../../functions/shared/approvals/approval-subject.js';
import { openApprovalOf, type OpenApproval } from '../../functions/shared/approvals/open-approval.js';
import { levelState } from '../../functions/shared/approvals/levels/state.js';
import { isRouted } from '../../functions/shared/approvals/policy-gate/level-stream.js';
import { approvalState } from '../../functions/shared/events/fold.js';
import type { EventStore } from '../../functions/shared/events/store.js';
import type { Connection } from './connection.js';
import { HistoryUnverified } from '../shared/errors.js';
import { openEventReader, readExecutionEvents, readStream } from '../shared/event-reader.js';
import { listExecutions, type ExecutionSummary } from './executions-source.js';
import type { ExecutionStatusFilter } from './options.js';

/**
 * An approval that waits for a human, as `approvals` lists it: what is being approved is the
 * subject its workflow declared (title and fields, as recorded: printing them safely is the
 * command's job). Approvers are counted, never named: their addresses are sealed.
 */
export interface PendingApproval {
  approvalId: string;
  executionId: string;
  /** The workflow the execution runs. */
  workflow: string;
  /** The subject's title; null when the request recorded no subject. */
  title: string | null;
  fields: ApprovalField[];
  expiresAt: string | null;
  approverCount: number;
}

/**
 * An approval its stream still calls pending whose execution is no longer running: nothing
 * can resume it (the approval page refuses its link), so it is left out of the list.
 */
export interface LeftOutApproval {
  approvalId: string;
  executionId: string;
  /** How the execution ended, as Step Functions says (FAILED, ABORTED, TIMED_OUT, ...). */
  executionStatus: string;
}

export interface PendingApprovals {
  pending: PendingApproval[];
  /** Left out because their execution ended (StopExecution, a time-out, a local runtime that could not resume it). */
  endedExecutions: LeftOutApproval[];
  /** Streams that failed verification: their approvals are not listed. */
  unverified: HistoryUnverified[];
}

/**
 * The statuses an execution can end in while its gate waits, without its approval being closed
 * (record-outcome closes it only on the workflow's own paths): stopped, timed out as a whole,
 * or failed outside the state machine's Catch (a local runtime that could not resume it). A
 * SUCCEEDED execution went through its gate.
 */
const ENDED_WHILE_WAITING: readonly ExecutionStatusFilter[] = ['ABORTED', 'TIMED_OUT', 'FAILED'];

/**
 * The approvals that can still be decided: for each RUNNING execution, the approval its stream
 * last asked for (ApprovalRequested), when that approval's stream folds to `pending`, and
 * Step Functions still says RUNNING when asked again (DescribeExecution, metadata only: the
 * list may be a moment old). Streams are read with their hash chains verified; a stream that
 * fails verification is reported in `unverified` and its approval is not listed.
 *
 * Also finds the approvals that are left out because their execution ended while they waited:
 * the approval an ended execution last asked for is still pending on record (a decision,
 * rejection included, or a gate timeout would have closed it). Every ended execution of the
 * statuses in ENDED_WHILE_WAITING is read, one query each (two when it reached a gate).
 *
 * @example
 * const { pending, endedExecutions, unverified } = await findPendingApprovals(connection);
 */
export async function findPendingApprovals(connection: Pick<Connection, 'sfn' | 'workflows' | 'dynamodb' | 'eventsTable'>): Promise<PendingApprovals> {
  const store = openEventReader(connection);
  const result: PendingApprovals = { pending: [], endedExecutions: [], unverified: [] };
  const verified = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof HistoryUnverified)) throw error;
      result.unverified.push(error);
      return undefined;
    }
  };

  for (const execution of await listExecutions(connection, { status: 'RUNNING', limit: Number.POSITIVE_INFINITY })) {
    const approval = await verified(() => waitingApprovalOf(store, execution));
    if (approval === undefined) continue;
    // Listed as RUNNING a moment ago; it may have ended since.
    const status = await statusNow(connection, execution.executionArn);
    if (status === 'RUNNING') result.pending.push(pendingApproval(approval, execution));
    else result.endedExecutions.push({ approvalId: approval.approvalId, executionId: execution.id, executionStatus: status });
  }
  for (const status of ENDED_WHILE_WAITING) {
    for (const execution of await listExecutions(connection, { status, limit: Number.POSITIVE_INFINITY })) {
      const approval = await verified(() => waitingApprovalOf(store, execution));
      if (approval !== undefined) result.endedExecutions.push({ approvalId: approval.approvalId, executionId: execution.id, executionStatus: status });
    }
  }
  return result;
}

/** The approval pending on record for an execution (functions/shared/approvals/open-approval.ts). */
async function waitingApprovalOf(store: EventStore, execution: ExecutionSummary): Promise<OpenApproval | undefined> {
  // A stream from before ids were qualified is keyed by the bare name, and so is its approval's executionId.
  const { executionId, events } = await readExecutionEvents(store, execution.id);
  return openApprovalOf(events, executionId, (stream) => readStream(store, stream));
}

/** What Step Functions says about the execution now (RUNNING, or how it ended); NOT_FOUND when it no longer knows it. */
async function statusNow(connection: Pick<Connection, 'sfn'>, executionArn: string): Promise<string> {
  try {
    const { status } = await connection.sfn.send(new DescribeExecutionCommand({ executionArn, includedData: 'METADATA_ONLY' }));
    // A status as Step Functions spells them; anything else is not echoed.
    return status !== undefined && /^[A-Z_]{1,32}$/.test(status) ? status : 'UNRECOGNISED';
  } catch (error) {
    if ((error as { name?: unknown } | null)?.name === 'ExecutionDoesNotExist') return 'NOT_FOUND';
    throw error;
  }
}

/**
 * One waiting approval as listed. A policy gate's is listed with the level asked now: its deadline
 * (the link of an approver asked now expires with it) and how many are asked at it, rather than the
 * gate's outer expiry and everyone its route may ask.
 */
function pendingApproval({ approvalId, events }: OpenApproval, execution: ExecutionSummary): PendingApproval {
  const state = approvalState(events);
  const levels = isRouted(events) ? levelState(events) : undefined;
  const asked = levels?.status === 'pending' ? levels : undefined;
  // The subject the gate recorded (a stream from before subjects has its summary read as one).
  const subject = approvalSubjectOf(events);
  return {
    approvalId,
    executionId: execution.id,
    workflow: execution.workflow,
    title: subject?.title ?? null,
    fields: subject?.fields ?? [],
    expiresAt: asked?.deadlineAt ?? state.expiresAt ?? null,
    approverCount: asked?.approverCount ?? state.approverCount,
  };
}
