import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalExecutionStatus } from '../aws-endpoint/step-functions-service.js';
import { writeFileAtomically } from '../atomic-file.js';

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

/**
 * The folder of execution records. Writes are atomic (temporary file, then rename), so a
 * crash leaves the previous record, never half of one.
 */
export class ExecutionRecords {
  private readonly folder: string;
  private readonly cache = new Map<string, ExecutionRecord>();

  constructor(dataDir: string) {
    this.folder = join(dataDir, 'executions');
    mkdirSync(this.folder, { recursive: true, mode: 0o700 });
    for (const file of readdirSync(this.folder)) {
      if (!file.endsWith('.json')) continue;
      let record: ExecutionRecord;
      try {
        record = JSON.parse(readFileSync(join(this.folder, file), 'utf8')) as ExecutionRecord;
      } catch {
        // Written atomically, so only a hand edit breaks one; starting without it would lose the execution silently.
        throw new Error(`execution record ${join(this.folder, file)} is not valid JSON; repair it, or move it out of the folder to drop that execution`);
      }
      if (typeof record.executionArn !== 'string' || typeof record.status !== 'string') {
        throw new Error(`execution record ${join(this.folder, file)} lacks executionArn or status; repair it, or move it out of the folder to drop that execution`);
      }
      this.cache.set(record.executionArn, record);
    }
  }

  get(executionArn: string): ExecutionRecord | undefined {
    return this.cache.get(executionArn);
  }

  /** Newest first. */
  all(): ExecutionRecord[] {
    return [...this.cache.values()].sort((a, b) => b.startDate.localeCompare(a.startDate) || b.name.localeCompare(a.name));
  }

  save(record: ExecutionRecord): void {
    this.cache.set(record.executionArn, record);
    const file = join(this.folder, `${fileNameOf(record.executionArn)}.json`);
    writeFileAtomically(file, `${JSON.stringify(record, null, 2)}\n`);
  }

  update(executionArn: string, change: Partial<ExecutionRecord>): ExecutionRecord {
    const current = this.cache.get(executionArn);
    if (current === undefined) throw new Error(`no execution record for ${executionArn}`);
    const next = { ...current, ...change };
    this.save(next);
    return next;
  }
}

/** `<state machine name>--<execution name>`: both are limited to letters, digits, - and _. */
function fileNameOf(executionArn: string): string {
  const [, , , , , , machine = '', name = ''] = executionArn.split(':');
  return `${machine}--${name}`;
}
