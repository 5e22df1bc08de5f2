import type { Connection } from '../connection.js';
import type { CliIo } from '../io.js';
import type { CommandLine } from '../options.js';
import { findPendingApprovals, type LeftOutApproval } from '../pending-approvals.js';
import { renderTable, tableTime } from '../table.js';
import { terminalSafeJson, terminalText } from '../terminal-text.js';

export type { PendingApproval } from '../pending-approvals.js';

/** Left-out approvals named one by one in the note; beyond this many, only counted. */
const NAMED_LEFT_OUT = 5;
/** A title longer than this is cut in the table (in full with --json). */
const TABLE_TITLE_LENGTH = 60;

/**
 * `wardflow approvals`: the approvals waiting for a human that can still be decided, as a
 * table (approval, execution, workflow, the subject's title, expiry, number of approvers) or
 * with --json an array of {@link PendingApproval} (`{ approvalId, executionId, workflow, title,
 * fields, expiresAt, approverCount }`). Titles and fields are recorded text, possibly a model's:
 * the table prints them with control characters flattened, and the JSON escapes every control
 * character, so a terminal never obeys one. Approvals whose execution is no longer
 * running are left out (nothing can resume them; the approval page refuses their links), and
 * a note says how many and how their executions ended: after the table, or on stderr with
 * --json so that stdout stays one JSON document. Exits 1 when a stream failed verification
 * (reported on stderr).
 *
 * @example
 * await approvalsCommand(connection, parseCommandLine(['approvals', '--json']), io);
 */
export async function approvalsCommand(connection: Connection, line: CommandLine, io: CliIo): Promise<number> {
  const { pending, endedExecutions, unverified } = await findPendingApprovals(connection);
  if (line.json) {
    // One call, so nothing can interleave with the document.
    io.out(terminalSafeJson(pending));
  } else if (pending.length === 0) {
    io.out(`No approvals are waiting on ${connection.where}.`);
  } else {
    const rows = pending.map((p) => [
      p.approvalId,
      p.executionId,
      p.workflow,
      p.title === null ? '-' : terminalText(p.title, TABLE_TITLE_LENGTH) || '-',
      p.expiresAt === null ? '-' : tableTime(p.expiresAt),
      String(p.approverCount),
    ]);
    for (const text of renderTable(['APPROVAL', 'EXECUTION', 'WORKFLOW', 'SUBJECT', 'EXPIRES', 'APPROVERS'], rows)) io.out(text);
  }
  if (endedExecutions.length > 0) {
    const note = leftOutNote(endedExecutions);
    if (line.json) io.err(`wardflow: ${note}`);
    else io.out(note);
  }
  for (const problem of unverified) io.err(`wardflow: ${problem.message}`);
  return unverified.length === 0 ? 0 : 1;
}

/**
 * One line saying how many pending approvals were left out because their execution ended,
 * naming the first few with how each ended.
 *
 * @example
 * leftOutNote([{ approvalId: 'inv-1-1', executionId: 'inv-1', executionStatus: 'ABORTED' }]);
 * // '1 approval left out because its execution ended: inv-1-1 (execution inv-1 ABORTED). `wardflow status <execution>` shows its history.'
 */
export function leftOutNote(leftOut: readonly LeftOutApproval[]): string {
  const named = leftOut.slice(0, NAMED_LEFT_OUT).map((a) => `${a.approvalId} (execution ${a.executionId} ${a.executionStatus})`);
  const more = leftOut.length > NAMED_LEFT_OUT ? ` and ${leftOut.length - NAMED_LEFT_OUT} more` : '';
  const one = leftOut.length === 1;
  return `${leftOut.length} ${one ? 'approval' : 'approvals'} left out because ${one ? 'its execution' : 'their executions'} ended: ${named.join(', ')}${more}. \`wardflow status <execution>\` shows ${one ? 'its' : 'their'} history.`;
}
