/**
 * The ARN of an execution from its state machine's ARN and its name, as Step Functions forms
 * it (`arn:aws:states:<region>:<account>:stateMachine:<machine>` →
 * `arn:aws:states:<region>:<account>:execution:<machine>:<name>`).
 *
 * @example
 * executionArnOf('arn:aws:states:us-east-1:000000000000:stateMachine:invoice-approval', 'e-1');
 * // 'arn:aws:states:us-east-1:000000000000:execution:invoice-approval:e-1'
 */
export function executionArnOf(stateMachineArn: string, executionName: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${executionName}`;
}

/**
 * The execution's name (wardflow's execution id, which keys its event stream) from its ARN.
 *
 * @example
 * executionNameOf('arn:aws:states:us-east-1:000000000000:execution:invoice-approval:e-1'); // 'e-1'
 */
export function executionNameOf(executionArn: string): string {
  return executionArn.slice(executionArn.lastIndexOf(':') + 1);
}

/** The state machine ARN an execution ARN belongs to. */
export function stateMachineArnOf(executionArn: string): string {
  return executionArn.slice(0, executionArn.lastIndexOf(':')).replace(':execution:', ':stateMachine:');
}

/**
 * Execution names as Step Functions accepts them: 1 to 80 characters, no whitespace, no
 * wildcards or brackets, none of `"#%\^|~\`$&,;:/` and no control characters. Checked before
 * a name goes into an ARN, so a stray `:` cannot point the call at another resource. This is
 * what `status` and `audit export` may be asked about (an execution started outside wardflow);
 * the names wardflow gives (`start --name`, the local runtime) follow the narrower rule of
 * lib/execution-name.ts.
 */
export const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;
