/**
 * Every way a CLI command can fail, by name. The message says what happened and what to do
 * next; it never carries an execution's input, an email address, a task token or a secret.
 * `exitCode` is what `runCli` returns: 2 for a usage error, 1 for any other failure.
 */
export abstract class CliError extends Error {
  abstract override readonly name: string;
  readonly exitCode: 1 | 2 = 1;
}

/** The command line itself is wrong: unknown command or option, missing or malformed value. */
export class UsageError extends CliError {
  readonly name = 'UsageError';
  override readonly exitCode = 2;
  /** Whether the whole usage text helps (an unknown or missing command), or the message says it all. */
  readonly showUsage: boolean;
  constructor(message: string, options: { showUsage?: boolean } = {}) {
    super(message);
    this.showUsage = options.showUsage ?? false;
  }
}

/** No local runtime answers for the data folder: endpoints.json missing, malformed or stale. */
export class RuntimeNotRunning extends CliError {
  readonly name = 'RuntimeNotRunning';
}

/** AWS mode: the environment's CloudFormation stack does not exist where we looked. */
export class StackNotFound extends CliError {
  readonly name = 'StackNotFound';
  constructor(stackName: string, where: string) {
    super(`CloudFormation stack ${stackName} not found (${where}). Deploy it with \`npx cdk deploy\`, or pass the --env, --region or --profile it was deployed with.`);
  }
}

/** AWS mode: the stack exists but lacks an output the CLI needs. */
export class StackOutputMissing extends CliError {
  readonly name = 'StackOutputMissing';
  constructor(stackName: string, output: string) {
    super(`CloudFormation stack ${stackName} has no output ${output}. It was deployed by an older wardflow: redeploy it with \`npx cdk deploy\`.`);
  }
}

/** AWS mode: the SDK found no usable credentials or no region. */
export class CredentialsMissing extends CliError {
  readonly name = 'CredentialsMissing';
}

/** `start` named a workflow the connection does not know. */
export class WorkflowUnknown extends CliError {
  readonly name = 'WorkflowUnknown';
  constructor(workflow: string, known: readonly string[]) {
    super(`unknown workflow "${workflow}". Known workflows: ${known.length > 0 ? known.join(', ') : '(none)'}.`);
  }
}

/** `start --input`: the file cannot be read, is too large, or is not JSON. */
export class InputInvalid extends CliError {
  readonly name = 'InputInvalid';
}

/** `status`: no execution of that id in any known workflow. */
export class ExecutionNotFound extends CliError {
  readonly name = 'ExecutionNotFound';
  constructor(id: string, workflows: readonly string[]) {
    super(`no execution "${id}" in ${workflows.length === 1 ? 'workflow' : 'workflows'} ${workflows.join(', ')}. \`wardflow executions\` lists the recent ones.`);
  }
}

/** `start --name`: the name is taken (execution names are unique per state machine for 90 days). */
export class ExecutionNameTaken extends CliError {
  readonly name = 'ExecutionNameTaken';
  constructor(executionName: string) {
    super(`an execution named "${executionName}" already exists in this workflow. Pick another --name, or leave it out for a random one.`);
  }
}

/** The event history could not be proven intact; the stream is not shown. */
export class HistoryUnverified extends CliError {
  readonly name = 'HistoryUnverified';
}

/** AWS mode: neither --region nor the profile names a region. */
export class RegionMissing extends CliError {
  readonly name = 'RegionMissing';
}

/** AWS refused the call for lack of permission. */
export class AccessDenied extends CliError {
  readonly name = 'AccessDenied';
}
