/**
 * The stack outputs the `wardflow` CLI reads with DescribeStacks (OutputKey), by meaning. Changing a
 * key breaks the CLI: these are a contract. Kept free of CDK imports so the CLI can use them.
 *
 * @example
 * const url = stack.Outputs?.find((o) => o.OutputKey === STACK_OUTPUTS.approvalSiteUrl)?.OutputValue;
 */
export const STACK_OUTPUTS = {
  eventsTableName: 'EventsTableName',
  approvalSiteUrl: 'ApprovalSiteUrl',
  auditBucketName: 'AuditBucketName',
  alarmTopicArn: 'AlarmTopicArn',
  /** The environment's tier (dev, prod): `wardflow start` refuses input marked as real data outside prod, as record-start does. */
  environmentTier: 'EnvironmentTier',
} as const;

/** Every workflow's state machine ARN is an output `<PascalName>StateMachineArn`; the CLI finds workflows by this suffix. */
export const WORKFLOW_OUTPUT_SUFFIX = 'StateMachineArn';

/**
 * The output key of a workflow's state machine ARN.
 *
 * @example
 * workflowStackOutput('invoice-approval'); // 'InvoiceApprovalStateMachineArn'
 */
export function workflowStackOutput(workflowName: string): string {
  return `${workflowName.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('')}${WORKFLOW_OUTPUT_SUFFIX}`;
}

/**
 * The workflow an output key names, or undefined when the key is not a workflow's.
 *
 * @example
 * workflowOfStackOutput('InvoiceApprovalStateMachineArn'); // 'invoice-approval'
 */
export function workflowOfStackOutput(outputKey: string): string | undefined {
  if (!outputKey.endsWith(WORKFLOW_OUTPUT_SUFFIX)) return undefined;
  const pascal = outputKey.slice(0, -WORKFLOW_OUTPUT_SUFFIX.length);
  if (!/^(?:[A-Z][a-z0-9]*)+$/.test(pascal)) return undefined;
  return pascal.replace(/(?!^)([A-Z])/g, '-$1').toLowerCase();
}
