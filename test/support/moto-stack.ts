import { vi } from 'vitest';
import { TEST_CREDENTIALS } from './dynalite.js';

/** The events table as the stack has it (`stream` + `version` keys), with extra properties. */
function eventsTable(environment: string, extra: Record<string, unknown> = {}) {
  return {
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
      ...extra,
    },
  };
}

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
      Events: eventsTable(environment),
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

/**
 * What `wardflow doctor` reads of a deployed stack, as moto can create it through CloudFormation:
 * the alarm topic with an e-mail subscription (moto confirms every subscription at once), two
 * symmetric keys (one with rotation on, one off, as someone might leave it), the events table
 * with its stream, and the audit archiver's function (a stub: moto never runs it) with its
 * event-source mapping on that stream. moto's CloudFormation has no AWS::SecretsManager::Secret:
 * the doctor tests create secrets through Secrets Manager itself.
 *
 * @example
 * await cloudFormation.send(new CreateStackCommand({ StackName: 'wardflow-ops', TemplateBody: JSON.stringify(doctorStackTemplate('ops')) }));
 */
export function doctorStackTemplate(environment: string, options: { subscriber?: string; mappingEnabled?: boolean } = {}) {
  // As a JSON string: moto keeps an object policy as given and then fails (HTTP 500) on DescribeKey; AWS accepts either.
  const keyPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:root' }, Action: 'kms:*', Resource: '*' }] };
  return {
    Resources: {
      AlarmsTopic: {
        Type: 'AWS::SNS::Topic',
        Properties: { TopicName: `wardflow-${environment}-alarms`, Subscription: options.subscriber === undefined ? [] : [{ Protocol: 'email', Endpoint: options.subscriber }] },
      },
      KeysTableKeyA1B2C3D4: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: JSON.stringify(keyPolicy), EnableKeyRotation: true, Description: `wardflow ${environment}: table` } },
      KeysSealingKeyE5F6A7B8: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: JSON.stringify(keyPolicy), EnableKeyRotation: false, Description: `wardflow ${environment}: sealing` } },
      Events: eventsTable(environment, { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } }),
      AuditArchiverRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
        },
      },
      AuditArchiverFunction9C8D7E6F: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Role: { 'Fn::GetAtt': ['AuditArchiverRole', 'Arn'] },
          Code: { ZipFile: 'exports.handler = async () => ({});' },
        },
      },
      AuditArchiverFunctionDynamoDBEventSource: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          FunctionName: { Ref: 'AuditArchiverFunction9C8D7E6F' },
          EventSourceArn: { 'Fn::GetAtt': ['Events', 'StreamArn'] },
          StartingPosition: 'TRIM_HORIZON',
          BatchSize: 100,
          Enabled: options.mappingEnabled ?? true,
        },
      },
    },
    Outputs: {
      EventsTableName: { Value: { Ref: 'Events' } },
      AlarmTopicArn: { Value: { Ref: 'AlarmsTopic' } },
    },
  };
}
