import { approvalStream, executionStream, type Json, type StoredEvent } from '../../../functions/shared/events/event.js';
import type { EventStore } from '../../../functions/shared/events/store.js';
import { approvalState } from '../../../functions/shared/events/fold.js';
import type { Connection } from '../connection.js';
import { HistoryUnverified } from '../errors.js';
import { openEventReader, readStream } from '../event-reader.js';
import { listExecutions, type ExecutionSummary } from '../executions-source.js';
import { type CliIo, printJson } from '../io.js';
import type { CommandLine } from '../options.js';
import { renderTable, tableTime } from '../table.js';

/** An approval that waits for a human, as `approvals` lists it. Approvers are counted, never named: their addresses are sealed. */
export interface PendingApproval {
  approvalId: string;
  executionId: string;
  workflow: string;
  vendor: string | null;
  invoiceNumber: string | null;
  amount: string | null;
  currency: string | null;
  requestedAt: string | null;
  expiresAt: string | null;
  approverCount: number;
}

/**
 * Pending approvals: for each RUNNING execution, the approval its stream last asked for
 * (ApprovalRequested), when that approval's stream folds to `pending`. Streams are read with
 * their hash chains verified; a stream that fails verification is reported in `unverified`
 * and its approval is not listed.
 *
 * @example
 * const { pending, unverified } = await findPendingApprovals(connection);
 */
export async function findPendingApprovals(connection: Pick<Connection, 'sfn' | 'workflows' | 'dynamodb' | 'eventsTable'>): Promise<{ pending: PendingApproval[]; unverified: HistoryUnverified[] }> {
  const store = openEventReader(connection);
  const running = await listExecutions(connection, { status: 'RUNNING', limit: Number.POSITIVE_INFINITY });
  const pending: PendingApproval[] = [];
  const unverified: HistoryUnverified[] = [];
  for (const execution of running) {
    try {
      const approval = await pendingApprovalOf(store, execution);
      if (approval) pending.push(approval);
    } catch (error) {
      if (!(error instanceof HistoryUnverified)) throw error;
      unverified.push(error);
    }
  }
  return { pending, unverified };
}

async function pendingApprovalOf(store: EventStore, execution: ExecutionSummary): Promise<PendingApproval | undefined> {
  const events = await readStream(store, executionStream(execution.id));
  const approvalId = events.findLast((e) => e.type === 'ApprovalRequested' && typeof e.data.approvalId === 'string')?.data.approvalId;
  if (typeof approvalId !== 'string') return undefined;
  const approvalEvents = await readStream(store, approvalStream(approvalId));
  const state = approvalState(approvalEvents);
  // The approval must be this execution's: a stream can only name, not prove, whose approval it is.
  if (state.status !== 'pending' || state.executionId !== execution.id) return undefined;
  const summary = requestSummary(approvalEvents);
  return {
    approvalId,
    executionId: execution.id,
    workflow: execution.workflow,
    vendor: text(summary.vendor),
    invoiceNumber: text(summary.invoiceNumber),
    amount: text(summary.amount),
    currency: text(summary.currency),
    requestedAt: state.requestedAt ?? null,
    expiresAt: state.expiresAt ?? null,
    approverCount: state.approverCount,
  };
}

/** What the gate recorded about the invoice when it asked (request-approval's `summary`). */
function requestSummary(events: readonly StoredEvent[]): { [key: string]: Json } {
  const summary = events.find((e) => e.type === 'ApprovalRequested')?.data.summary;
  return summary !== null && typeof summary === 'object' && !Array.isArray(summary) ? summary : {};
}

function text(value: Json | undefined): string | null {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

/**
 * `wardflow approvals`: the approvals waiting for a human, as a table (approval, execution,
 * vendor, invoice, amount, currency, expiry, number of approvers) or with --json an array of
 * {@link PendingApproval}. Exits 1 when a stream failed verification (reported on stderr).
 *
 * @example
 * await approvalsCommand(connection, parseCommandLine(['approvals', '--json']), io);
 */
export async function approvalsCommand(connection: Connection, line: CommandLine, io: CliIo): Promise<number> {
  const { pending, unverified } = await findPendingApprovals(connection);
  if (line.json) {
    printJson(io, pending);
  } else if (pending.length === 0) {
    io.out(`No approvals are waiting on ${connection.where}.`);
  } else {
    const rows = pending.map((p) => [
      p.approvalId,
      p.executionId,
      p.vendor ?? '-',
      p.invoiceNumber ?? '-',
      p.amount ?? '-',
      p.currency ?? '-',
      p.expiresAt === null ? '-' : tableTime(p.expiresAt),
      String(p.approverCount),
    ]);
    for (const text of renderTable(['APPROVAL', 'EXECUTION', 'VENDOR', 'INVOICE', 'AMOUNT', 'CURRENCY', 'EXPIRES', 'APPROVERS'], rows)) io.out(text);
  }
  for (const problem of unverified) io.err(`wardflow: ${problem.message}`);
  return unverified.length === 0 ? 0 : 1;
}
