import { WardflowError } from '../shared/errors.js';

/**
 * Every way a CLI command can fail, by name (on the shared base, lib/shared/errors.ts, which
 * the audit errors and HistoryUnverified extend too). The message says what happened and what
 * to do next; `exitCode` is what `runCli` returns: 2 for a usage error, 1 for any other failure.
 */

/** The command line itself is wrong: unknown command or option, missing or malformed value. */
export class UsageError extends WardflowError {
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
export class RuntimeNotRunning extends WardflowError {
  readonly name = 'RuntimeNotRunning';
}

/** AWS mode: the environment's CloudFormation stack does not exist where we looked. */
export class StackNotFound extends WardflowError {
  readonly name = 'StackNotFound';
  constructor(stackName: string, where: string) {
    super(`CloudFormation stack ${stackName} not found (${where}). Deploy it with \`npx cdk deploy\`, or pass the --env, --region or --profile it was deployed with.`);
  }
}

/** AWS mode: the stack exists but lacks an output the CLI needs. */
export class StackOutputMissing extends WardflowError {
  readonly name = 'StackOutputMissing';
  constructor(stackName: string, output: string) {
    super(`CloudFormation stack ${stackName} has no output ${output}. It was deployed by an older wardflow: redeploy it with \`npx cdk deploy\`.`);
  }
}

/** AWS mode: the SDK found no usable credentials or no region. */
export class CredentialsMissing extends WardflowError {
  readonly name = 'CredentialsMissing';
}

/** `start` named a workflow the connection does not know. */
export class WorkflowUnknown extends WardflowError {
  readonly name = 'WorkflowUnknown';
  constructor(workflow: string, known: readonly string[]) {
    super(`unknown workflow "${workflow}". Known workflows: ${known.length > 0 ? known.join(', ') : '(none)'}.`);
  }
}

/** `start --input`: the file cannot be read, is too large, or is not JSON. */
export class InputInvalid extends WardflowError {
  readonly name = 'InputInvalid';
}

/** `status`: no execution of that id in any known workflow. */
export class ExecutionNotFound extends WardflowError {
  readonly name = 'ExecutionNotFound';
  constructor(id: string, workflows: readonly string[]) {
    super(`no execution "${id}" in ${workflows.length === 1 ? 'workflow' : 'workflows'} ${workflows.join(', ')}. \`wardflow executions\` lists the recent ones.`);
  }
}

/**
 * A bare execution name (no `<workflow>:`) that more than one workflow has an execution of:
 * execution names are unique per state machine only. Lists the qualified ids to use instead.
 */
export class ExecutionAmbiguous extends WardflowError {
  readonly name = 'ExecutionAmbiguous';
  constructor(executionName: string, ids: readonly string[]) {
    super(`executions named "${executionName}" exist in ${ids.length} workflows; name one with its workflow: ${ids.join(', ')}`);
  }
}

/** `start --name`: the name is taken (execution names are unique per state machine for 90 days). */
export class ExecutionNameTaken extends WardflowError {
  readonly name = 'ExecutionNameTaken';
  constructor(executionName: string) {
    super(`an execution named "${executionName}" already exists in this workflow. Pick another --name, or leave it out for a random one.`);
  }
}

/** AWS mode: neither --region nor the profile names a region. */
export class RegionMissing extends WardflowError {
  readonly name = 'RegionMissing';
}

/** AWS refused the call for lack of permission. */
export class AccessDenied extends WardflowError {
  readonly name = 'AccessDenied';
}
