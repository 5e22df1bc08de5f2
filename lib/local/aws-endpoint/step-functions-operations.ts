import type { LocalExecutionListItem, LocalExecutionStatus, LocalStepFunctions } from './step-functions-service.js';
import { epochSeconds, optionalEnum, optionalInteger, optionalString, requiredString, type Operation, type OperationTable } from './wire.js';

const STATUSES: readonly LocalExecutionStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];
/** DescribeExecution's `includedData`: METADATA_ONLY leaves out the execution's data (input and output), as AWS does. */
const INCLUDED_DATA = ['ALL_DATA', 'METADATA_ONLY'] as const;

/**
 * The Step Functions operations (AWS JSON 1.0, `X-Amz-Target: AWSStepFunctions.<Operation>`)
 * the local AWS endpoint answers, mapped 1:1 onto the local engine's LocalStepFunctions.
 * Only the wire changes here: members are checked for type and presence, dates become epoch
 * seconds, DescribeExecution's `includedData: METADATA_ONLY` drops input and output (the engine
 * always describes everything), and the engine's AwsProtocolErrors (TaskDoesNotExist, ExecutionDoesNotExist, ...)
 * pass through to the caller by name. Task tokens are never put into an error message.
 *
 * @example
 * const operations = stepFunctionsOperations(engine);
 * await operations.get('SendTaskSuccess')?.({ taskToken, output: '{}' });
 */
export function stepFunctionsOperations(engine: LocalStepFunctions): OperationTable {
  return new Map<string, Operation>([
    ['StartExecution', async (request) => {
      const { executionArn, startDate } = await engine.startExecution({
        stateMachineArn: requiredString(request, 'stateMachineArn'),
        name: optionalString(request, 'name'),
        input: optionalString(request, 'input'),
      });
      return { executionArn, startDate: epochSeconds(startDate) };
    }],
    ['DescribeExecution', async (request) => {
      const executionArn = requiredString(request, 'executionArn');
      const metadataOnly = optionalEnum(request, 'includedData', INCLUDED_DATA) === 'METADATA_ONLY';
      const execution = await engine.describeExecution({ executionArn });
      const data = metadataOnly ? {} : { input: execution.input, output: execution.output };
      return { ...listItemOnWire(execution), ...data, error: execution.error, cause: execution.cause };
    }],
    ['ListExecutions', async (request) => {
      const { executions, nextToken } = await engine.listExecutions({
        stateMachineArn: requiredString(request, 'stateMachineArn'),
        statusFilter: optionalEnum(request, 'statusFilter', STATUSES),
        maxResults: optionalInteger(request, 'maxResults', { min: 0, max: 1000 }),
        nextToken: optionalString(request, 'nextToken'),
      });
      return { executions: executions.map(listItemOnWire), nextToken };
    }],
    ['ListStateMachines', async () => {
      const { stateMachines } = await engine.listStateMachines();
      return { stateMachines: stateMachines.map((machine) => ({ ...machine, creationDate: epochSeconds(machine.creationDate) })) };
    }],
    ['StopExecution', async (request) => {
      const { stopDate } = await engine.stopExecution({
        executionArn: requiredString(request, 'executionArn'),
        error: optionalString(request, 'error'),
        cause: optionalString(request, 'cause'),
      });
      return { stopDate: epochSeconds(stopDate) };
    }],
    ['SendTaskSuccess', async (request) => {
      await engine.sendTaskSuccess({ taskToken: requiredString(request, 'taskToken'), output: requiredString(request, 'output') });
      return {};
    }],
    ['SendTaskFailure', async (request) => {
      await engine.sendTaskFailure({
        taskToken: requiredString(request, 'taskToken'),
        error: optionalString(request, 'error'),
        cause: optionalString(request, 'cause'),
      });
      return {};
    }],
    ['SendTaskHeartbeat', async (request) => {
      await engine.sendTaskHeartbeat({ taskToken: requiredString(request, 'taskToken') });
      return {};
    }],
  ]);
}

function listItemOnWire(item: LocalExecutionListItem) {
  return {
    executionArn: item.executionArn,
    stateMachineArn: item.stateMachineArn,
    name: item.name,
    status: item.status,
    startDate: epochSeconds(item.startDate),
    stopDate: epochSeconds(item.stopDate),
  };
}
