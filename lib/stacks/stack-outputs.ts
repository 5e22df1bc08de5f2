/**
 * The stack outputs the `wardflow` CLI reads with DescribeStacks (OutputKey), by meaning. Changing a
 * key breaks the CLI: these are a contract. Kept free of CDK imports so the CLI can use them.
 *
 * @example
 * const url = stack.Outputs?.find((o) => o.OutputKey === STACK_OUTPUTS.approvalSiteUrl)?.OutputValue;
 */
export const STACK_OUTPUTS = {
  eventsTableName: 'EventsTableName',
  invoiceApprovalStateMachineArn: 'InvoiceApprovalStateMachineArn',
  approvalSiteUrl: 'ApprovalSiteUrl',
  auditBucketName: 'AuditBucketName',
  alarmTopicArn: 'AlarmTopicArn',
} as const;
