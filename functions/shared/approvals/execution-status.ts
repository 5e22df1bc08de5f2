import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { ConfigurationInvalid, safeErrorName } from '../errors.js';
import { splitExecutionId } from '../events/execution-id.js';
import { stepFunctions } from './step-functions-client.js';

/**
 * Whether the execution an approval belongs to can still take a decision. A decision is only
 * worth recording while Step Functions still runs the execution: a gate that is waiting takes
 * it now, and a gate that is about to run again (a retried task, a restarted local runtime)
 * reads it from the record. Once the execution ended, nothing will ever act on it.
 */
export type ExecutionCheck =
  | { state: 'running' }
  /** `executionStatus`: SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE, or NOT_FOUND when Step Functions knows no such execution. */
  | { state: 'ended'; executionStatus: string }
  /** Step Functions did not answer (unreachable, throttled, access denied): nothing can be said, so nothing may be decided. `errorName` is for the logs. */
  | { state: 'unknown'; errorName: string };

/** What Step Functions calls a state machine: `arn:<partition>:states:<region>:<account>:stateMachine:<name>`. */
const STATE_MACHINE_ARN = /^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;
/** A status as Step Functions spells them; anything else is reported as UNRECOGNISED, never echoed. */
const STATUS = /^[A-Z_]{1,32}$/;

/**
 * The ARN of an execution of a state machine: Step Functions names executions
 * `arn:...:execution:<state machine name>:<execution name>`, and wardflow's execution ids are
 * `<workflow>:<execution name>` (or, written before ids were qualified, the bare name): the
 * ARN takes the name alone. Throws ConfigurationInvalid when `stateMachineArn`
 * (STATE_MACHINE_ARN) is not a state machine ARN.
 *
 * @example
 * executionArnOf('arn:aws:states:eu-west-1:111122223333:stateMachine:wardflow-dev-purchase-approval', 'purchase-approval:exec-42');
 * // 'arn:aws:states:eu-west-1:111122223333:execution:wardflow-dev-purchase-approval:exec-42'
 */
export function executionArnOf(stateMachineArn: string, executionId: string): string {
  if (!STATE_MACHINE_ARN.test(stateMachineArn)) throw new ConfigurationInvalid('STATE_MACHINE_ARN is not the ARN of a state machine');
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${splitExecutionId(executionId).name}`;
}

/**
 * Asks Step Functions (DescribeExecution, metadata only: no input or output is read, and
 * none needs the state machine's key) whether the execution still runs. Never throws for
 * what Step Functions answers: an unknown execution is `ended` with NOT_FOUND, any failure
 * to get an answer is `unknown`; only a malformed STATE_MACHINE_ARN throws.
 *
 * @example
 * const check = await checkExecution(process.env.STATE_MACHINE_ARN!, 'exec-42');
 * if (check.state === 'ended') { ... refuse: the execution ended check.executionStatus ... }
 */
export async function checkExecution(stateMachineArn: string, executionId: string): Promise<ExecutionCheck> {
  const executionArn = executionArnOf(stateMachineArn, executionId);
  let status: string | undefined;
  try {
    ({ status } = await stepFunctions().send(new DescribeExecutionCommand({ executionArn, includedData: 'METADATA_ONLY' })));
  } catch (error) {
    const name = safeErrorName(error, 'UnknownError');
    if (name === 'ExecutionDoesNotExist') return { state: 'ended', executionStatus: 'NOT_FOUND' };
    return { state: 'unknown', errorName: name };
  }
  if (status === 'RUNNING') return { state: 'running' };
  if (status === undefined) return { state: 'unknown', errorName: 'NoStatus' };
  return { state: 'ended', executionStatus: STATUS.test(status) ? status : 'UNRECOGNISED' };
}
