import { safeErrorName } from '../../functions/shared/errors.js';
import { approvalsCommand } from './commands/approvals.js';
import { auditExportCommand } from './commands/audit-export.js';
import { auditVerifyCommand } from './commands/audit-verify.js';
import { docsCommand } from './commands/docs.js';
import { doctorCommand } from './commands/doctor.js';
import { executionsCommand } from './commands/executions.js';
import { guardScanCommand } from './commands/guard-scan.js';
import { startCommand } from './commands/start.js';
import { statusCommand } from './commands/status.js';
import { connect, type Connection } from './connection.js';
import { WardflowError } from '../shared/errors.js';
import { UsageError } from './errors.js';
import { type CliIo, processIo, terminalSafeIo } from './io.js';
import { type CliCommand, type CommandLine, parseCommandLine } from './options.js';
import { asCliError, type CallContext } from './sdk-errors.js';
import { CLI_USAGE } from './usage.js';

export { CLI_COMMANDS, type CliCommand } from './options.js';
export { CLI_COMMANDS_HELP, CLI_OPTIONS_HELP, CLI_USAGE } from './usage.js';
export type { CliIo } from './io.js';

type Command = (connection: Connection, line: CommandLine, io: CliIo) => Promise<number>;

/** Commands that need no connection: `docs` reads this checkout, `doctor` reads a stack's resources with clients of its own, `guard scan` a local file. */
const STANDALONE: Record<'docs' | 'doctor' | 'guard', (line: CommandLine, io: CliIo) => Promise<number>> = {
  docs: docsCommand,
  doctor: (line, io) => doctorCommand(line, io),
  guard: guardScanCommand,
};

const COMMANDS: Record<Exclude<CliCommand, 'help' | 'docs' | 'doctor' | 'guard'>, Command> = {
  start: startCommand,
  executions: executionsCommand,
  status: statusCommand,
  approvals: approvalsCommand,
  audit: (connection, line, io) => (line.audit?.action === 'export' ? auditExportCommand : auditVerifyCommand)(connection, line, io),
};

/**
 * Runs one CLI command (`start`, `executions`, `status`, `approvals`, `audit verify`,
 * `audit export`, `docs`, `doctor`, `guard scan`, `help`) and returns its exit code: 0 ok (for `audit verify`: verified), 1 failed
 * (for `audit verify`: a problem was found), 2 usage error. Errors go to `io.err` (with --json as one JSON
 * document `{ "error": { "name", "message" } }`); stdout carries only the result.
 * `options.usage` replaces {@link CLI_USAGE} where the help is printed (`help`, an unknown or
 * missing command), for a caller whose CLI has more commands.
 *
 * @example
 * process.exitCode = await runCli(['executions', '--status', 'RUNNING']);
 */
export async function runCli(argv: string[], rawIo: CliIo = processIo, options: { usage?: string } = {}): Promise<number> {
  // The last guard: recorded text (a model's reading of a document) reaches the terminal through no other way.
  const io = terminalSafeIo(rawIo);
  const usageText = options.usage ?? CLI_USAGE;
  let line: CommandLine;
  try {
    line = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const usage = error;
    io.err(`wardflow: ${usage.message}`);
    io.err(usage.showUsage ? `\n${usageText}` : 'Run `wardflow help` for the commands and their options.');
    return 2;
  }
  if (line.command === 'help') {
    io.out(usageText);
    return 0;
  }

  if (line.command === 'docs' || line.command === 'doctor' || line.command === 'guard') {
    try {
      return await STANDALONE[line.command](line, io);
    } catch (error) {
      const failure = asCliError(error, { mode: 'aws', where: 'AWS', ...(line.target.mode === 'aws' ? { profile: line.target.profile } : {}) });
      reportFailure(io, failure, line.json);
      return failure instanceof WardflowError ? failure.exitCode : 1;
    }
  }

  let context: CallContext = line.target.mode === 'local' ? { mode: 'local', where: 'the local runtime' } : { mode: 'aws', where: 'AWS', profile: line.target.profile };
  let connection: Connection | undefined;
  try {
    connection = await connect(line.target);
    context = { ...context, where: connection.where };
    return await COMMANDS[line.command](connection, line, io);
  } catch (error) {
    const failure = asCliError(error, context);
    reportFailure(io, failure, line.json);
    return failure instanceof WardflowError ? failure.exitCode : 1;
  } finally {
    connection?.close();
  }
}

/** A CLI error by its message; anything unexpected by its name and message (the SDK's messages carry no input values). */
function reportFailure(io: CliIo, error: unknown, json: boolean): void {
  const name = error instanceof WardflowError ? error.name : safeErrorName(error, 'UnexpectedError');
  const message = error instanceof Error ? error.message : 'an unexpected failure';
  if (json) io.err(JSON.stringify({ error: { name, message } }));
  else io.err(error instanceof WardflowError ? `wardflow: ${message}` : `wardflow: ${name}: ${message}`);
}
