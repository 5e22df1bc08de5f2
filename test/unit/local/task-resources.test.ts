import { describe, expect, it } from 'vitest';
import { fromTemplate } from '../../../lib/local/runtime/app/definitions.js';
import { invokeLocalLambda, type LocalLambda } from '../../../lib/local/runtime/lambda/lambda-invoke.js';
import { assertRunnableLocally, TASK_TOKEN_PLACEHOLDER, taskResourceHandlers } from '../../../lib/local/runtime/engine/task-resources.js';
import { TaskTokens } from '../../../lib/local/runtime/engine/task-tokens.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:wardflow-local-echo';
const echo: LocalLambda = { handler: 'echo', arn: ARN, timeoutSeconds: 1, run: async (event) => ({ echoed: event }) };

describe('invokeLocalLambda', () => {
  it('hands the function a JSON copy of the event and returns JSON', async () => {
    const event = { when: new Date(0), nested: { a: 1 } };
    const seen: unknown[] = [];
    const fn: LocalLambda = { ...echo, run: async (e) => (seen.push(e), { at: new Date(0) }) };
    expect(await invokeLocalLambda(fn, event)).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(seen[0]).toEqual({ when: '1970-01-01T00:00:00.000Z', nested: { a: 1 } });
    expect(seen[0]).not.toBe(event);
  });

  it('turns a thrown error into a function error named after it, with Lambda\'s JSON cause', async () => {
    class ValidationFailed extends Error {
      override name = 'ValidationFailed';
    }
    const fn: LocalLambda = { ...echo, run: async () => Promise.reject(new ValidationFailed('input.amount: a number')) };
    const error = await invokeLocalLambda(fn, {}).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'ValidationFailed' });
    expect(JSON.parse((error as Error).message)).toEqual({ errorType: 'ValidationFailed', errorMessage: 'input.amount: a number', trace: [] });
  });

  it('ends an invocation past the function timeout with Sandbox.Timedout', async () => {
    const fn: LocalLambda = { ...echo, timeoutSeconds: 0.05, run: () => new Promise(() => undefined) };
    await expect(invokeLocalLambda(fn, {})).rejects.toMatchObject({ name: 'Sandbox.Timedout' });
  });
});

describe('taskResourceHandlers', () => {
  const definition = (resource: string, extra: Record<string, unknown> = {}) => ({
    States: { Call: { Type: 'Task', Resource: resource, End: true, ...extra } },
  });
  const options = { functions: [echo], tokens: new TaskTokens(), executionArn: 'arn:aws:states:us-east-1:000000000000:execution:m:e' };

  it('returns the function result as is for a function ARN (payloadResponseOnly)', async () => {
    const handlers = taskResourceHandlers(definition(ARN), options);
    expect(await handlers.Call!({ x: 1 })).toEqual({ echoed: { x: 1 } });
  });

  it('wraps the result as lambda:invoke does, taking FunctionName and Payload from Parameters', async () => {
    const handlers = taskResourceHandlers(definition('arn:aws:states:::lambda:invoke'), options);
    const result = (await handlers.Call!({ FunctionName: `${ARN}:$LATEST`, Payload: { x: 2 } })) as Record<string, unknown>;
    expect(result).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST', Payload: { echoed: { x: 2 } } });
  });

  it('swaps the placeholder for a new token per attempt and waits for the answer', async () => {
    const tokens = new TaskTokens();
    const seen: string[] = [];
    const gate: LocalLambda = { ...echo, run: async (e) => (seen.push((e as { token: string }).token), null) };
    const handlers = taskResourceHandlers(definition('arn:aws:states:::lambda:invoke.waitForTaskToken'), { ...options, functions: [gate], tokens });
    const input = { FunctionName: ARN, Payload: { token: TASK_TOKEN_PLACEHOLDER } };
    const first = handlers.Call!(input);
    await new Promise((r) => setTimeout(r, 20));
    const second = handlers.Call!(input);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toHaveLength(2);
    expect(seen[0]).not.toBe(seen[1]);
    expect(seen.every((t) => t.startsWith('wflt1.'))).toBe(true);
    tokens.succeed(seen[1]!, '{"ok":2}');
    tokens.fail(seen[0]!, 'ApprovalRejected', 'rejected');
    expect(await second).toEqual({ ok: 2 });
    await expect(first).rejects.toMatchObject({ name: 'ApprovalRejected', message: 'rejected' });
  });

  it('fails a waiting task with States.HeartbeatTimeout unless heartbeats keep it alive', async () => {
    const tokens = new TaskTokens();
    const seen: string[] = [];
    const gate: LocalLambda = { ...echo, run: async (e) => (seen.push((e as { token: string }).token), null) };
    const handlers = taskResourceHandlers(definition('arn:aws:states:::lambda:invoke.waitForTaskToken', { HeartbeatSeconds: 0.15 }), {
      ...options,
      functions: [gate],
      tokens,
    });
    const input = { FunctionName: ARN, Payload: { token: TASK_TOKEN_PLACEHOLDER } };
    const kept = handlers.Call!(input);
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      tokens.heartbeat(seen[0]!);
    }
    tokens.succeed(seen[0]!, '{"alive":true}');
    expect(await kept).toEqual({ alive: true });

    const lapsed = handlers.Call!(input);
    await expect(lapsed).rejects.toMatchObject({ name: 'States.HeartbeatTimeout' });
    expect(() => tokens.heartbeat(seen[1]!)).toThrow(expect.objectContaining({ name: 'TaskTimedOut' }));
  });

  it('refuses, before running, resources the local runtime cannot run', () => {
    expect(() => assertRunnableLocally(definition('arn:aws:states:::dynamodb:putItem'), [echo])).toThrow(/dynamodb:putItem.*Lambda functions only/);
    expect(() => assertRunnableLocally(definition('arn:aws:lambda:us-east-1:000000000000:function:other'), [echo])).toThrow(/not a function of this application/);
  });
});

describe('fromTemplate', () => {
  const template = {
    Resources: {
      EchoFn: {
        Type: 'AWS::Lambda::Function',
        Metadata: { 'wardflow:handler': 'echo' },
        Properties: { Timeout: 30, Environment: { Variables: { LITERAL: 'yes', TABLE: { Ref: 'Table' } } } },
      },
      LogRetentionFn: { Type: 'AWS::Lambda::Function', Properties: {} },
      Flow: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'wardflow-local-flow',
          DefinitionString: {
            'Fn::Join': [
              '',
              [
                '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"',
                { 'Fn::GetAtt': ['EchoFn', 'Arn'] },
                '","Next":"B"},"B":{"Type":"Task","Resource":"arn:',
                { Ref: 'AWS::Partition' },
                ':states:::lambda:invoke","End":true}}}',
              ],
            ],
          },
        },
      },
    },
  };

  it('resolves function ARNs to local ones named after the handler folder', () => {
    const app = fromTemplate(template, 'local', 'us-east-1');
    expect(app.functions).toEqual([
      {
        handler: 'echo',
        name: 'echo',
        arn: 'arn:aws:lambda:us-east-1:000000000000:function:wardflow-local-echo',
        timeoutSeconds: 30,
        literalEnvironment: { LITERAL: 'yes' },
        resolvedEnvironment: {},
        referencedEnvironment: ['TABLE'],
      },
    ]);
    expect(app.stateMachines[0]).toMatchObject({
      workflow: 'flow',
      arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:wardflow-local-flow',
      definition: {
        States: { A: { Resource: 'arn:aws:lambda:us-east-1:000000000000:function:wardflow-local-echo' }, B: { Resource: 'arn:aws:states:::lambda:invoke' } },
      },
    });
  });

  it("names functions by their wardflow:function metadata, so two running one handler folder stay two, each with its own state machine's ARN", () => {
    const twoWorkflows = structuredClone(template) as { Resources: Record<string, unknown> };
    const recorder = (workflow: string, machine: string) => ({
      Type: 'AWS::Lambda::Function',
      Metadata: { 'wardflow:handler': 'record-decision', 'wardflow:function': `${workflow}-record-decision` },
      Properties: { Environment: { Variables: { WORKFLOW_NAME: workflow, STATE_MACHINE_ARN: { Ref: machine }, TABLE: { Ref: 'Table' } } } },
    });
    twoWorkflows.Resources.FlowDecision = recorder('flow', 'Flow');
    twoWorkflows.Resources.OtherDecision = recorder('other', 'Other');
    twoWorkflows.Resources.Other = { Type: 'AWS::StepFunctions::StateMachine', Properties: { StateMachineName: 'wardflow-local-other', DefinitionString: '{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}' } };
    twoWorkflows.Resources.Page = {
      Type: 'AWS::Lambda::Function',
      Metadata: { 'wardflow:handler': 'approval-page' },
      Properties: { Environment: { Variables: { MACHINES: { 'Fn::Join': ['', ['{"flow":"', { Ref: 'Flow' }, '","other":"', { Ref: 'Other' }, '"}']] } } } },
    };
    const functions = fromTemplate(twoWorkflows as typeof template, 'local', 'us-east-1').functions;
    const machine = (name: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:wardflow-local-${name}`;
    expect(functions.filter((fn) => fn.handler === 'record-decision')).toEqual([
      expect.objectContaining({
        name: 'flow-record-decision',
        arn: 'arn:aws:lambda:us-east-1:000000000000:function:wardflow-local-flow-record-decision',
        literalEnvironment: { WORKFLOW_NAME: 'flow' },
        resolvedEnvironment: { STATE_MACHINE_ARN: machine('flow') },
        referencedEnvironment: ['TABLE'],
      }),
      expect.objectContaining({ name: 'other-record-decision', resolvedEnvironment: { STATE_MACHINE_ARN: machine('other') } }),
    ]);
    expect(functions.find((fn) => fn.handler === 'approval-page')?.resolvedEnvironment).toEqual({ MACHINES: `{"flow":"${machine('flow')}","other":"${machine('other')}"}` });

    (twoWorkflows.Resources.OtherDecision as { Metadata: Record<string, string> }).Metadata['wardflow:function'] = 'flow-record-decision';
    expect(() => fromTemplate(twoWorkflows as typeof template, 'local', 'us-east-1')).toThrow(/two functions are named flow-record-decision/);
  });

  it('refuses a definition that references something other than a wardflow function', () => {
    const other = structuredClone(template);
    ((other.Resources.Flow.Properties.DefinitionString['Fn::Join'][1] as unknown[])[1] as { 'Fn::GetAtt': string[] })['Fn::GetAtt'] = ['LogRetentionFn', 'Arn'];
    expect(() => fromTemplate(other, 'local', 'us-east-1')).toThrow(/neither a wardflow function's ARN nor a pseudo parameter/);
  });
});
