import { safeErrorName } from '../../../functions/shared/errors.js';
import { AwsProtocolError } from '../aws-endpoint/protocol-error.js';
import { readSchedulesFile, writeSchedulesFile, type StoredSchedule } from './schedule-file.js';

/** What a schedule does when it fires: invoke its target with its Input, parsed (as Scheduler hands JSON to Lambda). */
export type ScheduleTargetInvoker = (target: { arn: string; input: unknown }) => Promise<void>;

/** What became of one firing; tests wait on it instead of sleeping. */
export interface ScheduleOutcome {
  group: string;
  name: string;
  /** deleted (ActionAfterCompletion DELETE), completed (NONE: kept), retrying (this attempt failed), failed (every attempt did: kept). */
  result: 'deleted' | 'completed' | 'retrying' | 'failed';
  attempt: number;
}

export type NewSchedule = Omit<StoredSchedule, 'createdAt' | 'modifiedAt' | 'completedAt' | 'failed'>;

export interface LocalSchedulerOptions {
  dataDir: string;
  invoke: ScheduleTargetInvoker;
  /** The runtime's clock, epoch ms: the real one plus any --clock-offset. @default Date.now */
  now?: () => number;
  /** Schedule groups that exist from the start, as CloudFormation made them on AWS; `default` always does. */
  groups?: readonly string[];
  /** Firings under way at once; later due ones wait their turn. @default 4 */
  concurrency?: number;
  /** Attempts per firing, and the wait before the second (doubling after). @default { attempts: 4, firstDelayMs: 1000 } */
  retry?: { attempts: number; firstDelayMs: number };
  /** @default console.error */
  log?: (line: string) => void;
  onSettled?: (outcome: ScheduleOutcome) => void;
}

/**
 * The target named no local function. Its message is safe to log: it names an ARN and a folder, nothing of the Input.
 */
export class ScheduleTargetMissing extends Error {
  override readonly name = 'ScheduleTargetMissing';
}

/** setTimeout's largest delay: a longer one fires at once (Node warns and uses 1 ms), so longer waits are re-armed. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;
const DEFAULT_GROUP = 'default';

/**
 * The local EventBridge Scheduler: holds one-time schedules in the data folder (schedules.json,
 * written before CreateSchedule answers) and fires each once when due on the runtime's clock,
 * invoking its target with its Input. After a successful invocation a schedule with
 * ActionAfterCompletion DELETE is deleted, one with NONE kept as completed. A failed invocation
 * is tried again with doubling waits; when every attempt failed the schedule is kept, marked and
 * logged, and fires again at the next start, never dropped silently. On start every overdue
 * schedule fires (a runtime stopped or killed past its due time misses none).
 *
 * One timer, for the earliest due schedule, capped at 2^31-1 ms and re-armed; due schedules
 * fire a few at a time. `stop()` cancels the timer and waits for firings under way.
 *
 * @example
 * const scheduler = LocalScheduler.open({ dataDir, invoke: async ({ arn, input }) => { ... }, groups: ['wardflow-local-approvals'] });
 * scheduler.start();
 * await scheduler.stop();
 */
export class LocalScheduler {
  readonly now: () => number;
  private readonly groups: Map<string, number>;
  private readonly schedules = new Map<string, StoredSchedule>();
  private readonly retries = new Map<string, { at: number; attempts: number }>();
  /** Failed every attempt in this run: left alone until the next start. */
  private readonly gaveUp = new Set<string>();
  private readonly queued = new Set<string>();
  private readonly inFlight = new Set<string>();
  private readonly work = new Set<Promise<void>>();
  private readonly log: (line: string) => void;
  private readonly concurrency: number;
  private readonly retry: { attempts: number; firstDelayMs: number };
  private timer: NodeJS.Timeout | undefined;
  private state: 'open' | 'started' | 'stopped' = 'open';

  private constructor(private readonly options: LocalSchedulerOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((line) => console.error(line));
    this.concurrency = options.concurrency ?? 4;
    this.retry = options.retry ?? { attempts: 4, firstDelayMs: 1_000 };
    const content = readSchedulesFile(options.dataDir);
    this.groups = new Map(content.groups.map((g) => [g.name, g.createdAt]));
    for (const name of [DEFAULT_GROUP, ...(options.groups ?? [])]) if (!this.groups.has(name)) this.groups.set(name, this.now());
    for (const schedule of content.schedules) this.schedules.set(keyOf(schedule.group, schedule.name), schedule);
  }

  /** Loads the folder's schedules; nothing fires before `start()`, while API calls are answered already. */
  static open(options: LocalSchedulerOptions): LocalScheduler {
    return new LocalScheduler(options);
  }

  /** Fires every overdue schedule now and arms the timer for the rest. */
  start(): void {
    if (this.state !== 'open') return;
    this.state = 'started';
    const now = this.now();
    const overdue = [...this.schedules.values()].filter((s) => this.isPending(s) && s.dueAt <= now);
    const failedBefore = overdue.filter((s) => s.failed !== undefined).length;
    if (overdue.length > 0) {
      this.log(`[local scheduler] ${overdue.length} schedule(s) were due while the runtime was stopped${failedBefore > 0 ? ` (${failedBefore} of them failed before)` : ''}; firing them now`);
    }
    this.arm();
  }

  /** Cancels the timer; firings under way finish (their outcome is recorded). Due schedules stay for the next start. */
  async stop(): Promise<void> {
    this.state = 'stopped';
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queued.clear();
    await Promise.allSettled([...this.work]);
  }

  hasGroup(name: string): boolean {
    return this.groups.has(name);
  }

  /** CreateScheduleGroup. */
  createGroup(name: string): void {
    if (this.groups.has(name)) throw new AwsProtocolError('ConflictException', `Schedule group ${name} already exists.`, 409);
    this.groups.set(name, this.now());
    this.persistOrUndo(() => this.groups.delete(name));
  }

  /** CreateSchedule: persisted before it returns. */
  createSchedule(schedule: NewSchedule): StoredSchedule {
    if (!this.groups.has(schedule.group)) throw new AwsProtocolError('ResourceNotFoundException', `Schedule group ${schedule.group} does not exist.`, 404);
    const key = keyOf(schedule.group, schedule.name);
    if (this.schedules.has(key)) throw new AwsProtocolError('ConflictException', `Schedule ${schedule.name} already exists.`, 409);
    const now = this.now();
    const stored: StoredSchedule = { ...schedule, createdAt: now, modifiedAt: now };
    this.schedules.set(key, stored);
    this.persistOrUndo(() => this.schedules.delete(key));
    this.arm();
    return stored;
  }

  /** GetSchedule. */
  getSchedule(group: string, name: string): StoredSchedule {
    const schedule = this.schedules.get(keyOf(group, name));
    if (schedule === undefined) throw notFound(name);
    return schedule;
  }

  /** DeleteSchedule: persisted before it returns. A firing under way finishes, and deletes nothing more. */
  deleteSchedule(group: string, name: string): void {
    const key = keyOf(group, name);
    const schedule = this.schedules.get(key);
    if (schedule === undefined) throw notFound(name);
    this.schedules.delete(key);
    this.persistOrUndo(() => this.schedules.set(key, schedule));
    this.retries.delete(key);
    this.gaveUp.delete(key);
    this.arm();
  }

  /** Enabled, not yet completed: it fires once due. */
  private isPending(schedule: StoredSchedule): boolean {
    return schedule.state === 'ENABLED' && schedule.completedAt === undefined;
  }

  /** When a schedule should fire next in this run, or undefined when it should not (now). */
  private nextFiringAt(key: string, schedule: StoredSchedule): number | undefined {
    if (!this.isPending(schedule) || this.gaveUp.has(key) || this.queued.has(key) || this.inFlight.has(key)) return undefined;
    return this.retries.get(key)?.at ?? schedule.dueAt;
  }

  /** Queues what is due, oldest first, starts what fits, and sets the one timer for the next due time. */
  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.state !== 'started') return;
    const now = this.now();
    let next = Number.POSITIVE_INFINITY;
    const due: Array<{ key: string; at: number }> = [];
    for (const [key, schedule] of this.schedules) {
      const at = this.nextFiringAt(key, schedule);
      if (at === undefined) continue;
      if (at <= now) due.push({ key, at });
      else next = Math.min(next, at);
    }
    for (const { key } of due.sort((a, b) => a.at - b.at)) this.queued.add(key);
    this.drain();
    if (next !== Number.POSITIVE_INFINITY) this.timer = setTimeout(() => this.arm(), Math.min(next - now, MAX_TIMER_DELAY_MS));
  }

  private drain(): void {
    for (const key of this.queued) {
      if (this.inFlight.size >= this.concurrency) return;
      this.queued.delete(key);
      this.inFlight.add(key);
      const firing = this.fire(key)
        .catch((error: unknown) => this.log(`[local scheduler] could not record a firing's outcome in schedules.json (${safeErrorName(error)}); it fires again at the next start`))
        .finally(() => {
          this.inFlight.delete(key);
          this.work.delete(firing);
          this.arm();
        });
      this.work.add(firing);
    }
  }

  private async fire(key: string): Promise<void> {
    const schedule = this.schedules.get(key);
    if (schedule === undefined) return;
    const attempt = (this.retries.get(key)?.attempts ?? 0) + 1;
    const where = `schedule ${schedule.group}/${schedule.name}`;
    try {
      // Scheduler hands Lambda the Input as the event: JSON, so parsed here; no Input is an empty object.
      const input: unknown = schedule.target.input === undefined ? {} : JSON.parse(schedule.target.input);
      await this.options.invoke({ arn: schedule.target.arn, input });
    } catch (error) {
      // The error's class only (or a missing target's own safe message): a handler's message may quote what it read.
      const reason = error instanceof ScheduleTargetMissing ? error.message : error instanceof SyntaxError ? 'its Input is not JSON' : `${safeErrorName(error)}`;
      if (this.schedules.get(key) !== schedule) return;
      if (attempt < this.retry.attempts) {
        const delay = this.retry.firstDelayMs * 2 ** (attempt - 1);
        this.retries.set(key, { at: this.now() + delay, attempts: attempt });
        this.log(`[local scheduler] ${where}: attempt ${attempt} of ${this.retry.attempts} failed (${reason}); trying again in ${delay} ms`);
        this.options.onSettled?.({ group: schedule.group, name: schedule.name, result: 'retrying', attempt });
        return;
      }
      this.retries.delete(key);
      this.gaveUp.add(key);
      const failed = { ...schedule, failed: { attempts: attempt, errorName: error instanceof ScheduleTargetMissing ? error.name : safeErrorName(error), at: this.now() } };
      this.replace(key, failed);
      this.log(`[local scheduler] ${where}: all ${attempt} attempts failed (${reason}); it is kept in schedules.json and fires again at the next start`);
      this.options.onSettled?.({ group: schedule.group, name: schedule.name, result: 'failed', attempt });
      return;
    }
    this.retries.delete(key);
    // Deleted (or replaced) by the API while it ran: that call decided its fate.
    if (this.schedules.get(key) !== schedule) return;
    if (schedule.actionAfterCompletion === 'DELETE') {
      this.schedules.delete(key);
      this.persistOrUndo(() => this.schedules.set(key, schedule));
      this.options.onSettled?.({ group: schedule.group, name: schedule.name, result: 'deleted', attempt });
      return;
    }
    const { failed: _cleared, ...rest } = schedule;
    this.replace(key, { ...rest, completedAt: this.now() });
    this.options.onSettled?.({ group: schedule.group, name: schedule.name, result: 'completed', attempt });
  }

  private replace(key: string, schedule: StoredSchedule): void {
    const before = this.schedules.get(key);
    this.schedules.set(key, schedule);
    this.persistOrUndo(() => (before === undefined ? this.schedules.delete(key) : this.schedules.set(key, before)));
  }

  /** Writes the file; if that fails the change is undone in memory too, so memory never claims what the disk lacks. */
  private persistOrUndo(undo: () => unknown): void {
    try {
      writeSchedulesFile(this.options.dataDir, {
        version: 1,
        groups: [...this.groups].map(([name, createdAt]) => ({ name, createdAt })),
        schedules: [...this.schedules.values()],
      });
    } catch (error) {
      undo();
      throw error;
    }
  }
}

function keyOf(group: string, name: string): string {
  return JSON.stringify([group, name]);
}

function notFound(name: string): AwsProtocolError {
  return new AwsProtocolError('ResourceNotFoundException', `Schedule ${name} does not exist.`, 404);
}
