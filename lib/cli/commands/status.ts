import { approvalStream, type StoredEvent } from '../../../functions/shared/events/event.js';
import { approvalState, executionState } from '../../../functions/shared/events/fold.js';
import { approvalIdFor, ApprovalIdSchema } from '../../../functions/shared/approvals/approval-id.js';
import type { Connection } from '../connection.js';
import { openEventReader, readExecutionEvents, readStream } from '../../shared/event-reader.js';
import { displayActor, summarizeEvent } from '../event-summary.js';
import { describeExecution, type ExecutionDescription } from '../executions-source.js';
import { type CliIo, printJson } from '../io.js';
import { maskEmails, maskJson } from '../../shared/mask.js';
import type { CommandLine } from '../options.js';
import { alignColumns, renderTable, tableTime } from '../table.js';
import { terminalText } from '../terminal-text.js';

/** One verified stream of an execution's history, as `status` shows it. */
export interface HistoryStream {
  stream: string;
  /** The fold of the stream: `waiting-for-approval`, `pending`, `approved`, ... */
  state: string;
  events: StoredEvent[];
}

/**
 * `wardflow status <execution-id|name|arn>`: what Step Functions says (status, start, stop, error
 * name; never input, output or cause) and the execution's recorded history: its stream
 * `execution#<workflow>:<name>` (or `execution#<name>`, written before ids were qualified) and the
 * streams of the approvals it names, each with the hash chain
 * verified. Sealed parts are shown as sealed, never opened (approvers' addresses are among
 * them: a request shows how many approvers, a decision which one by number); any address in
 * clear text (a caller's `source`) is masked.
 *
 * @example
 * await statusCommand(connection, parseCommandLine(['status', 'invoice-approval:invoice-large-450c9d63']), io);
 */
export async function statusCommand(connection: Connection, line: CommandLine, io: CliIo): Promise<number> {
  const execution = await describeExecution(connection, line.args[0] as string);
  const history = await readHistory(connection, execution.id);
  if (line.json) {
    printJson(io, {
      execution: {
        id: execution.id,
        workflow: execution.workflow,
        executionArn: execution.executionArn,
        status: execution.status,
        startDate: execution.startDate.toISOString(),
        stopDate: execution.stopDate?.toISOString() ?? null,
        error: execution.error ?? null,
      },
      history: history.map((part) => ({ stream: part.stream, state: part.state, verified: true, events: part.events.map(eventJson) })),
    });
  } else {
    printHuman(io, execution, history);
  }
  return 0;
}

/**
 * The execution's stream and the streams of its approvals: those its stream names
 * (ApprovalRequested, ApprovalAutoDecided) and its first gate's (a gate whose policy auto-decides records
 * that only in the approval's stream). Empty approval streams are left out.
 */
export async function readHistory(connection: Pick<Connection, 'dynamodb' | 'eventsTable'>, id: string): Promise<HistoryStream[]> {
  const store = openEventReader(connection);
  // The id the stream is keyed by: a stream from before ids were qualified is read under its bare name, and so are its approvals.
  const { executionId, stream, events } = await readExecutionEvents(store, id);
  const history: HistoryStream[] = [{ stream, state: executionState(events).status, events }];
  for (const approvalId of approvalIdsOf(events, executionId)) {
    const approvalEvents = await readStream(store, approvalStream(approvalId));
    if (approvalEvents.length > 0) history.push({ stream: approvalStream(approvalId), state: approvalState(approvalEvents).status, events: approvalEvents });
  }
  return history;
}

function approvalIdsOf(events: readonly StoredEvent[], executionId: string): string[] {
  const named = events
    .filter((e) => e.type === 'ApprovalRequested' || e.type === 'ApprovalAutoDecided')
    .map((e) => e.data.approvalId);
  const ids = new Set<string>();
  for (const id of [...named, approvalIdFor(executionId)]) {
    // Ids name streams: only well-formed ones are read.
    if (ApprovalIdSchema.safeParse(id).success) ids.add(id as string);
  }
  return [...ids];
}

function eventJson(event: StoredEvent) {
  return {
    version: event.version,
    time: event.time,
    type: event.type,
    actor: maskEmails(event.actor),
    summary: summarizeEvent(event),
    data: maskJson(event.data),
    sealed: event.sealed !== null,
    hash: event.hash,
  };
}

function printHuman(io: CliIo, execution: ExecutionDescription, history: readonly HistoryStream[]): void {
  const facts: [string, string][] = [
    ['Execution', terminalText(execution.id)],
    ['Workflow', terminalText(execution.workflow)],
    ['Status', execution.status],
    ['Started', tableTime(execution.startDate)],
    ['Stopped', tableTime(execution.stopDate)],
  ];
  if (execution.error) facts.push(['Error', execution.error]);
  for (const text of alignColumns(facts)) io.out(text);
  for (const part of history) {
    io.out('');
    const count = `${part.events.length} ${part.events.length === 1 ? 'event' : 'events'}`;
    if (part.events.length === 0) {
      io.out(`${part.stream}: no events recorded yet`);
      continue;
    }
    io.out(`${terminalText(part.stream)}: ${terminalText(part.state)} (${count}, hash chain verified)`);
    // Recorded text (a vendor's name, a gate's title: possibly a model's reading of a document) is
    // flattened per cell, so neither a control character nor a line break in it reaches the terminal.
    const rows = part.events.map((e) => [String(e.version), tableTime(e.time), terminalText(e.type), terminalText(displayActor(e.actor)), e.sealed === null ? '' : 'sealed', terminalText(summarizeEvent(e))]);
    for (const text of renderTable(['VERSION', 'TIME', 'TYPE', 'ACTOR', 'SEALED', 'DATA'], rows)) io.out(text);
  }
}
