import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLER_METADATA_KEY } from '../../../lib/constructs/handler-metadata.js';
import type { AnyWorkflow } from '../../../lib/workflows/workflow-definition.js';
import { pascal } from '../../../lib/workflows/workflow-deployment.js';
import { WORKFLOWS } from '../../../statemachines/index.js';
import { actionList, devAndProdTemplates, functionOf, platformFunctionOf, type PolicyStatementJson, resourcesOf, roleIdOf, stateMachineOf, statementsOf, type TemplateResource, arnIn } from './synth.js';

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

/** Each workflow has its own recorder, rule, dead-letter queue and alarm, under the workflow's construct. */
const recorderOf = (workflow: AnyWorkflow) => platformFunctionOf(workflow, 'execution-end').name;
const recorderFunction = (template: Template, workflow: AnyWorkflow): [string, TemplateResource] => functionOf(template, recorderOf(workflow));

/** `arn:<partition>:events:<region>:<account>:rule/<name>` as CDK renders it for the environment's pinned account and region. */
const ruleArnOf = (env: string, name: string) => arnIn(env, 'events', `rule/${name}`);

describe.each([
  ['dev', () => dev],
  ['prod', () => prod],
] as const)('execution-end recorder in %s', (env, template) => {
  it('has one rule per workflow', () => {
    // Other rules (the approvals-waiting schedule) are not the recorder's.
    const names = Object.values(resourcesOf(template(), 'AWS::Events::Rule')).map((r) => String(r.Properties.Name));
    expect(names.filter((name) => name.endsWith('-execution-ends')).sort()).toEqual(
      WORKFLOWS.map((w) => `wardflow-${env}-${w.name}-execution-ends`).sort(),
    );
  });

  describe.each(WORKFLOWS.map((workflow) => [workflow.name, workflow] as const))('of workflow %s', (name, workflow) => {
    const id = pascal(name);
    const rule = () => only(template(), 'AWS::Events::Rule', `${id}ExecutionEndsRule`);
    const queue = () => only(template(), 'AWS::SQS::Queue', `${id}ExecutionEndsDeadLetters`);

    it('has one rule: Step Functions status changes to FAILED, TIMED_OUT or ABORTED of its state machine only', () => {
      const [machineId] = stateMachineOf(template(), workflow);
      const [, rule_] = rule();
      expect(rule_.Properties.Name).toBe(`wardflow-${env}-${name}-execution-ends`);
      expect(rule_.Properties.State).toBe('ENABLED');
      // Exactly this pattern: no status, source or state machine more (SUCCEEDED is recorded by RecordSuccess).
      expect(rule_.Properties.EventPattern).toEqual({
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { status: ['FAILED', 'TIMED_OUT', 'ABORTED'], stateMachineArn: [{ Ref: machineId }] },
      });
      expect(rule_.Properties.EventBusName).toBeUndefined(); // the default bus, where Step Functions sends its events
    });

    it('targets the recorder function, retrying delivery for a day into a dead-letter queue', () => {
      const [functionId] = recorderFunction(template(), workflow);
      const [queueId] = queue();
      const [, ruleResource] = rule();
      expect(ruleResource.Properties.Targets).toEqual([
        {
          Id: expect.any(String),
          Arn: { 'Fn::GetAtt': [functionId, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
        },
      ]);
    });

    it('lets EventBridge invoke the recorder for this rule only', () => {
      const [functionId] = recorderFunction(template(), workflow);
      const [ruleId] = rule();
      const permissions = Object.values(resourcesOf(template(), 'AWS::Lambda::Permission')).filter(
        (p) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify({ 'Fn::GetAtt': [functionId, 'Arn'] }),
      );
      expect(permissions.map((p) => p.Properties)).toEqual([
        { Action: 'lambda:InvokeFunction', FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] }, Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] } },
      ]);
    });

    it('retries a failed invocation twice, then sends the event to the same dead-letter queue', () => {
      const [functionId] = recorderFunction(template(), workflow);
      const [queueId] = queue();
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
      const [queueId, deadLetters] = queue();
      const [ruleId] = rule();
      expect(deadLetters.Properties).toMatchObject({
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
      // One statement per workflow's rule; this one names this workflow's rule.
      expect(forEvents).toHaveLength(WORKFLOWS.length);
      expect(forEvents.filter((s) => s.Sid === `AllowExecutionEndRuleToEncryptDeadLetters${id}`)).toEqual([
        {
          Sid: `AllowExecutionEndRuleToEncryptDeadLetters${id}`,
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: '*',
          Condition: { ArnEquals: { 'aws:SourceArn': ruleArnOf(env, `wardflow-${env}-${name}-execution-ends`) } },
        },
      ]);
    });

    it("gives the recorder's role exactly: its logs, read and append its workflow's execution streams, the table key through DynamoDB, dead letters", () => {
      const statements = statementsOf(template(), recorderOf(workflow));
      const bySid = Object.fromEntries(statements.filter((s) => s.Sid !== undefined).map((s) => [s.Sid, s]));
      expect(Object.keys(bySid).sort()).toEqual(['AppendEvents', 'ReadEvents', 'SendDeadLetters', 'UseMessagingKeyThroughSQS', 'UseTableKeyThroughDynamoDB', 'WriteOwnLogs']);
      const executionStreamsOnly = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`execution#${workflow.name}:*`] }, Null: { 'dynamodb:LeadingKeys': 'false' } };
      expect(bySid.AppendEvents).toMatchObject({ Action: 'dynamodb:PutItem', Condition: executionStreamsOnly });
      expect(bySid.ReadEvents).toMatchObject({ Action: 'dynamodb:Query', Condition: executionStreamsOnly });
      expect(bySid.UseTableKeyThroughDynamoDB).toMatchObject({
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^KeysTableKey/), 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': expect.anything() } },
      });
      const [queueId] = queue();
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
      const [machineId] = stateMachineOf(template(), workflow);
      const [, fn] = recorderFunction(template(), workflow);
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
        STATE_MACHINE_ARN: { Ref: machineId },
        EVENTS_TABLE: { Ref: expect.stringMatching(/^EventsTable/) },
      });
      expect(fn.Properties.Role).toEqual({ 'Fn::GetAtt': [roleIdOf(template(), recorderOf(workflow)), 'Arn'] });
      expect(fn.Metadata?.[HANDLER_METADATA_KEY]).toBe('record-execution-end');
    });

    it('alarms on any dead letter, to the alarm topic', () => {
      const [topicId] = only(template(), 'AWS::SNS::Topic', 'AlarmsTopic');
      const [queueId] = queue();
      const alarms = Object.values(resourcesOf(template(), 'AWS::CloudWatch::Alarm')).filter((a) => JSON.stringify(a.Properties.Dimensions ?? null).includes(queueId));
      expect(alarms.map((a) => a.Properties)).toEqual([
        expect.objectContaining({
          AlarmName: `wardflow-${env}-${name}-execution-end-dead-letters`,
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
});
