import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  ListExecutionsCommand,
} from '@aws-sdk/client-sfn';
import type { Connection } from './connection.js';
import { ExecutionAmbiguous, ExecutionNotFound } from './errors.js';
import { qualifiedExecutionId, splitExecutionId } from '../../functions/shared/events/execution-id.js';
import { decodeListingPosition, encodeListingPosition, type WorkflowPosition } from './executions-token.js';
import type { ExecutionStatusFilter } from './options.js';
import { executionArnOf, executionNameOf, stateMachineArnOf } from '../shared/execution-arn.js';

/**
 * An execution as the CLI lists it. `id` is `<workflow>:<name>`, which keys its event streams
 * (functions/shared/events/execution-id.ts) and names it across workflows; `name` is its Step
 * Functions name, unique within its workflow only.
 */
export interface ExecutionSummary {
  id: string;
  name: string;
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

/** The most ListExecutions returns in one page. */
const PAGE_SIZE = 1000;
/** An error name as Step Functions reports it (`States.Timeout`); anything else might quote data and is not shown. */
const ERROR_NAME = /^[A-Za-z][A-Za-z0-9_.]{0,127}$/;

/** Some executions, and where to go on when more remain. */
export interface ExecutionListing {
  executions: ExecutionSummary[];
  /** Set when more remain: give it back as `nextToken` (`executions --next-token`) for the ones after these. */
  nextToken?: string;
}

/**
 * The newest executions of every workflow of the connection, newest first, at most `limit`
 * (Infinity: all of them), read page by page through ListExecutions' nextToken. Each state
 * machine's list is newest first; the lists of several workflows are merged by start date.
 * `nextToken` (as a previous listing returned it, with the same `status`) goes on after the
 * executions that listing returned.
 *
 * @example
 * const first = await listExecutionPage(connection, { limit: 5000 });
 * const next = first.nextToken ? await listExecutionPage(connection, { limit: 5000, nextToken: first.nextToken }) : undefined;
 */
export async function listExecutionPage(
  connection: Pick<Connection, 'sfn' | 'workflows'>,
  options: { limit: number; status?: ExecutionStatusFilter; nextToken?: string },
): Promise<ExecutionListing> {
  const { status } = options;
  const start = options.nextToken === undefined ? undefined : decodeListingPosition(options.nextToken, { status, workflows: Object.keys(connection.workflows) });
  const cursors = Object.entries(connection.workflows)
    // A workflow a token does not name had nothing left when the token was printed.
    .filter(([workflow]) => start === undefined || start.workflows[workflow] !== undefined)
    .map(([workflow, stateMachineArn]) => new WorkflowCursor(connection.sfn, { workflow, stateMachineArn, status, start: start?.workflows[workflow] }));
  const executions: ExecutionSummary[] = [];
  while (executions.length < options.limit) {
    let newest: { cursor: WorkflowCursor; head: ExecutionSummary } | undefined;
    for (const cursor of cursors) {
      const head = await cursor.head(options.limit - executions.length);
      if (head !== undefined && (newest === undefined || head.startDate.getTime() > newest.head.startDate.getTime())) newest = { cursor, head };
    }
    if (newest === undefined) break;
    executions.push(newest.head);
    newest.cursor.advance();
  }
  const positions: Record<string, WorkflowPosition> = {};
  for (const cursor of cursors) {
    const position = cursor.position();
    if (position !== undefined) positions[cursor.workflow] = position;
  }
  if (Object.keys(positions).length === 0) return { executions };
  return { executions, nextToken: encodeListingPosition({ ...(status ? { status } : {}), workflows: positions }) };
}

/**
 * The newest executions as {@link listExecutionPage} lists them, without the token.
 *
 * @example
 * const running = await listExecutions(connection, { status: 'RUNNING', limit: Infinity });
 */
export async function listExecutions(connection: Pick<Connection, 'sfn' | 'workflows'>, options: { limit: number; status?: ExecutionStatusFilter }): Promise<ExecutionSummary[]> {
  return (await listExecutionPage(connection, options)).executions;
}

/**
 * One workflow's list, a page at a time: fetched only when its next execution is needed, at
 * most as many as are still wanted, so a listing asks for no more than it shows (and the last
 * page ends where the listing does: its nextToken is Step Functions' own). Only a listing that
 * resumes inside a page (several workflows merged) reads a whole page first.
 */
class WorkflowCursor {
  readonly workflow: string;
  private page: ExecutionSummary[] = [];
  private at = 0;
  /** The token `page` was fetched with (none: the first page). */
  private pageToken: string | undefined;
  /** The token of the page after `page`; undefined once fetched and Step Functions has no more. */
  private nextToken: string | undefined;
  private fetched = false;

  constructor(
    private readonly sfn: Connection['sfn'],
    private readonly list: { workflow: string; stateMachineArn: string; status: ExecutionStatusFilter | undefined; start: WorkflowPosition | undefined },
  ) {
    this.workflow = list.workflow;
    this.nextToken = list.start?.pageToken;
  }

  /** The next execution, fetching a page of at most `wanted` (plus where a token resumes) when none is at hand. */
  async head(wanted: number): Promise<ExecutionSummary | undefined> {
    while (this.at >= this.page.length) {
      if (this.fetched && this.nextToken === undefined) return undefined;
      await this.fetch(wanted);
    }
    return this.page[this.at];
  }

  advance(): void {
    this.at++;
  }

  /** Where the next listing goes on, or undefined when this workflow has no more. */
  position(): WorkflowPosition | undefined {
    if (!this.fetched) return this.list.start ?? { skip: 0 };
    const next = this.page[this.at];
    if (next !== undefined) return { skip: this.at, nextArn: next.executionArn, ...(this.pageToken === undefined ? {} : { pageToken: this.pageToken }) };
    return this.nextToken === undefined ? undefined : { skip: 0, pageToken: this.nextToken };
  }

  private async fetch(wanted: number): Promise<void> {
    // Only the first fetch of a resumed listing starts inside a page. It asks for a whole page when
    // it looks for the execution it stopped before: executions started since push that one down.
    const resume = this.fetched ? undefined : this.list.start;
    const token = this.nextToken;
    const answer = await this.sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: this.list.stateMachineArn,
        maxResults: resume?.nextArn === undefined ? Math.min(PAGE_SIZE, (resume?.skip ?? 0) + wanted) : PAGE_SIZE,
        ...(this.list.status ? { statusFilter: this.list.status } : {}),
        ...(token ? { nextToken: token } : {}),
      }),
    );
    this.fetched = true;
    this.pageToken = token;
    this.page = (answer.executions ?? []).map((item) => summaryOf(this.list.workflow, item));
    this.nextToken = answer.nextToken || undefined;
    this.at = resume === undefined ? 0 : resumeAt(this.page, resume);
  }
}

/**
 * Where a resumed page goes on: at the execution the token named, found by ARN in the page
 * (executions started since push the first page down), else at the place the token recorded.
 */
function resumeAt(page: readonly ExecutionSummary[], resume: WorkflowPosition): number {
  const found = resume.nextArn === undefined ? -1 : page.findIndex((e) => e.executionArn === resume.nextArn);
  return found >= 0 ? found : Math.min(resume.skip, page.length);
}

/**
 * Describes one execution, named by its id (`<workflow>:<name>`), its bare name (looked for in
 * every workflow) or its ARN. Throws `ExecutionNotFound` when no workflow of the connection has
 * it, and `ExecutionAmbiguous`, listing the ids to use, when a bare name is an execution of more
 * than one workflow (names are unique per state machine only).
 *
 * @example
 * const execution = await describeExecution(connection, 'invoice-approval:invoice-large-450c9d63');
 */
export async function describeExecution(connection: Pick<Connection, 'sfn' | 'workflows'>, ref: string): Promise<ExecutionDescription> {
  const workflows = Object.entries(connection.workflows);
  const { workflow: named, name } = ref.startsWith('arn:') ? { workflow: undefined, name: ref } : splitExecutionId(ref);
  const candidates = ref.startsWith('arn:')
    ? workflows.filter(([, arn]) => arn === stateMachineArnOf(ref)).map(([workflow]) => ({ workflow, executionArn: ref }))
    : workflows.filter(([workflow]) => named === undefined || workflow === named).map(([workflow, arn]) => ({ workflow, executionArn: executionArnOf(arn, name) }));
  const found: ExecutionDescription[] = [];
  for (const { workflow, executionArn } of candidates) {
    let answer: DescribeExecutionCommandOutput;
    try {
      // Metadata only: the CLI never shows input or output, and without it the caller would need
      // kms:Decrypt on the state machine's key, which a read-only profile must not hold.
      answer = await connection.sfn.send(new DescribeExecutionCommand({ executionArn, includedData: 'METADATA_ONLY' }));
    } catch (error) {
      if ((error as { name?: unknown } | null)?.name === 'ExecutionDoesNotExist') continue;
      throw error;
    }
    const error = answer.error === undefined ? undefined : ERROR_NAME.test(answer.error) ? answer.error : 'UnrecognisedError';
    found.push({
      ...summaryOf(workflow, { ...answer, executionArn: answer.executionArn ?? executionArn, name: answer.name ?? executionNameOf(executionArn) }),
      ...(error ? { error } : {}),
    });
  }
  if (found.length > 1) throw new ExecutionAmbiguous(name, found.map((e) => e.id));
  if (found.length === 0) throw new ExecutionNotFound(ref, named !== undefined && connection.workflows[named] !== undefined ? [named] : workflows.map(([workflow]) => workflow));
  return found[0]!;
}

function summaryOf(workflow: string, item: Pick<ExecutionListItem, 'executionArn' | 'name' | 'status' | 'startDate' | 'stopDate'>): ExecutionSummary {
  const executionArn = item.executionArn ?? '';
  const name = item.name ?? executionNameOf(executionArn);
  return {
    id: qualifiedExecutionId(workflow, name),
    name,
    workflow,
    executionArn,
    status: item.status ?? 'UNKNOWN',
    startDate: item.startDate ?? new Date(0),
    ...(item.stopDate ? { stopDate: item.stopDate } : {}),
  };
}
