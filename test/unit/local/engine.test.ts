import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalStateMachine } from '../../../lib/local/runtime/app/definitions.js';
import { LocalEngine } from '../../../lib/local/runtime/engine/engine.js';
import type { LocalLambda } from '../../../lib/local/runtime/lambda/lambda-invoke.js';

const REGION = 'us-east-1';
const fnArn = (name: string) => `arn:aws:lambda:${REGION}:000000000000:function:wardflow-test-${name}`;
const MACHINE_ARN = `arn:aws:states:${REGION}:000000000000:stateMachine:wardflow-test-flow`;

/** A small workflow with the shapes the invoice workflow uses: a sync task, a gate with a token, Catch to a failure path. */
function machine(gateTimeoutSeconds = 30): LocalStateMachine {
  return {
    workflow: 'flow',
    name: 'wardflow-test-flow',
    arn: MACHINE_ARN,
    definition: {
      StartAt: 'Work',
      TimeoutSeconds: 600,
      States: {
        Work: {
          Type: 'Task',
          Resource: fnArn('work'),
          Parameters: { 'executionId.$': '$$.Execution.Name', 'input.$': '$' },
          ResultPath: '$.work',
          Retry: [{ ErrorEquals: ['Transient'], IntervalSeconds: 0, MaxAttempts: 2 }],
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
          Next: 'Gate',
        },
        Gate: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: fnArn('gate'), Payload: { 'executionId.$': '$$.Execution.Name', 'taskToken.$': '$$.Task.Token' } },
          TimeoutSeconds: gateTimeoutSeconds,
          ResultPath: '$.approval',
          Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
          End: true,
        },
        Failed: { Type: 'Fail', Error: 'WorkflowFailed', Cause: 'see the stream' },
      },
    },
  };
}

interface World {
  dir: string;
  engine: LocalEngine;
  calls: { fn: string; event: unknown }[];
  tokens: string[];
  behaviour: { work: (event: unknown) => unknown };
}

function world(dir: string, definition = machine()): World {
  const calls: World['calls'] = [];
  const tokens: string[] = [];
  const behaviour: World['behaviour'] = { work: (event) => ({ seen: (event as { input: unknown }).input }) };
  const functions: LocalLambda[] = [
    { handler: 'work', arn: fnArn('work'), timeoutSeconds: 5, run: async (event) => (calls.push({ fn: 'work', event }), behaviour.work(event)) },
    {
      handler: 'gate',
      arn: fnArn('gate'),
      timeoutSeconds: 5,
      run: async (event) => {
        calls.push({ fn: 'gate', event });
        tokens.push((event as { taskToken: string }).taskToken);
        return { ignored: true };
      },
    },
  ];
  return { dir, engine: new LocalEngine({ dataDir: dir, stateMachines: [definition], functions }), calls, tokens, behaviour };
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('LocalEngine', () => {
  let dir: string;
  let engines: LocalEngine[] = [];
  const make = (definition?: LocalStateMachine) => {
    const w = world(dir, definition);
    engines.push(w.engine);
    return w;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wardflow-engine-'));
  });
  afterEach(async () => {
    for (const engine of engines) await engine.stop();
    engines = [];
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes $$.Execution.Name and a fresh task token, and resumes the gate with SendTaskSuccess output', async () => {
    const w = make();
    const { executionArn } = await w.engine.startExecution({ stateMachineArn: MACHINE_ARN, name: 'run-1', input: '{"amount":5}' });
    await until(() => w.tokens.length === 1, 'the gate to be invoked');
    expect(w.calls[0]).toEqual({ fn: 'work', event: { executionId: 'run-1', input: { amount: 5 } } });
    expect(w.tokens[0]).toMatch(/^wflt1\./);
    expect((await w.engine.describeExecution({ executionArn })).status).toBe('RUNNING');

    await w.engine.sendTaskSuccess({ taskToken: w.tokens[0]!, output: '{"approved":true}' });
    const done = await w.engine.waitUntilEnded(executionArn, 5_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toEqual({ amount: 5, work: { seen: { amount: 5 } }, approval: { approved: true } });
    // The token answered once: a second answer finds no task, as on AWS.
    await expect(w.engine.sendTaskSuccess({ taskToken: w.tokens[0]!, output: '{}' })).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
  });

  it('fails the task with the error of SendTaskFailure, which Catch routes', async () => {
    const w = make();
    const { executionArn } = await w.engine.startExecution({ stateMachineArn: MACHINE_ARN, name: 'run-2' });
    await until(() => w.tokens.length === 1, 'the gate');
    await w.engine.sendTaskFailure({ taskToken: w.tokens[0]!, error: 'ApprovalRejected', cause: 'no' });
    const done = await w.engine.waitUntilEnded(executionArn, 5_000);
    expect(done).toMatchObject({ status: 'FAILED', error: 'WorkflowFailed', cause: 'see the stream' });
  });

  it('retries a function error by its name and reports Lambda-shaped causes', async () => {
    const w = make();
    let attempts = 0;
    w.behaviour.work = () => {
      attempts += 1;
      const error = new Error(attempts < 3 ? 'try again' : 'broken for good');
      error.name = attempts < 3 ? 'Transient' : 'Permanent';
      throw error;
    };
    const { executionArn } = await w.engine.startExecution({ stateMachineArn: MACHINE_ARN, name: 'run-3' });
    const done = await w.engine.waitUntilEnded(executionArn, 5_000);
    expect(attempts).toBe(3);
    expect(done.status).toBe('FAILED');
  });

  it('times a waiting gate out with States.Timeout and refuses its token afterwards with TaskTimedOut', async () => {
    const w = make(machine(1));
    const { executionArn } = await w.engine.startExecution({ stateMachineArn: MACHINE_ARN, name: 'run-4' });
    await until(() => w.tokens.length === 1, 'the gate');
    const done = await w.engine.waitUntilEnded(executionArn, 5_000);
    expect(done.status).toBe('FAILED');
    await expect(w.engine.sendTaskSuccess({ taskToken: w.tokens[0]!, output: '{}' })).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('answers AWS errors for bad requests, never quoting a token', async () => {
    const w = make();
    await expect(w.engine.sendTaskSuccess({ taskToken: 'not-a-token', output: '{}' })).rejects.toMatchObject({ name: 'InvalidToken' });
    await expect(w.engine.startExecution({ stateMachineArn: `${MACHINE_ARN}-x` })).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(w.engine.startExecution({ stateMachineArn: MACHINE_ARN, name: 'bad name!' })).rejects.toMatchObject({ name: 'InvalidName' });
    await expect(w.engine.startExecution({ stateMachineArn: MACHINE_ARN, input: '{' })).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
    // Deeper than the engine can copy: refused at start, with a reason, not a RangeError mid-run.
    const tooDeep = `{"d":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    await expect(w.engine.startExecution({ stateMachineArn: MACHINE_ARN, input: tooDeep })).rejects.toMatchObject({
      name: 'InvalidExecutionInput',
      message: 'The input is nested deeper than 1000 levels.',
    });
    await expect(w.engine.describeExecution({ executionArn: `${MACHINE_ARN.replace('stateMachine', 'execution')}:nope` })).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
    const tokenLike = `wflt1.${'A'.repeat(64)}`;
    await expect(w.engine.sendTaskSuccess({ taskToken: tokenLike, output: '{}' })).rejects.toSatisfy((e: Error) => !e.message.includes(tokenLike));
  });

  it('treats the same name and input as the same start, and refuses a reused name otherwise', async () => {
    const w = make();
    const first = await w.engine.startExecution({ stateMachineArn: MACHINE_ARN, name: 'same', input: '{"a":1}' });
    const again = await w.engine.startExecution({ stateMachineArn: MACHINE_ARN, name: 'same', input: '{"a":1}' });
    expect(again.executionArn).toBe(first.executionArn);
    await expect(w.engine.startExecution({ stateMachineArn: MACHINE_ARN, name: 'same', input: '{"a":2}' })).rejects.toMatchObject({
      name: 'ExecutionAlreadyExists',
    });
  });

  it('keeps a waiting execution across a stop and resumes it at the gate with a new token', async () => {
    const first = make();
    const { executionArn } = await first.engine.startExecution({ stateMachineArn: MACHINE_ARN, name: 'restart-1', input: '{"n":1}' });
    await until(() => first.tokens.length === 1, 'the gate');
    await first.engine.stop();
    expect((await first.engine.describeExecution({ executionArn })).status).toBe('RUNNING');

    const second = make();
    const { resumed } = await second.engine.resumeInterrupted();
    expect(resumed).toEqual(['restart-1']);
    await until(() => second.tokens.length === 1, 'the resumed gate');
    // Resumed at the gate: the work before it is not done again.
    expect(second.calls.map((c) => c.fn)).toEqual(['gate']);
    expect(second.tokens[0]).not.toBe(first.tokens[0]);
    await expect(second.engine.sendTaskSuccess({ taskToken: first.tokens[0]!, output: '{}' })).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
    await second.engine.sendTaskSuccess({ taskToken: second.tokens[0]!, output: '{"approved":true}' });
    const done = await second.engine.waitUntilEnded(executionArn, 5_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output!)).toMatchObject({ n: 1, work: { seen: { n: 1 } }, approval: { approved: true } });
  });

  it('lets a handler invocation under way finish before stop() returns', async () => {
    const w = make();
    let finished = false;
    let entered = false;
    w.behaviour.work = async () => {
      entered = true;
      await new Promise((r) => setTimeout(r, 300));
      finished = true;
      return {};
    };
    await w.engine.startExecution({ stateMachineArn: MACHINE_ARN, name: 'graceful' });
    await until(() => entered, 'the work to start');
    await w.engine.stop();
    expect(finished).toBe(true);
    // The execution did not move on to the gate: it resumes at the next start.
    expect(w.tokens).toEqual([]);
  });

  it('ends an execution whose state is gone from the definition as interrupted, never leaving it hanging', async () => {
    const first = make();
    const { executionArn } = await first.engine.startExecution({ stateMachineArn: MACHINE_ARN, name: 'orphan' });
    await until(() => first.tokens.length === 1, 'the gate');
    await first.engine.stop();
    const changed = machine();
    const states = changed.definition.States as Record<string, unknown>;
    states.Approval = states.Gate;
    delete states.Gate;
    (states.Work as { Next: string }).Next = 'Approval';
    const second = make(changed);
    const { ended } = await second.engine.resumeInterrupted();
    expect(ended).toEqual(['orphan']);
    expect(await second.engine.describeExecution({ executionArn })).toMatchObject({ status: 'FAILED', error: 'Wardflow.Interrupted' });
  });

  it('refuses to start over an execution record it cannot read, naming the file', async () => {
    const w = make();
    await w.engine.startExecution({ stateMachineArn: MACHINE_ARN, name: 'kept' });
    await w.engine.stop();
    const file = join(dir, 'executions', 'wardflow-test-flow--kept.json');
    writeFileSync(file, '{ broken');
    expect(() => make()).toThrow(/wardflow-test-flow--kept\.json is not valid JSON/);
  });

  it('lists executions newest first with paging and a status filter', async () => {
    const w = make();
    for (const name of ['a', 'b', 'c']) {
      await w.engine.startExecution({ stateMachineArn: MACHINE_ARN, name });
      await new Promise((r) => setTimeout(r, 5));
    }
    const page = await w.engine.listExecutions({ stateMachineArn: MACHINE_ARN, maxResults: 2 });
    expect(page.executions.map((e) => e.name)).toEqual(['c', 'b']);
    // One started between the pages comes first in the order; the next page neither repeats nor skips.
    await w.engine.startExecution({ stateMachineArn: MACHINE_ARN, name: 'd' });
    const rest = await w.engine.listExecutions({ stateMachineArn: MACHINE_ARN, maxResults: 2, nextToken: page.nextToken! });
    expect(rest.executions.map((e) => e.name)).toEqual(['a']);
    await expect(w.engine.listExecutions({ stateMachineArn: MACHINE_ARN, nextToken: '2' })).rejects.toMatchObject({ name: 'InvalidToken' });
    const running = await w.engine.listExecutions({ stateMachineArn: MACHINE_ARN, statusFilter: 'SUCCEEDED' });
    expect(running.executions).toEqual([]);
  });
});
