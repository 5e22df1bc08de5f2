import type { Connection } from '../connection.js';
import { listExecutionPage } from '../executions-source.js';
import { type CliIo, printJson } from '../io.js';
import type { CommandLine } from '../options.js';
import { renderTable, tableTime } from '../table.js';
import { terminalText } from '../terminal-text.js';

/**
 * `wardflow executions [--limit N] [--status S] [--next-token T]`: the newest executions
 * first, read page by page up to --limit, as a table of id, workflow, status, started and stopped, or
 * with --json `{ executions: [{ id, workflow, executionArn, status, startDate, stopDate }],
 * nextToken }`. When more remain, the token that lists the ones after these is printed (in the
 * table output as a last line, with --json as `nextToken`, else null); --next-token goes on
 * from there.
 *
 * @example
 * await executionsCommand(connection, parseCommandLine(['executions', '--status', 'RUNNING']), io);
 */
export async function executionsCommand(connection: Connection, line: CommandLine, io: CliIo): Promise<number> {
  const { executions, nextToken } = await listExecutionPage(connection, {
    limit: line.limit,
    ...(line.status ? { status: line.status } : {}),
    ...(line.nextToken ? { nextToken: line.nextToken } : {}),
  });
  if (line.json) {
    printJson(io, {
      executions: executions.map((e) => ({
        id: e.id,
        name: e.name,
        workflow: e.workflow,
        executionArn: e.executionArn,
        status: e.status,
        startDate: e.startDate.toISOString(),
        stopDate: e.stopDate?.toISOString() ?? null,
      })),
      nextToken: nextToken ?? null,
    });
    return 0;
  }
  if (executions.length === 0) {
    const none = line.nextToken ? 'No more' : 'No';
    io.out(`${none} ${line.status ? `${line.status} ` : ''}executions on ${connection.where}.${line.nextToken ? '' : ' Start one with: wardflow start <workflow> --input <file>'}`);
    return 0;
  }
  for (const text of renderTable(
    ['ID', 'WORKFLOW', 'STATUS', 'STARTED', 'STOPPED'],
    // Names come from Step Functions (or a local runtime): flattened all the same, as every recorded text is.
    executions.map((e) => [terminalText(e.id), terminalText(e.workflow), e.status, tableTime(e.startDate), tableTime(e.stopDate)]),
  )) {
    io.out(text);
  }
  if (nextToken) io.out(`More remain: add --next-token ${nextToken} for the next ones.`);
  return 0;
}
