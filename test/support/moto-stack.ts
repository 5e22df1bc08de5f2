import { vi } from 'vitest';
import { TEST_CREDENTIALS } from './dynalite.js';

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

/**
 * Points the CLI's default credential chain at moto, as it would reach LocalStack: the SDK's own
 * AWS_ENDPOINT_URL and environment credentials, no profile, no instance metadata. Undone by
 * `vi.unstubAllEnvs()`.
 *
 * @example
 * beforeAll(() => cliReachesMoto(moto().endpoint));
 */
export function cliReachesMoto(endpoint: string): void {
  vi.stubEnv('AWS_ENDPOINT_URL', endpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', TEST_CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', TEST_CREDENTIALS.secretAccessKey);
  vi.stubEnv('AWS_PROFILE', undefined);
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
}
