import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  ListExecutionsCommand,
} from '@aws-sdk/client-sfn';
import type { Connection } from './connection.js';
import { ExecutionNotFound } from './errors.js';
import type { ExecutionStatusFilter } from './options.js';
import { executionArnOf, executionNameOf, stateMachineArnOf } from './workflows.js';

/** An execution as the CLI lists it; `id` is its name, which keys its event stream. */
export interface ExecutionSummary {
  id: string;
  workflow: string;
  executionArn: string;
  status: string;
  startDate: Date;
  stopDate?: Date;
}

/** What DescribeExecution says, minus input, output and cause, which may quote the input. */
export interface ExecutionDescription extends ExecutionSummary {
  /** The error's name when it failed (`States.Timeout`, `ValidationFailed`); never the cause text. */
  error?: string;
}

const PAGE_SIZE = 1000;
/** An error name as Step Functions reports it (`States.Timeout`); anything else might quote data and is not shown. */
const ERROR_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,127}$/;

/**
 * The newest executions of every workflow of the connection, newest first, at most `limit`
 * (Infinity: all of them). ListExecutions answers newest first per state machine; the lists
 * of several workflows are merged by start date.
 *
 * @example
 * const running = await listExecutions(connection, { status: 'RUNNING', limit: Infinity });
 */
export async function listExecutions(connection: Pick<Connection, 'sfn' | 'workflows'>, options: { limit: number; status?: ExecutionStatusFilter }): Promise<ExecutionSummary[]> {
  const all: ExecutionSummary[] = [];
  for (const [workflow, stateMachineArn] of Object.entries(connection.workflows)) {
    let nextToken: string | undefined;
    let count = 0;
    do {
      const page = await connection.sfn.send(
        new ListExecutionsCommand({
          stateMachineArn,
          maxResults: Math.min(PAGE_SIZE, options.limit - count),
          ...(options.status ? { statusFilter: options.status } : {}),
          ...(nextToken ? { nextToken } : {}),
        }),
      );
      for (const item of page.executions ?? []) all.push(summaryOf(workflow, item));
      count += page.executions?.length ?? 0;
      nextToken = page.nextToken;
    } while (nextToken && count < options.limit);
  }
  return all.sort((a, b) => b.startDate.getTime() - a.startDate.getTime()).slice(0, options.limit);
}

/**
 * Describes one execution, named by its name (looked for in every workflow) or its ARN.
 * Throws `ExecutionNotFound` when no workflow of the connection has it.
 *
 * @example
 * const execution = await describeExecution(connection, 'invoice-large-450c9d63');
 */
export async function describeExecution(connection: Pick<Connection, 'sfn' | 'workflows'>, ref: string): Promise<ExecutionDescription> {
  const workflows = Object.entries(connection.workflows);
  const candidates = ref.startsWith('arn:')
    ? workflows.filter(([, arn]) => arn === stateMachineArnOf(ref)).map(([workflow]) => ({ workflow, executionArn: ref }))
    : workflows.map(([workflow, arn]) => ({ workflow, executionArn: executionArnOf(arn, ref) }));
  for (const { workflow, executionArn } of candidates) {
    let answer: DescribeExecutionCommandOutput;
    try {
      answer = await connection.sfn.send(new DescribeExecutionCommand({ executionArn }));
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name === 'ExecutionDoesNotExist') continue;
      throw error;
    }
    const error = answer.error === undefined ? undefined : ERROR_NAME.test(answer.error) ? answer.error : 'UnrecognisedError';
    return {
      ...summaryOf(workflow, { ...answer, executionArn: answer.executionArn ?? executionArn, name: answer.name ?? executionNameOf(executionArn) }),
      ...(error ? { error } : {}),
    };
  }
  throw new ExecutionNotFound(ref, workflows.map(([workflow]) => workflow));
}

function summaryOf(workflow: string, item: Pick<ExecutionListItem, 'executionArn' | 'name' | 'status' | 'startDate' | 'stopDate'>): ExecutionSummary {
  const executionArn = item.executionArn ?? '';
  return {
    id: item.name ?? executionNameOf(executionArn),
    workflow,
    executionArn,
    status: item.status ?? 'UNKNOWN',
    startDate: item.startDate ?? new Date(0),
    ...(item.stopDate ? { stopDate: item.stopDate } : {}),
  };
}
