import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_METADATA_KEY } from '../../../lib/constructs/handler-metadata.js';
import {
  actionList,
  devAndProdTemplates,
  EXECUTION_END_RECORDER,
  resourcesOf,
  roleIdOfStep,
  statementsOfStep,
  type PolicyStatementJson,
  type TemplateResource,
} from './synth.js';

let dev: Template;
let prod: Template;
beforeAll(() => {
  ({ dev, prod } = devAndProdTemplates());
});

/** The one resource of a type (whose logical id starts with `prefix`, when given). */
function only(template: Template, type: string, prefix = ''): [string, TemplateResource] {
  const found = Object.entries(resourcesOf(template, type)).filter(([id]) => id.startsWith(prefix));
  expect(found, `${type} ${prefix}*`).toHaveLength(1);
  return found[0]!;
}

function recorderFunction(template: Template): [string, TemplateResource] {
  const found = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(([, f]) => f.Metadata?.[HANDLER_METADATA_KEY] === EXECUTION_END_RECORDER);
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** `arn:<partition>:events:<region>:<account>:rule/<name>` as CDK renders it for an environment-agnostic stack. */
const ruleArnOf = (name: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:rule/${name}`]],
});

describe.each([
  ['dev', () => dev],
  ['prod', () => prod],
] as const)('execution-end recorder in %s', (env, template) => {
  it('has one rule: Step Functions status changes to FAILED, TIMED_OUT or ABORTED of the workflow state machine only', () => {
    const [machineId] = only(template(), 'AWS::StepFunctions::StateMachine');
    const [, rule] = only(template(), 'AWS::Events::Rule');
    expect(rule.Properties.Name).toBe(`wardflow-${env}-execution-ends`);
    expect(rule.Properties.State).toBe('ENABLED');
    // Exactly this pattern: no status, source or state machine more (SUCCEEDED is recorded by RecordSuccess).
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: machineId }] },
    });
    expect(rule.Properties.EventBusName).toBeUndefined(); // the default bus, where Step Functions sends its events
  });

  it('targets the recorder function, retrying delivery for a day into a dead-letter queue', () => {
    const [functionId] = recorderFunction(template());
    const [queueId] = only(template(), 'AWS::SQS::Queue', 'ExecutionEndsDeadLetters');
    const [, rule] = only(template(), 'AWS::Events::Rule');
    expect(rule.Properties.Targets).toEqual([
      {
        Id: expect.any(String),
        Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
      },
    ]);
  });

  it('lets EventBridge invoke the recorder for this rule only', () => {
    const [functionId] = recorderFunction(template());
    const [ruleId] = only(template(), 'AWS::Events::Rule');
    const permissions = Object.values(resourcesOf(template(), 'AWS::Lambda::Permission')).filter(
      (p) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify({ 'Fn::GetAtt': [functionId, 'Arn'] }),
    );
    expect(permissions.map((p) => p.Properties)).toEqual([
      { Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] }, Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] } },
    ]);
  });

  it('retries a failed invocation twice, then sends the event to the same dead-letter queue', () => {
    const [functionId] = recorderFunction(template());
    const [queueId] = only(template(), 'AWS::SQS::Queue', 'ExecutionEndsDeadLetters');
    const configs = Object.values(resourcesOf(template(), 'AWS::Lambda::EventInvokeConfig')).filter(
      (c) => JSON.stringify(c.Properties.FunctionName) === JSON.stringify({ Ref: functionId }),
    );
    expect(configs.map((c) => c.Properties)).toEqual([
      {
        FunctionName: { Ref: functionId },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 6 * 3600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      },
    ]);
  });

  it('keeps dead letters KMS-encrypted with the messaging key, TLS only, sent by this rule or the recorder only', () => {
    const [queueId, queue] = only(template(), 'AWS::SQS::Queue', 'ExecutionEndsDeadLetters');
    const [ruleId] = only(template(), 'AWS::Events::Rule');
    expect(queue.Properties).toMatchObject({
      KmsMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^KeysMessagingKey/), 'Arn'] },
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    const policies = Object.values(resourcesOf(template(), 'AWS::SQS::QueuePolicy')).filter((p) => JSON.stringify(p.Properties.Queues) === JSON.stringify([{ Ref: queueId }]));
    expect(policies).toHaveLength(1);
    const statements = (policies[0]!.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement;
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows).toEqual([
      expect.objectContaining({
        Action: 'sqs:SendMessage',
        Principal: { Service: 'events.amazonaws.com' },
        Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
        Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
      }),
    ]);
  });

  it("lets EventBridge use the messaging key only for this rule's dead letters, naming the rule without a reference (no cycle)", () => {
    const [, key] = only(template(), 'AWS::KMS::Key', 'KeysMessagingKey');
    const statements = (key.Properties.KeyPolicy as { Statement: PolicyStatementJson[] }).Statement;
    const forEvents = statements.filter((s) => JSON.stringify(s.Principal).includes('events.amazonaws.com'));
    expect(forEvents).toEqual([
      {
        Sid: 'AllowExecutionEndRuleToEncryptDeadLetters',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArnOf(`wardflow-${env}-execution-ends`) } },
      },
    ]);
  });

  it("gives the recorder's role exactly: its logs, read and append execution streams, the table key through DynamoDB, dead letters", () => {
    const statements = statementsOfStep(template(), EXECUTION_END_RECORDER);
    const bySid = Object.fromEntries(statements.filter((s) => s.Sid !== undefined).map((s) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual(['AppendEvents', 'ReadEvents', 'SendDeadLetters', 'UseMessagingKeyThroughSQS', 'UseTableKeyThroughDynamoDB', 'WriteOwnLogs']);
    const executionStreamsOnly = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['execution#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } };
    expect(bySid.AppendEvents).toMatchObject({ Action: 'dynamodb:PutItem', Condition: executionStreamsOnly });
    expect(bySid.ReadEvents).toMatchObject({ Action: 'dynamodb:Query', Condition: executionStreamsOnly });
    expect(bySid.UseTableKeyThroughDynamoDB).toMatchObject({
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^KeysTableKey/), 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': expect.anything() } },
    });
    const [queueId] = only(template(), 'AWS::SQS::Queue', 'ExecutionEndsDeadLetters');
    expect(bySid.SendDeadLetters).toEqual({ Sid: 'SendDeadLetters', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [queueId, 'Arn'] } });
    expect(bySid.UseMessagingKeyThroughSQS).toMatchObject({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/^KeysMessagingKey/), 'Arn'] },
      Condition: { StringEquals: { 'kms:ViaService': expect.anything() } },
    });
    // The one statement without a Sid is X-Ray's, on "*" (acknowledged like every traced function's).
    const unnamed = statements.filter((s) => s.Sid === undefined);
    expect(unnamed.flatMap(actionList).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    // It seals and opens nothing, and never touches approvals or Step Functions.
    expect(JSON.stringify(statements)).not.toContain('KeysSealingKey');
    expect(JSON.stringify(statements)).not.toContain('approval#');
    expect(statements.flatMap(actionList).filter((a) => a.startsWith('states:'))).toEqual([]);
  });

  it('tells the recorder its state machine, and labels it for the local runtime', () => {
    const [machineId] = only(template(), 'AWS::StepFunctions::StateMachine');
    const [, fn] = recorderFunction(template());
    expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      STATE_MACHINE_ARN: { Ref: machineId },
      EVENTS_TABLE: { Ref: expect.stringMatching(/^EventsTable/) },
    });
    expect(fn.Properties.Role).toEqual({ 'Fn::GetAtt': [roleIdOfStep(template(), EXECUTION_END_RECORDER), 'Arn'] });
  });

  it('alarms on any dead letter, to the alarm topic', () => {
    const [topicId] = only(template(), 'AWS::SNS::Topic', 'AlarmsTopic');
    const [queueId] = only(template(), 'AWS::SQS::Queue', 'ExecutionEndsDeadLetters');
    const alarms = Object.values(resourcesOf(template(), 'AWS::CloudWatch::Alarm')).filter((a) => JSON.stringify(a.Properties.Dimensions).includes(queueId));
    expect(alarms.map((a) => a.Properties)).toEqual([
      expect.objectContaining({
        AlarmName: `wardflow-${env}-execution-end-dead-letters`,
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
        Statistic: 'Maximum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: topicId }],
        OKActions: [{ Ref: topicId }],
      }),
    ]);
  });
});
