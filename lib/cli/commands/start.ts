import { randomUUID } from 'node:crypto';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Connection } from '../connection.js';
import { ExecutionNameTaken, WorkflowUnknown } from '../errors.js';
import { readExecutionInput } from '../input.js';
import { type CliIo, printJson } from '../io.js';
import type { CommandLine } from '../options.js';
import { starterIdentity } from '../starter-identity.js';
import { checkWorkflowInput } from '../workflow-input.js';
import { PLATFORM_INPUT_FIELD, withStarter } from '../../../functions/record-start/started-by.js';
import { InputInvalid } from '../errors.js';
import { executionNameOf } from '../../shared/execution-arn.js';
import { qualifiedExecutionId } from '../../../functions/shared/events/execution-id.js';

/**
 * `wardflow start <workflow> --input <file|-> [--name NAME]`: starts an execution and prints
 * its id (the execution name, which keys its event stream). The hint on how to follow it goes
 * to stderr, so `id=$(wardflow start ...)` captures the id alone.
 *
 * The execution records who started it: the input goes out with the platform's field
 * `wardflow: { startedBy }` (functions/record-start/started-by.ts), the caller's ARN from STS
 * GetCallerIdentity on AWS or `local:<OS user>` locally, which RecordStart takes out before the
 * workflow's input check and seals in ExecutionStarted (in clear: the account and principal type).
 *
 * @example
 * await startCommand(connection, parseCommandLine(['start', 'invoice-approval', '--input', 'examples/invoice-small.json']), io);
 */
export async function startCommand(connection: Connection, line: CommandLine, io: CliIo): Promise<number> {
  const workflow = line.args[0] as string;
  const stateMachineArn = connection.workflows[workflow];
  if (stateMachineArn === undefined) throw new WorkflowUnknown(workflow, Object.keys(connection.workflows));
  const input = await readExecutionInput(line.input as string, io.stdin ?? process.stdin);
  // What the workflow's first step would refuse is refused here, before an execution exists.
  if (Object.hasOwn(input.document, PLATFORM_INPUT_FIELD)) {
    throw new InputInvalid(`the input from ${input.label} has a field "${PLATFORM_INPUT_FIELD}", which the platform reserves (who started the execution); rename it.`);
  }
  await checkWorkflowInput(workflow, input, connection.tier);
  const startedBy = await starterIdentity(connection);
  // Our own default name: Step Functions would pick a UUID too, but the id must be known for the event stream either way.
  const name = line.name ?? randomUUID();
  let started: { executionArn?: string; startDate?: Date };
  try {
    started = await connection.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: withStarter(input.text, startedBy) }));
  } catch (error) {
    if ((error as { name?: unknown } | null)?.name === 'ExecutionAlreadyExists') throw new ExecutionNameTaken(name);
    throw error;
  }
  const executionArn = started.executionArn ?? '';
  const executionName = executionArn ? executionNameOf(executionArn) : name;
  // The id its streams are keyed by, and that status takes: `<workflow>:<name>` (functions/shared/events/execution-id.ts).
  const id = qualifiedExecutionId(workflow, executionName);
  if (line.json) {
    printJson(io, { executionId: id, executionName, executionArn, workflow, startDate: started.startDate?.toISOString() ?? null });
  } else {
    io.out(id);
    io.err(`Started ${workflow} execution ${id} on ${connection.where}. Follow it with: wardflow status ${id}`);
  }
  return 0;
}
