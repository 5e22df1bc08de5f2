import type { Connection } from '../connection.js';
import { listExecutions } from '../executions-source.js';
import { type CliIo, printJson } from '../io.js';
import type { CommandLine } from '../options.js';
import { renderTable, tableTime } from '../table.js';

/**
 * `wardflow executions [--limit N] [--status S]`: the newest executions first, as a table of
 * id, status, started and stopped, or with --json an array of
 * `{ id, workflow, executionArn, status, startDate, stopDate }`.
 *
 * @example
 * await executionsCommand(connection, parseCommandLine(['executions', '--status', 'RUNNING']), io);
 */
export async function executionsCommand(connection: Connection, line: CommandLine, io: CliIo): Promise<number> {
  const executions = await listExecutions(connection, { limit: line.limit, ...(line.status ? { status: line.status } : {}) });
  if (line.json) {
    printJson(
      io,
      executions.map((e) => ({
        id: e.id,
        workflow: e.workflow,
        executionArn: e.executionArn,
        status: e.status,
        startDate: e.startDate.toISOString(),
        stopDate: e.stopDate?.toISOString() ?? null,
      })),
    );
    return 0;
  }
  if (executions.length === 0) {
    io.out(`No ${line.status ? `${line.status} ` : ''}executions on ${connection.where}. Start one with: wardflow start <workflow> --input <file>`);
    return 0;
  }
  for (const text of renderTable(
    ['ID', 'STATUS', 'STARTED', 'STOPPED'],
    executions.map((e) => [e.id, e.status, tableTime(e.startDate), tableTime(e.stopDate)]),
  )) {
    io.out(text);
  }
  return 0;
}
