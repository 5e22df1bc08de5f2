import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalExecutionStatus } from '../../aws-endpoint/step-functions-service.js';
import { writeFileAtomically } from '../../atomic-file.js';

/**
 * One execution as the local runtime keeps it on disk (`<data>/executions/<file>.json`), so a
 * restart loses none: status, input and result, and `resumeFrom`, the last top-level state it
 * entered with that state's input. A RUNNING execution found at start is resumed from there
 * (every wardflow step is safe to run again; a resumed approval gate issues a new task token).
 */
export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: LocalExecutionStatus;
  startDate: string;
  stopDate?: string;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  resumeFrom?: { state: string; input: unknown };
  /** How many times a restart resumed it. */
  resumed?: number;
}

/** What listing needs of an execution: kept in memory for every one, a few hundred bytes each. */
export type ExecutionSummary = Pick<ExecutionRecord, 'executionArn' | 'stateMachineArn' | 'name' | 'status' | 'startDate' | 'stopDate'>;

/**
 * How long a new resume point may wait before it is written. A state is entered every few
 * milliseconds; writing each one cost about ten file replacements per execution. A crash inside
 * the window resumes the execution one or two states earlier, which is safe: every step may run
 * again. A status change (started, ended) is written at once.
 */
const RESUME_POINT_DELAY_MS = 50;

/**
 * The folder of execution records. Writes are atomic (temporary file, then rename), so a
 * crash leaves the previous record, never half of one. Records are written compact, and only
 * when something in them changed.
 *
 * Memory holds the whole record of RUNNING executions only (to resume and describe them
 * quickly); an ended one keeps just its summary in memory and is read from its file when
 * described, so memory does not grow with the inputs and outputs of finished executions.
 */
export class ExecutionRecords {
  private readonly folder: string;
  private readonly summaries = new Map<string, ExecutionSummary>();
  private readonly running = new Map<string, ExecutionRecord>();
  /** Records whose newest resume point is not on disk yet, with the timer that writes them. */
  private readonly unwritten = new Map<string, NodeJS.Timeout>();

  constructor(dataDir: string) {
    this.folder = join(dataDir, 'executions');
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    for (const file of readdirSync(this.folder)) {
      if (!file.endsWith('.json')) continue;
      const record = readRecord(join(this.folder, file));
      this.remember(record);
    }
  }

  get(executionArn: string): ExecutionRecord | undefined {
    const running = this.running.get(executionArn);
    if (running !== undefined) return running;
    if (!this.summaries.has(executionArn)) return undefined;
    return readRecord(this.fileOf(executionArn));
  }

  /** Summaries, newest first. */
  all(): ExecutionSummary[] {
    return [...this.summaries.values()].sort((a, b) => b.startDate.localeCompare(a.startDate) || b.name.localeCompare(a.name));
  }

  /** Whole records of the executions still RUNNING. */
  allRunning(): ExecutionRecord[] {
    return [...this.running.values()];
  }

  /** Writes the record now (a start, an end). */
  save(record: ExecutionRecord): void {
    this.cancelPending(record.executionArn);
    this.remember(record);
    writeFileAtomically(this.fileOf(record.executionArn), `${JSON.stringify(record)}\n`);
  }

  /** Changes a RUNNING record and writes it now; a change that changes nothing writes nothing. */
  update(executionArn: string, change: Partial<ExecutionRecord>): ExecutionRecord {
    const current = this.running.get(executionArn) ?? this.get(executionArn);
    if (current === undefined) throw new Error(`no execution record for ${executionArn}`);
    const next = { ...current, ...change };
    if (JSON.stringify(next) === JSON.stringify(current)) return current;
    this.save(next);
    return next;
  }

  /** Keeps a RUNNING execution's newest resume point, written within RESUME_POINT_DELAY_MS. */
  moveResumePoint(executionArn: string, resumeFrom: NonNullable<ExecutionRecord['resumeFrom']>): void {
    const current = this.running.get(executionArn);
    if (current === undefined) return;
    this.running.set(executionArn, { ...current, resumeFrom });
    if (this.unwritten.has(executionArn)) return;
    const timer = setTimeout(() => {
      this.unwritten.delete(executionArn);
      const record = this.running.get(executionArn);
      if (record !== undefined) writeFileAtomically(this.fileOf(executionArn), `${JSON.stringify(record)}\n`);
    }, RESUME_POINT_DELAY_MS);
    timer.unref();
    this.unwritten.set(executionArn, timer);
  }

  /** Writes every resume point still waiting (a stop). */
  flush(): void {
    for (const executionArn of [...this.unwritten.keys()]) {
      this.cancelPending(executionArn);
      const record = this.running.get(executionArn);
      if (record !== undefined) writeFileAtomically(this.fileOf(executionArn), `${JSON.stringify(record)}\n`);
    }
  }

  private cancelPending(executionArn: string): void {
    clearTimeout(this.unwritten.get(executionArn));
    this.unwritten.delete(executionArn);
  }

  private remember(record: ExecutionRecord): void {
    const { executionArn, stateMachineArn, name, status, startDate, stopDate } = record;
    this.summaries.set(executionArn, { executionArn, stateMachineArn, name, status, startDate, ...(stopDate === undefined ? {} : { stopDate }) });
    if (status === 'RUNNING') this.running.set(executionArn, record);
    else this.running.delete(executionArn);
  }

  private fileOf(executionArn: string): string {
    return join(this.folder, `${fileNameOf(executionArn)}.json`);
  }
}

function readRecord(file: string): ExecutionRecord {
  let record: ExecutionRecord;
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as ExecutionRecord;
  } catch {
    // Written atomically, so only a hand edit breaks one; starting without it would lose the execution silently.
    throw new Error(`execution record ${file} is not valid JSON; repair it, or move it out of the folder to drop that execution`);
  }
  if (typeof record.executionArn !== 'string' || typeof record.status !== 'string') {
    throw new Error(`execution record ${file} lacks executionArn or status; repair it, or move it out of the folder to drop that execution`);
  }
  return record;
}

/** `<state machine name>--<execution name>`: both are limited to letters, digits, - and _. */
function fileNameOf(executionArn: string): string {
  const [, , , , , , machine = '', name = ''] = executionArn.split(':');
  return `${machine}--${name}`;
}
