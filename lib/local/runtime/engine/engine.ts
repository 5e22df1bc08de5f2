import { randomUUID } from 'node:crypto';
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { describeExecutionName, EXECUTION_NAME } from '../../../execution-name.js';
import { jsonTextDepthExceeds } from '../../../../functions/shared/json-depth.js';
import { AwsProtocolError } from '../../aws-endpoint/protocol-error.js';
import type {
  LocalExecutionDescription,
  LocalExecutionListItem,
  LocalExecutionStatus,
  LocalStepFunctions,
} from '../../aws-endpoint/step-functions-service.js';
import type { LocalStateMachine } from '../app/definitions.js';
import { ExecutionRecords, type ExecutionRecord, type ExecutionSummary } from './execution-records.js';
import type { LocalLambda } from '../lambda/lambda-invoke.js';
import { assertRunnableLocally, TASK_TOKEN_PLACEHOLDER, taskResourceHandlers } from './task-resources.js';
import { TaskTokens } from './task-tokens.js';

/** Step Functions' limit on execution input and task output. */
const MAX_PAYLOAD_BYTES = 256 * 1024;
/**
 * The deepest input the local engine can run: aws-local-stepfunctions copies state data
 * recursively, so a 100,000-deep input ended with RangeError and no record at all. Refused at
 * start like an input over 256 KB (AWS's JSON parsers have nesting limits of this order too).
 * Anything shallower reaches RecordStart, whose validation refuses more than MAX_JSON_DEPTH
 * levels with ValidationFailed, on the record.
 */
const MAX_RUNNABLE_DEPTH = 1000;
/**
 * How many executions a restart resumes at once. Each holds its slot until it waits on a task
 * token again, ends, or RESUME_SLOT_MS passes: resuming 1,000 waiting gates at once queued
 * thousands of requests behind the SDK clients' 50 sockets and every handler timed out.
 */
const RESUME_CONCURRENCY = 16;
const RESUME_SLOT_MS = 30_000;
/** How often the resume queue reports progress. */
const RESUME_PROGRESS_MS = 2_000;

export interface EngineOptions {
  dataDir: string;
  stateMachines: readonly LocalStateMachine[];
  functions: readonly LocalLambda[];
  /** Progress lines (execution started, resumed, ended). */
  log?: (line: string) => void;
  /**
   * Told of every execution that ends, once, after its record is saved: what EventBridge's
   * "Step Functions Execution Status Change" event tells a rule on AWS. It must not throw.
   */
  onEnded?: (ended: EndedExecution) => void;
}

/** An execution that ended, as the status-change event describes it. */
export interface EndedExecution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: Exclude<LocalExecutionStatus, 'RUNNING'>;
  startDate: string;
  stopDate: string;
  error?: string;
  cause?: string;
}

/** An interrupted execution waiting for its turn to resume. */
interface Resumption {
  executionArn: string;
  machine: LocalStateMachine;
  from: { state: string; input: unknown };
}

interface Running {
  abort(): void;
  done: Promise<void>;
}

/**
 * The local Step Functions: runs the synthesized definitions with aws-local-stepfunctions,
 * every Task calling the real handler in process, and answers the API calls the handlers and
 * the CLI make (through the local AWS endpoint). Executions are kept on disk as they go
 * (ExecutionRecords); `resumeInterrupted()` picks up the ones a stop or crash left RUNNING.
 *
 * @example
 * const engine = new LocalEngine({ dataDir, stateMachines, functions });
 * await engine.resumeInterrupted();
 * const { executionArn } = await engine.startExecution({ stateMachineArn, input: '{}' });
 */
export class LocalEngine implements LocalStepFunctions {
  readonly tokens = new TaskTokens();
  private readonly records: ExecutionRecords;
  private readonly machines: Map<string, LocalStateMachine>;
  private readonly running = new Map<string, Running>();
  /** Handler invocations under way: a stop lets them finish, so no step is cut off halfway through its writes. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly functions: readonly LocalLambda[];
  private readonly log: (line: string) => void;
  private readonly onEnded: (ended: EndedExecution) => void;
  private stopping = false;
  /** The resume queue of the last resumeInterrupted(). */
  private resuming: Promise<void> = Promise.resolve();
  /** Who waits in waitUntilEnded, woken by finish(). */
  private readonly endWaiters = new Map<string, Set<() => void>>();

  constructor(options: EngineOptions) {
    this.records = new ExecutionRecords(options.dataDir);
    this.machines = new Map(options.stateMachines.map((m) => [m.arn, m]));
    this.functions = options.functions.map((fn) => ({ ...fn, run: (event, context) => this.track(fn.run(event, context)) }));
    for (const machine of options.stateMachines) {
      assertRunnableLocally(machine.definition, options.functions);
      // Validated once as synthesized; a resumed run starts elsewhere, which the validator would call unreachable states.
      new StateMachine(machine.definition as unknown as StateMachineDefinition, { validationOptions: { checkArn: false } });
    }
    this.log = options.log ?? (() => undefined);
    this.onEnded = options.onEnded ?? (() => undefined);
  }

  async startExecution(request: { stateMachineArn: string; name?: string; input?: string }): Promise<{ executionArn: string; startDate: Date }> {
    const machine = this.machineOf(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (!EXECUTION_NAME.test(name)) {
      throw new AwsProtocolError('InvalidName', describeExecutionName(name));
    }
    const input = request.input ?? '{}';
    if (Buffer.byteLength(input, 'utf8') > MAX_PAYLOAD_BYTES) throw new AwsProtocolError('InvalidExecutionInput', 'The input is larger than 256 KB.');
    if (jsonTextDepthExceeds(input, MAX_RUNNABLE_DEPTH)) {
      throw new AwsProtocolError('InvalidExecutionInput', `The input is nested deeper than ${MAX_RUNNABLE_DEPTH} levels.`);
    }
    try {
      JSON.parse(input);
    } catch {
      throw new AwsProtocolError('InvalidExecutionInput', 'The input is not valid JSON.');
    }
    const executionArn = `${machine.arn.replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = this.records.get(executionArn);
    if (existing !== undefined) {
      // As AWS: the same name and input while it runs is the same request again; anything else is refused.
      if (existing.status === 'RUNNING' && existing.input === input) return { executionArn, startDate: new Date(existing.startDate) };
      throw new AwsProtocolError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.arn,
      name,
      status: 'RUNNING',
      startDate: new Date().toISOString(),
      input,
    };
    this.records.save(record);
    this.run(record, machine, String(machine.definition.StartAt), JSON.parse(input) as unknown);
    return { executionArn, startDate: new Date(record.startDate) };
  }

  async describeExecution(request: { executionArn: string }): Promise<LocalExecutionDescription> {
    const record = this.recordOf(request.executionArn);
    return {
      ...listItem(record),
      input: record.input,
      ...(record.output === undefined ? {} : { output: record.output }),
      ...(record.error === undefined ? {} : { error: record.error }),
      ...(record.cause === undefined ? {} : { cause: record.cause }),
    };
  }

  async listExecutions(request: { stateMachineArn: string; statusFilter?: LocalExecutionStatus; maxResults?: number; nextToken?: string }) {
    this.machineOf(request.stateMachineArn);
    const matching = this.records
      .all()
      .filter((r) => r.stateMachineArn === request.stateMachineArn && (request.statusFilter === undefined || r.status === request.statusFilter));
    // The token names where the last page ended in the newest-first order (start date, name), not
    // a position: executions started between two pages would shift a position and repeat items,
    // and one that ended in between (with a status filter) must not invalidate the token.
    let start = 0;
    if (request.nextToken !== undefined) {
      const after = pageEndOf(request.nextToken);
      if (after === undefined) throw new AwsProtocolError('InvalidToken', 'Invalid nextToken.');
      start = matching.findIndex((r) => r.startDate < after.startDate || (r.startDate === after.startDate && r.name < after.name));
      if (start < 0) start = matching.length;
    }
    const size = Math.min(Math.max(request.maxResults || 100, 1), 1000);
    const page = matching.slice(start, start + size);
    const last = page.at(-1);
    const next = start + size < matching.length && last !== undefined ? Buffer.from(JSON.stringify([last.startDate, last.name])).toString('base64url') : undefined;
    return { executions: page.map(listItem), ...(next === undefined ? {} : { nextToken: next }) };
  }

  async listStateMachines() {
    return {
      stateMachines: [...this.machines.values()].map((m) => ({ stateMachineArn: m.arn, name: m.name, type: 'STANDARD' as const, creationDate: new Date(0) })),
    };
  }

  async stopExecution(request: { executionArn: string; error?: string; cause?: string }): Promise<{ stopDate: Date }> {
    const record = this.recordOf(request.executionArn);
    const stopDate = new Date();
    if (record.status !== 'RUNNING') return { stopDate: new Date(record.stopDate ?? stopDate) };
    this.finish(record.executionArn, {
      status: 'ABORTED',
      ...(request.error === undefined ? {} : { error: request.error }),
      ...(request.cause === undefined ? {} : { cause: request.cause }),
    });
    this.running.get(record.executionArn)?.abort();
    return { stopDate };
  }

  async sendTaskSuccess(request: { taskToken: string; output: string }): Promise<void> {
    this.tokens.succeed(request.taskToken, request.output);
  }

  async sendTaskFailure(request: { taskToken: string; error?: string; cause?: string }): Promise<void> {
    this.tokens.fail(request.taskToken, request.error, request.cause);
  }

  async sendTaskHeartbeat(request: { taskToken: string }): Promise<void> {
    this.tokens.heartbeat(request.taskToken);
  }

  /**
   * Resumes every execution a stop or crash left RUNNING, from the last state it entered, with
   * that state's input and what is left of its execution timeout. One that cannot be resumed
   * (its state is gone from the definition, or its time is up) ends FAILED with
   * `Wardflow.Interrupted` or `States.Timeout`, never left hanging.
   */
  async resumeInterrupted(): Promise<{ resumed: string[]; ended: string[] }> {
    const resumed: string[] = [];
    const ended: string[] = [];
    const queue: Resumption[] = [];
    const interrupted = this.records.allRunning().sort((a, b) => a.startDate.localeCompare(b.startDate) || a.name.localeCompare(b.name));
    for (const record of interrupted) {
      const machine = this.machines.get(record.stateMachineArn);
      const states = machine?.definition.States as Record<string, unknown> | undefined;
      const from = record.resumeFrom ?? { state: String(machine?.definition.StartAt), input: JSON.parse(record.input) as unknown };
      if (machine === undefined || states?.[from.state] === undefined) {
        this.finish(record.executionArn, {
          status: 'FAILED',
          error: 'Wardflow.Interrupted',
          cause: `The local runtime stopped while this execution was in state ${from.state}, which its state machine no longer has.`,
        });
        ended.push(record.name);
        continue;
      }
      if (remainingSeconds(machine, record) <= 0) {
        this.finish(record.executionArn, { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution timed out while the local runtime was stopped.' });
        ended.push(record.name);
        continue;
      }
      queue.push({ executionArn: record.executionArn, machine, from });
      resumed.push(record.name);
    }
    this.resuming = this.resumeInTurn(queue);
    return { resumed, ended };
  }

  /** Resolves once every execution resumeInterrupted() queued has been resumed (tests, the benchmark). */
  async resumed(): Promise<void> {
    await this.resuming;
  }

  /**
   * Resumes the queued executions RESUME_CONCURRENCY at a time, oldest first, with a progress
   * line every few seconds. Until its turn comes an execution stays RUNNING on record, and a
   * decision made on its emailed link meanwhile is kept: its gate finds it when it runs again.
   */
  private async resumeInTurn(queue: readonly Resumption[]): Promise<void> {
    if (queue.length === 0) return;
    const started = Date.now();
    this.log(`resuming ${queue.length} interrupted execution(s), ${RESUME_CONCURRENCY} at a time`);
    let next = 0;
    let done = 0;
    let reported = Date.now();
    const worker = async () => {
      while (!this.stopping && next < queue.length) {
        const { executionArn, machine, from } = queue[next++]!;
        const record = this.records.get(executionArn);
        if (record?.status === 'RUNNING') {
          const again = this.records.update(executionArn, { resumed: (record.resumed ?? 0) + 1 });
          this.log(`execution ${record.name} resumed at ${from.state}`);
          await this.run(again, machine, from.state, from.input).settledOrWaiting;
        }
        done += 1;
        if (Date.now() - reported >= RESUME_PROGRESS_MS && done < queue.length) {
          reported = Date.now();
          this.log(`resumed ${done} of ${queue.length} interrupted execution(s)`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(RESUME_CONCURRENCY, queue.length) }, worker));
    if (!this.stopping) this.log(`resumed all ${queue.length} interrupted execution(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  /**
   * Stops running executions without ending them: their records stay RUNNING, to be resumed at
   * the next start. No new state begins; handler invocations under way may finish (up to
   * `graceMs`), so a step is not cut off between its writes.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    const runs = [...this.running.values()];
    for (const run of runs) run.abort();
    await Promise.allSettled(runs.map((run) => run.done));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
    clearTimeout(timer);
    await this.resuming;
    this.records.flush();
  }

  private track<T>(invocation: Promise<T>): Promise<T> {
    this.inFlight.add(invocation);
    const forget = () => this.inFlight.delete(invocation);
    invocation.then(forget, forget);
    return invocation;
  }

  /**
   * Resolves when the execution is no longer RUNNING (tests, the demo, the benchmark), or with
   * its RUNNING description once `timeoutMs` passes. Woken by the end itself, never by polling.
   */
  async waitUntilEnded(executionArn: string, timeoutMs: number): Promise<LocalExecutionDescription> {
    const current = await this.describeExecution({ executionArn });
    if (current.status !== 'RUNNING') return current;
    let timer: NodeJS.Timeout | undefined;
    let wake!: () => void;
    const ended = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const waiting = this.endWaiters.get(executionArn) ?? new Set<() => void>();
    waiting.add(wake);
    this.endWaiters.set(executionArn, waiting);
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, timeoutMs));
    });
    try {
      await Promise.race([ended, deadline]);
    } finally {
      clearTimeout(timer);
      waiting.delete(wake);
      if (waiting.size === 0) this.endWaiters.delete(executionArn);
    }
    return this.describeExecution({ executionArn });
  }

  /**
   * Runs the execution from `startAt`. `settledOrWaiting` resolves once it waits on a task token
   * (its gate handler has returned), ends, or RESUME_SLOT_MS passes: the resume queue's turn.
   */
  private run(record: ExecutionRecord, machine: LocalStateMachine, startAt: string, input: unknown): { settledOrWaiting: Promise<void> } {
    const definition = {
      ...machine.definition,
      StartAt: startAt,
      TimeoutSeconds: Math.max(1, Math.ceil(remainingSeconds(machine, record))),
    } as unknown as StateMachineDefinition;
    const stateMachine = new StateMachine(definition, { validationOptions: { noValidate: true } });
    let waiting!: () => void;
    const parked = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const execution = stateMachine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: taskResourceHandlers(machine.definition, {
          functions: this.functions,
          tokens: this.tokens,
          executionArn: record.executionArn,
          onWaiting: waiting,
        }) as never,
      },
      context: {
        Execution: { Id: record.executionArn, Name: record.name, StartTime: record.startDate, RoleArn: 'arn:aws:iam::000000000000:role/local' },
        StateMachine: { Id: machine.arn, Name: machine.name },
        Task: { Token: TASK_TOKEN_PLACEHOLDER },
      },
    });
    const follow = this.followStates(record.executionArn, machine, execution.eventLogs);
    const done = execution.result.then(
      (output) => {
        const text = JSON.stringify(output ?? null);
        if (Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD_BYTES) {
          this.finish(record.executionArn, { status: 'FAILED', error: 'States.DataLimitExceeded', cause: 'The execution output is larger than 256 KB.' });
        } else this.finish(record.executionArn, { status: 'SUCCEEDED', output: text });
      },
      (error: unknown) => this.failed(record.executionArn, error),
    );
    const settled = Promise.allSettled([done, follow]).then(() => {
      this.running.delete(record.executionArn);
      for (const token of this.tokens.ofExecution(record.executionArn)) this.tokens.abandon(token, 'ended');
    });
    this.running.set(record.executionArn, { abort: execution.abort, done: settled });
    let slotTimer: NodeJS.Timeout | undefined;
    const slot = new Promise<void>((resolve) => {
      slotTimer = setTimeout(resolve, RESUME_SLOT_MS);
    });
    const settledOrWaiting = Promise.race([parked, settled, slot]).finally(() => clearTimeout(slotTimer));
    return { settledOrWaiting };
  }

  /** Keeps `resumeFrom` at the last top-level state entered, with its input. */
  private async followStates(executionArn: string, machine: LocalStateMachine, events: AsyncGenerator<{ type: string; state?: { name: string; input: unknown }; index?: number; parentState?: unknown }>): Promise<void> {
    const topLevel = machine.definition.States as Record<string, unknown>;
    for await (const event of events) {
      if (event.type !== 'StateEntered' || event.state === undefined || event.index !== undefined || event.parentState !== undefined) continue;
      if (topLevel[event.state.name] === undefined || this.stopping) continue;
      const record = this.records.get(executionArn);
      if (record?.status !== 'RUNNING') continue;
      this.records.moveResumePoint(executionArn, { state: event.state.name, input: event.state.input });
    }
  }

  private failed(executionArn: string, error: unknown): void {
    if (error instanceof ExecutionAbortedError) return; // stopped by StopExecution (already recorded) or by a runtime stop (to resume)
    if (this.stopping) return;
    if (error instanceof ExecutionTimeoutError) {
      this.finish(executionArn, { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution ran longer than its TimeoutSeconds.' });
      return;
    }
    const inner = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error instanceof Error ? error : new Error(String(error));
    this.finish(executionArn, { status: 'FAILED', error: inner.name, cause: inner.message });
  }

  private finish(executionArn: string, change: Partial<ExecutionRecord>): void {
    const record = this.records.get(executionArn);
    if (record === undefined || record.status !== 'RUNNING') return;
    const { resumeFrom: _resumeFrom, ...rest } = record;
    const ended = { ...rest, ...change, stopDate: new Date().toISOString() };
    this.records.save(ended);
    this.log(`execution ${record.name} ended ${change.status}${change.error ? ` (${change.error})` : ''}`);
    this.onEnded({
      executionArn: ended.executionArn,
      stateMachineArn: ended.stateMachineArn,
      name: ended.name,
      status: ended.status as EndedExecution['status'],
      startDate: ended.startDate,
      stopDate: ended.stopDate,
      ...(ended.error === undefined ? {} : { error: ended.error }),
      ...(ended.cause === undefined ? {} : { cause: ended.cause }),
    });
    for (const wake of this.endWaiters.get(executionArn) ?? []) wake();
  }

  private machineOf(stateMachineArn: string): LocalStateMachine {
    const machine = this.machines.get(stateMachineArn);
    if (machine === undefined) throw new AwsProtocolError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
    return machine;
  }

  private recordOf(executionArn: string): ExecutionRecord {
    const record = this.records.get(executionArn);
    if (record === undefined) throw new AwsProtocolError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
  }
}

function listItem(record: ExecutionSummary): LocalExecutionListItem {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: new Date(record.startDate),
    ...(record.stopDate === undefined ? {} : { stopDate: new Date(record.stopDate) }),
  };
}

/** The (start date, name) a ListExecutions token names, or undefined for a token this engine did not make. */
function pageEndOf(token: string): { startDate: string; name: string } | undefined {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { startDate: value[0], name: value[1] };
    }
  } catch {
    // not ours
  }
  return undefined;
}

/** What is left of the execution's TimeoutSeconds, counted from its first start. */
function remainingSeconds(machine: LocalStateMachine, record: ExecutionRecord): number {
  const timeout = machine.definition.TimeoutSeconds;
  if (typeof timeout !== 'number') return 365 * 24 * 3600;
  return timeout - (Date.now() - Date.parse(record.startDate)) / 1000;
}
