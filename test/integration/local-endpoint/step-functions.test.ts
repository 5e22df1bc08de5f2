import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsProtocolError } from '../../../lib/local/aws-endpoint/protocol-error.js';
import type { LocalExecutionDescription, LocalStepFunctions } from '../../../lib/local/aws-endpoint/step-functions-service.js';
import { PLANTED_SECRET } from '../../unit/events/event-fixtures.js';
import { rawCall, removeDataFolders, startEndpoint, type EndpointUnderTest } from './endpoint-fixture.js';

const MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:invoice-approval';
const EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:invoice-approval:run-1';
// Millisecond precision on purpose: epoch seconds on the wire must keep the fraction.
const STARTED = new Date('2025-03-04T05:06:07.891Z');
const STOPPED = new Date('2025-03-04T05:09:10.012Z');
const CREATED = new Date('2025-01-02T03:04:05.678Z');
const KNOWN_TOKEN = 'token-known-1';

const described: LocalExecutionDescription = {
  executionArn: EXECUTION,
  stateMachineArn: MACHINE,
  name: 'run-1',
  status: 'SUCCEEDED',
  startDate: STARTED,
  stopDate: STOPPED,
  input: '{"invoiceId":"inv-1"}',
  output: '{"paid":true}',
};

/** A LocalStepFunctions that records every call and answers fixed values; unknown tokens are TaskDoesNotExist. */
function fakeEngine(): { engine: LocalStepFunctions; calls: [string, unknown][] } {
  const calls: [string, unknown][] = [];
  const record = (name: string, request: unknown) => calls.push([name, request]);
  const knownToken = (taskToken: string) => {
    if (taskToken !== KNOWN_TOKEN) throw new AwsProtocolError('TaskDoesNotExist', 'The task token is not known: the task may have finished or timed out.');
  };
  const engine: LocalStepFunctions = {
    async startExecution(request) {
      record('startExecution', request);
      if (request.name === 'boom') throw new TypeError(`cannot read input ${request.input}`);
      return { executionArn: EXECUTION, startDate: STARTED };
    },
    async describeExecution(request) {
      record('describeExecution', request);
      if (request.executionArn !== EXECUTION) throw new AwsProtocolError('ExecutionDoesNotExist', 'Execution does not exist.');
      return described;
    },
    async listExecutions(request) {
      record('listExecutions', request);
      const running = { ...described, status: 'RUNNING' as const, stopDate: undefined, name: 'run-2', executionArn: `${EXECUTION}-2` };
      return { executions: [described, running], nextToken: 'page-2' };
    },
    async listStateMachines() {
      record('listStateMachines', undefined);
      return { stateMachines: [{ stateMachineArn: MACHINE, name: 'invoice-approval', type: 'STANDARD', creationDate: CREATED }] };
    },
    async stopExecution(request) {
      record('stopExecution', request);
      return { stopDate: STOPPED };
    },
    async sendTaskSuccess(request) {
      record('sendTaskSuccess', request);
      knownToken(request.taskToken);
    },
    async sendTaskFailure(request) {
      record('sendTaskFailure', request);
      knownToken(request.taskToken);
    },
    async sendTaskHeartbeat(request) {
      record('sendTaskHeartbeat', request);
      knownToken(request.taskToken);
    },
  };
  return { engine, calls };
}

describe('local Step Functions protocol (against a fake engine)', () => {
  let endpoint: EndpointUnderTest;
  let sfn: SFNClient;
  let calls: [string, unknown][];
  beforeAll(async () => {
    const fake = fakeEngine();
    calls = fake.calls;
    endpoint = await startEndpoint({ stepFunctions: fake.engine });
    sfn = endpoint.sfnClient();
  });
  afterAll(async () => {
    await endpoint.stop();
    removeDataFolders();
  });
  const lastCall = () => calls.at(-1);

  it('StartExecution passes the request through and returns the start date to the millisecond', async () => {
    const answer = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'run-1', input: '{"invoiceId":"inv-1"}' }));
    expect(lastCall()).toEqual(['startExecution', { stateMachineArn: MACHINE, name: 'run-1', input: '{"invoiceId":"inv-1"}' }]);
    expect(answer.executionArn).toBe(EXECUTION);
    expect(answer.startDate?.toISOString()).toBe(STARTED.toISOString());
  });

  it('DescribeExecution returns every field, dates as dates', async () => {
    const answer = await sfn.send(new DescribeExecutionCommand({ executionArn: EXECUTION }));
    expect(answer).toMatchObject({ executionArn: EXECUTION, stateMachineArn: MACHINE, name: 'run-1', status: 'SUCCEEDED', input: described.input, output: described.output });
    expect([answer.startDate?.toISOString(), answer.stopDate?.toISOString()]).toEqual([STARTED.toISOString(), STOPPED.toISOString()]);
  });

  it('DescribeExecution with includedData METADATA_ONLY leaves out input and output, as AWS does; ALL_DATA keeps them; anything else is refused', async () => {
    const metadata = await sfn.send(new DescribeExecutionCommand({ executionArn: EXECUTION, includedData: 'METADATA_ONLY' }));
    expect(metadata).toMatchObject({ executionArn: EXECUTION, name: 'run-1', status: 'SUCCEEDED' });
    expect(metadata.input).toBeUndefined();
    expect(metadata.output).toBeUndefined();
    expect(metadata.stopDate?.toISOString()).toBe(STOPPED.toISOString());
    const all = await sfn.send(new DescribeExecutionCommand({ executionArn: EXECUTION, includedData: 'ALL_DATA' }));
    expect([all.input, all.output]).toEqual([described.input, described.output]);
    const refused = await rawCall(endpoint.aws.endpoint, 'AWSStepFunctions.DescribeExecution', { executionArn: EXECUTION, includedData: 'EVERYTHING' }, 'application/x-amz-json-1.0');
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ __type: 'ValidationException' });
  });

  it('ListExecutions passes filter and paging through; a running execution has no stop date', async () => {
    const answer = await sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE, statusFilter: 'RUNNING', maxResults: 5, nextToken: 'page-1' }));
    expect(lastCall()).toEqual(['listExecutions', { stateMachineArn: MACHINE, statusFilter: 'RUNNING', maxResults: 5, nextToken: 'page-1' }]);
    expect(answer.nextToken).toBe('page-2');
    expect(answer.executions?.map((e) => [e.name, e.status, e.startDate?.toISOString(), e.stopDate?.toISOString()])).toEqual([
      ['run-1', 'SUCCEEDED', STARTED.toISOString(), STOPPED.toISOString()],
      ['run-2', 'RUNNING', STARTED.toISOString(), undefined],
    ]);
  });

  it('ListStateMachines and StopExecution', async () => {
    const machines = await sfn.send(new ListStateMachinesCommand({}));
    expect(machines.stateMachines?.map((m) => [m.stateMachineArn, m.name, m.type, m.creationDate?.toISOString()])).toEqual([
      [MACHINE, 'invoice-approval', 'STANDARD', CREATED.toISOString()],
    ]);
    const stopped = await sfn.send(new StopExecutionCommand({ executionArn: EXECUTION, error: 'Cancelled', cause: 'by the operator' }));
    expect(lastCall()).toEqual(['stopExecution', { executionArn: EXECUTION, error: 'Cancelled', cause: 'by the operator' }]);
    expect(stopped.stopDate?.toISOString()).toBe(STOPPED.toISOString());
  });

  it('SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat reach the engine with exactly what was sent', async () => {
    await sfn.send(new SendTaskSuccessCommand({ taskToken: KNOWN_TOKEN, output: '{"approved":true}' }));
    expect(lastCall()).toEqual(['sendTaskSuccess', { taskToken: KNOWN_TOKEN, output: '{"approved":true}' }]);
    await sfn.send(new SendTaskFailureCommand({ taskToken: KNOWN_TOKEN, error: 'ApprovalRejected', cause: 'rejected by ap-7' }));
    expect(lastCall()).toEqual(['sendTaskFailure', { taskToken: KNOWN_TOKEN, error: 'ApprovalRejected', cause: 'rejected by ap-7' }]);
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: KNOWN_TOKEN }));
    expect(lastCall()).toEqual(['sendTaskHeartbeat', { taskToken: KNOWN_TOKEN }]);
  });

  it("the engine's AwsProtocolError reaches the SDK as an exception of that name", async () => {
    const error = await sfn.send(new SendTaskSuccessCommand({ taskToken: PLANTED_SECRET, output: '{}' })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TaskDoesNotExist', message: 'The task token is not known: the task may have finished or timed out.' });
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: `${EXECUTION}-x` }))).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });

  it('refuses a request missing a member, naming the member and never the task token', async () => {
    const answer = await rawCall(endpoint.aws.endpoint, 'AWSStepFunctions.SendTaskSuccess', { taskToken: PLANTED_SECRET }, 'application/x-amz-json-1.0');
    expect([answer.status, answer.json.__type]).toEqual([400, 'ValidationException']);
    expect(answer.json.message).toContain('output');
    expect(answer.text).not.toContain(PLANTED_SECRET);
    const wrongType = await rawCall(endpoint.aws.endpoint, 'AWSStepFunctions.SendTaskSuccess', { taskToken: PLANTED_SECRET, output: { approved: true } }, 'application/x-amz-json-1.0');
    expect([wrongType.status, wrongType.json.__type]).toEqual([400, 'SerializationException']);
    expect(wrongType.text).not.toContain(PLANTED_SECRET);
  });

  it('an unexpected engine failure is a 500 InternalFailure with a generic message; the log names the operation and error class only', async () => {
    const answer = await rawCall(endpoint.aws.endpoint, 'AWSStepFunctions.StartExecution', { stateMachineArn: MACHINE, name: 'boom', input: PLANTED_SECRET }, 'application/x-amz-json-1.0');
    expect([answer.status, answer.json.__type]).toEqual([500, 'InternalFailure']);
    expect(answer.text).not.toContain(PLANTED_SECRET);
    expect(endpoint.logged).toEqual(['[local aws endpoint] AWSStepFunctions.StartExecution failed unexpectedly (TypeError)']);
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'boom' }))).rejects.toMatchObject({ name: 'InternalFailure' });
  });
});

describe('local AWS endpoint without a Step Functions engine', () => {
  it('answers every Step Functions operation with UnknownOperationException', async () => {
    const endpoint = await startEndpoint();
    try {
      const error = await endpoint.sfnClient().send(new SendTaskSuccessCommand({ taskToken: KNOWN_TOKEN, output: '{}' })).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'UnknownOperationException' });
      expect((error as Error).message).toContain('AWSStepFunctions.SendTaskSuccess');
    } finally {
      await endpoint.stop();
      removeDataFolders();
    }
  });
});
