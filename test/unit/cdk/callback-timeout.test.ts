import { App, Aspects, Duration, Fn, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { describe, expect, it } from 'vitest';
import { ConfigurationInvalid } from '../../../functions/shared/errors.js';
import { CALLBACK_TIMEOUT_MESSAGE, CallbackTimeoutRequired, UNINSPECTABLE_RESOURCE_MESSAGE } from '../../../lib/aspects/callback-timeout.js';
import { approvalGate } from '../../../statemachines/fragments/approval-gate.js';

/** A stack with the aspect and one state machine whose only state is built by `build`. */
function stackWith(build: (stack: Stack, fn: lambda.IFunction) => sfn.IChainable): Stack {
  const stack = new Stack(new App({ context: { 'aws:cdk:disable-stack-trace': true } }), 'CallbackTimeoutTest');
  const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:eu-west-1:111111111111:function:request-approval');
  new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(build(stack, fn)) });
  Aspects.of(stack).add(new CallbackTimeoutRequired());
  return stack;
}

const timeoutErrors = (stack: Stack) =>
  Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('a lost callback must never leave an execution waiting'));
const uninspectableWarnings = (stack: Stack) =>
  Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('cannot be read at synth'));

describe('CallbackTimeoutRequired', () => {
  it('fails synth for a waitForTaskToken LambdaInvoke without a timeout', () => {
    const stack = stackWith(
      (scope, fn) =>
        new tasks.LambdaInvoke(scope, 'ForgetfulGate', {
          lambdaFunction: fn,
          integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
          payload: sfn.TaskInput.fromObject({ token: sfn.JsonPath.taskToken }),
        }),
    );
    const errors = timeoutErrors(stack);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.id).toContain('ForgetfulGate');
    expect(String(errors[0]!.entry.data)).toContain(CALLBACK_TIMEOUT_MESSAGE);
  });

  it('fails synth for a hand-written callback CustomState without a timeout', () => {
    const stack = stackWith(
      (scope) =>
        new sfn.CustomState(scope, 'RawGate', {
          stateJson: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
            Parameters: { QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/111111111111/q', 'MessageBody.$': '$$.Task.Token' },
          },
        }),
    );
    expect(timeoutErrors(stack)).toHaveLength(1);
  });

  it('accepts callback tasks with TimeoutSeconds or TimeoutSecondsPath, and ordinary tasks without', () => {
    const stack = stackWith((scope, fn) =>
      new tasks.LambdaInvoke(scope, 'TimedGate', {
        lambdaFunction: fn,
        integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
        payload: sfn.TaskInput.fromObject({ token: sfn.JsonPath.taskToken }),
        taskTimeout: sfn.Timeout.duration(Duration.hours(1)),
      })
        .next(
          new tasks.LambdaInvoke(scope, 'PathTimedGate', {
            lambdaFunction: fn,
            integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
            payload: sfn.TaskInput.fromObject({ token: sfn.JsonPath.taskToken }),
            taskTimeout: sfn.Timeout.at('$.timeoutSeconds'),
          }),
        )
        .next(new tasks.LambdaInvoke(scope, 'PlainStep', { lambdaFunction: fn })),
    );
    expect(timeoutErrors(stack)).toEqual([]);
    expect(uninspectableWarnings(stack)).toEqual([]);
  });

  it('warns about a Task whose Resource is a CloudFormation expression it cannot read, instead of passing silently', () => {
    const stack = stackWith(
      (scope) =>
        new sfn.CustomState(scope, 'ImportedGate', {
          stateJson: { Type: 'Task', Resource: Fn.importValue('shared-callback-resource'), Parameters: { 'token.$': '$$.Task.Token' } },
        }),
    );
    const warnings = uninspectableWarnings(stack);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.id).toContain('ImportedGate');
    expect(String(warnings[0]!.entry.data)).toContain(UNINSPECTABLE_RESOURCE_MESSAGE);
    expect(timeoutErrors(stack)).toEqual([]);
  });

  it('reads tokenized resources it can: a function ARN is no callback, a joined ARN ending in .waitForTaskToken is', () => {
    const stack = stackWith((scope) => {
      const fn = new lambda.Function(scope, 'InStackFn', {
        runtime: lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: lambda.Code.fromInline('exports.handler = async () => ({});'),
      });
      return new tasks.LambdaInvoke(scope, 'DirectInvoke', { lambdaFunction: fn, payloadResponseOnly: true }).next(
        new sfn.CustomState(scope, 'JoinedGate', {
          stateJson: {
            Type: 'Task',
            Resource: Fn.join('', ['arn:', Stack.of(scope).partition, ':states:::sqs:sendMessage.waitForTaskToken']),
            Parameters: { 'MessageBody.$': '$$.Task.Token' },
          },
        }),
      );
    });
    expect(uninspectableWarnings(stack)).toEqual([]);
    const errors = timeoutErrors(stack);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.id).toContain('JoinedGate');
  });
});

describe('approvalGate', () => {
  const subject = { title: 'Expense claim', fields: [{ label: 'Amount', path: '$.claim.amount' }] };

  it('refuses to build a gate without taskTimeout, or with one beyond a year', () => {
    const stack = new Stack(new App(), 'GateTest');
    const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:eu-west-1:111111111111:function:request-approval');
    const withoutTimeout = { workflowName: 'expense-claim', handler: fn, subject } as unknown as Parameters<typeof approvalGate>[2];
    expect(() => approvalGate(stack, 'Gate', withoutTimeout)).toThrow(ConfigurationInvalid);
    expect(() => approvalGate(stack, 'Gate2', withoutTimeout)).toThrow(/a lost callback must never leave an execution waiting/);
    expect(() => approvalGate(stack, 'Gate3', { workflowName: 'expense-claim', handler: fn, subject, taskTimeout: Duration.days(400) })).toThrow(/at most|between/);
  });

  it('names the approval after the workflow, the execution and the gate number, and hands the handler the subject built from the state', () => {
    const stack = new Stack(new App(), 'GateSubjectTest');
    const fn = lambda.Function.fromFunctionArn(stack, 'Fn', 'arn:aws:lambda:eu-west-1:111111111111:function:request-approval');
    const inputOf = (gate: tasks.LambdaInvoke) =>
      (stack.resolve(gate.toStateJson()) as { Parameters: { Payload: { input: Record<string, unknown> } } }).Parameters.Payload.input;
    expect(inputOf(approvalGate(stack, 'First', { workflowName: 'expense-claim', handler: fn, taskTimeout: Duration.hours(1), subject }))).toEqual({
      'approvalId.$': "States.Format('expense-claim:{}-1', $$.Execution.Name)",
      subject: { title: 'Expense claim', fields: [{ label: 'Amount', 'value.$': '$.claim.amount' }] },
    });
    const formatted = { title: { format: 'Claim {} by {}', args: ['$.claim.amount', '$.claim.employee'] }, fields: [] };
    expect(inputOf(approvalGate(stack, 'Second', { workflowName: 'expense-claim', handler: fn, taskTimeout: Duration.hours(1), gateNumber: 2, subject: formatted }))).toEqual({
      'approvalId.$': "States.Format('expense-claim:{}-2', $$.Execution.Name)",
      subject: { 'title.$': "States.Format('Claim {} by {}', $.claim.amount, $.claim.employee)", fields: [] },
    });
    for (const gateNumber of [0, 100, 1.5]) {
      expect(() => approvalGate(stack, `Bad${String(gateNumber).replace('.', '')}`, { workflowName: 'expense-claim', handler: fn, taskTimeout: Duration.hours(1), gateNumber, subject }), String(gateNumber)).toThrow(
        ConfigurationInvalid,
      );
    }
  });
});
