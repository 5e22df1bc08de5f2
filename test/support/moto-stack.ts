/**
 * A CloudFormation template moto can create that stands in for a deployed `wardflow-<env>`
 * stack as the CLI sees it: the events table with its real key schema, a state machine that
 * never ends (moto does not run it), and the outputs the real stack has (stack-outputs.ts).
 * moto has no NodejsFunction bundles or Object Lock in CloudFormation, so the rest is left out.
 *
 * @example
 * const template = wardflowStackTemplate('dev', { AuditBucketName: { Value: 'audit' } });
 * await cloudFormation.send(new CreateStackCommand({ StackName: 'wardflow-dev', TemplateBody: JSON.stringify(template) }));
 */
export function wardflowStackTemplate(environment: string, extraOutputs: Record<string, { Value: unknown }> = {}) {
  return {
    Resources: {
      Events: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          TableName: `wardflow-${environment}-events`,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'stream', AttributeType: 'S' },
            { AttributeName: 'version', AttributeType: 'N' },
          ],
          KeySchema: [
            { AttributeName: 'stream', KeyType: 'HASH' },
            { AttributeName: 'version', KeyType: 'RANGE' },
          ],
        },
      },
      InvoiceApproval: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: `wardflow-${environment}-invoice-approval`,
          RoleArn: `arn:aws:iam::123456789012:role/wardflow-${environment}-states`,
          DefinitionString: JSON.stringify({ StartAt: 'Wait', States: { Wait: { Type: 'Pass', End: true } } }),
        },
      },
    },
    Outputs: {
      EventsTableName: { Value: { Ref: 'Events' } } as { Value: unknown },
      InvoiceApprovalStateMachineArn: { Value: { Ref: 'InvoiceApproval' } } as { Value: unknown },
      ...extraOutputs,
    },
  };
}
