import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalScheduler, MAX_TIMER_DELAY_MS, type NewSchedule, type ScheduleOutcome, ScheduleTargetMissing, type LocalSchedulerOptions } from '../../../lib/local/scheduler/local-scheduler.js';
import { SCHEDULES_FILE } from '../../../lib/local/scheduler/schedule-file.js';

const GROUP = 'wardflow-local-approvals';
const TIMER_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:wardflow-local-approval-timer';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function schedule(name: string, dueAt: number, overrides: Partial<NewSchedule> = {}): NewSchedule {
  return {
    name,
    group: GROUP,
    expression: `at(${new Date(dueAt).toISOString().slice(0, 19)})`,
    dueAt,
    flexibleTimeWindow: { mode: 'OFF' },
    target: { arn: TIMER_ARN, roleArn: 'arn:aws:iam::000000000000:role/r', input: JSON.stringify({ executionId: `e-${name}`, input: { approvalId: `${name}-1` } }) },
    actionAfterCompletion: 'DELETE',
    state: 'ENABLED',
    ...overrides,
  };
}

/** A fake approval-timer: every invocation is recorded and waits until the test settles it (or answers at once). */
class FakeTimerFunction {
  readonly calls: Array<{ arn: string; input: unknown; settle: (error?: Error) => void }> = [];
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];
  constructor(private readonly answer: 'at once' | 'when told' | ((call: number) => Error | undefined) = 'at once') {}

  readonly invoke = (target: { arn: string; input: unknown }): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => (error === undefined ? resolve() : reject(error));
      this.calls.push({ ...target, settle });
      for (const waiter of [...this.waiters]) if (this.calls.length >= waiter.count) waiter.resolve();
      if (this.answer === 'at once') settle();
      else if (typeof this.answer === 'function') settle(this.answer(this.calls.length));
    });

  /** Resolves once `count` invocations have started. */
  invoked(count: number): Promise<void> {
    if (this.calls.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }
}

/** Outcomes as they happen, with a promise per awaited count. */
function outcomes() {
  const seen: ScheduleOutcome[] = [];
  const waiters: Array<{ test: (o: ScheduleOutcome[]) => boolean; resolve: () => void }> = [];
  return {
    seen,
    onSettled: (outcome: ScheduleOutcome) => {
      seen.push(outcome);
      for (const waiter of [...waiters]) if (waiter.test(seen)) waiter.resolve();
    },
    until(test: (o: ScheduleOutcome[]) => boolean): Promise<void> {
      if (test(seen)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ test, resolve }));
    },
  };
}

describe('LocalScheduler', () => {
  let dataDir: string;
  const open: LocalScheduler[] = [];
  const start = (options: Omit<LocalSchedulerOptions, 'dataDir' | 'groups'>): LocalScheduler => {
    const scheduler = LocalScheduler.open({ dataDir, groups: [GROUP], log: () => undefined, ...options });
    open.push(scheduler);
    return scheduler;
  };
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'wardflow-local-scheduler-'));
  });
  afterEach(async () => {
    vi.useRealTimers();
    for (const scheduler of open.splice(0)) await scheduler.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps a schedule across a stop and a start from the same folder, fires it once with its Input parsed, and deletes it after', async () => {
    const t0 = Date.now();
    const first = start({ invoke: new FakeTimerFunction().invoke, now: () => t0 });
    first.createSchedule(schedule('s1', t0 + HOUR));
    // On disk before createSchedule returned: a kill -9 now loses nothing.
    expect(JSON.parse(readFileSync(join(dataDir, SCHEDULES_FILE), 'utf8')).schedules).toMatchObject([{ name: 's1', group: GROUP, dueAt: t0 + HOUR }]);
    await first.stop();

    const timer = new FakeTimerFunction();
    const log = outcomes();
    const second = start({ invoke: timer.invoke, now: () => t0 + 2 * HOUR, onSettled: log.onSettled });
    expect(second.getSchedule(GROUP, 's1').name).toBe('s1');
    second.start();
    await log.until((o) => o.length === 1);
    expect(log.seen).toEqual([{ group: GROUP, name: 's1', result: 'deleted', attempt: 1 }]);
    expect(timer.calls.map(({ arn, input }) => ({ arn, input }))).toEqual([{ arn: TIMER_ARN, input: { executionId: 'e-s1', input: { approvalId: 's1-1' } } }]);
    expect(() => second.getSchedule(GROUP, 's1')).toThrow(/does not exist/);
    await second.stop();

    const third = start({ invoke: timer.invoke, now: () => t0 + 3 * HOUR });
    third.start();
    expect(() => third.getSchedule(GROUP, 's1')).toThrow(/does not exist/);
    expect(JSON.parse(readFileSync(join(dataDir, SCHEDULES_FILE), 'utf8')).schedules).toEqual([]);
    expect(timer.calls).toHaveLength(1);
  });

  it('finds what a runtime killed without stopping had accepted (nothing but the file carries it over)', () => {
    const t0 = Date.now();
    const killed = LocalScheduler.open({ dataDir, groups: [GROUP], invoke: async () => undefined, now: () => t0 });
    killed.createSchedule(schedule('s-killed', t0 + HOUR));
    // Never stopped: a second scheduler reads the folder as a restarted runtime would.
    const restarted = start({ invoke: async () => undefined, now: () => t0 });
    expect(restarted.getSchedule(GROUP, 's-killed').dueAt).toBe(t0 + HOUR);
  });

  it('fires every overdue schedule on start, oldest first and at most `concurrency` at a time', async () => {
    const t0 = Date.now();
    const writer = start({ invoke: async () => undefined, now: () => t0 });
    for (const [name, minutes] of [['c', 30], ['a', 10], ['e', 50], ['b', 20], ['d', 40]] as const) writer.createSchedule(schedule(name, t0 + minutes * 60_000));
    await writer.stop();

    const timer = new FakeTimerFunction('when told');
    const log = outcomes();
    const scheduler = start({ invoke: timer.invoke, now: () => t0 + HOUR, concurrency: 2, onSettled: log.onSettled });
    scheduler.start();
    await timer.invoked(2);
    expect(timer.calls).toHaveLength(2);
    for (let settled = 0; settled < 5; settled += 1) {
      timer.calls[settled]!.settle();
      await log.until((o) => o.length === settled + 1);
      // Never more than two under way: the third starts only once one has settled.
      expect(timer.calls.length - (settled + 1)).toBeLessThanOrEqual(2);
      if (settled < 4) await timer.invoked(Math.min(settled + 3, 5));
    }
    expect(timer.calls.map((c) => (c.input as { executionId: string }).executionId)).toEqual(['e-a', 'e-b', 'e-c', 'e-d', 'e-e']);
    expect(log.seen.every((o) => o.result === 'deleted')).toBe(true);
  });

  it('fires a schedule that becomes due while it runs, on the real timer', async () => {
    const timer = new FakeTimerFunction();
    const log = outcomes();
    const scheduler = start({ invoke: timer.invoke, onSettled: log.onSettled });
    scheduler.start();
    const due = Date.now() + 200;
    scheduler.createSchedule(schedule('soon', due));
    await log.until((o) => o.length === 1);
    expect(timer.calls).toHaveLength(1);
    expect(Date.now()).toBeGreaterThanOrEqual(due);
  });

  it('uses its clock for due-ness: with a 26h offset a schedule 25h ahead fires at once, one 30h ahead does not', async () => {
    const real = Date.now();
    const writer = start({ invoke: async () => undefined, now: () => real });
    writer.createSchedule(schedule('in-25h', real + 25 * HOUR));
    writer.createSchedule(schedule('in-30h', real + 30 * HOUR));
    await writer.stop();

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const timer = new FakeTimerFunction();
    const log = outcomes();
    const scheduler = start({ invoke: timer.invoke, now: () => Date.now() + 26 * HOUR, onSettled: log.onSettled });
    scheduler.start();
    await log.until((o) => o.length === 1);
    expect(log.seen).toEqual([{ group: GROUP, name: 'in-25h', result: 'deleted', attempt: 1 }]);
    // Its timer is armed for the other, four hours of the offset clock away.
    expect(vi.getTimerCount()).toBe(1);
    expect(scheduler.getSchedule(GROUP, 'in-30h').name).toBe('in-30h');
  });

  it('waits longer than setTimeout can by re-arming (no early firing past 2^31-1 ms), then fires', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const timer = new FakeTimerFunction();
    const log = outcomes();
    const scheduler = start({ invoke: timer.invoke, onSettled: log.onSettled });
    scheduler.start();
    scheduler.createSchedule(schedule('in-30d', Date.now() + 30 * DAY));
    await vi.advanceTimersByTimeAsync(MAX_TIMER_DELAY_MS + 1_000);
    expect(timer.calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(30 * DAY - MAX_TIMER_DELAY_MS);
    await log.until((o) => o.length === 1);
    expect(timer.calls).toHaveLength(1);
  });

  it('retries a failed invocation with doubling waits, then keeps the schedule, logs it without its Input, and fires it again at the next start', async () => {
    const lines: string[] = [];
    const failing = new FakeTimerFunction(() => Object.assign(new Error('handler said approvalId s-fail-1 broke'), { name: 'StepFailed' }));
    const log = outcomes();
    const t0 = Date.now();
    const scheduler = start({ invoke: failing.invoke, now: Date.now, retry: { attempts: 3, firstDelayMs: 20 }, log: (l) => lines.push(l), onSettled: log.onSettled });
    scheduler.createSchedule(schedule('s-fail', t0));
    scheduler.start();
    await log.until((o) => o.some((x) => x.result === 'failed'));
    expect(log.seen.map((o) => [o.result, o.attempt])).toEqual([
      ['retrying', 1],
      ['retrying', 2],
      ['failed', 3],
    ]);
    expect(scheduler.getSchedule(GROUP, 's-fail').failed).toMatchObject({ attempts: 3, errorName: 'StepFailed' });
    expect(lines.join('\n')).toMatch(/s-fail: attempt 1 of 3 failed \(StepFailed\); trying again in 20 ms/);
    expect(lines.join('\n')).toMatch(/s-fail: attempt 2 of 3 failed \(StepFailed\); trying again in 40 ms/);
    expect(lines.join('\n')).toMatch(/all 3 attempts failed .* fires again at the next start/);
    expect(lines.join('\n')).not.toMatch(/e-s-fail|broke/);
    await scheduler.stop();

    const fixed = new FakeTimerFunction();
    const next = outcomes();
    const restarted = start({ invoke: fixed.invoke, onSettled: next.onSettled });
    restarted.start();
    await next.until((o) => o.length === 1);
    expect(next.seen[0]).toMatchObject({ name: 's-fail', result: 'deleted' });
  });

  it('says which target is missing when no local function has its ARN', async () => {
    const lines: string[] = [];
    const log = outcomes();
    const scheduler = start({
      invoke: async ({ arn }) => {
        throw new ScheduleTargetMissing(`no local function has the ARN ${arn}`);
      },
      retry: { attempts: 1, firstDelayMs: 1 },
      log: (l) => lines.push(l),
      onSettled: log.onSettled,
    });
    scheduler.createSchedule(schedule('s-missing', Date.now()));
    scheduler.start();
    await log.until((o) => o.length === 1);
    expect(lines.join('\n')).toContain(`no local function has the ARN ${TIMER_ARN}`);
  });

  it('keeps a schedule with ActionAfterCompletion NONE as completed, and never fires it again', async () => {
    const timer = new FakeTimerFunction();
    const log = outcomes();
    const scheduler = start({ invoke: timer.invoke, onSettled: log.onSettled });
    scheduler.createSchedule(schedule('s-none', Date.now(), { actionAfterCompletion: 'NONE' }));
    scheduler.start();
    await log.until((o) => o.length === 1);
    expect(log.seen[0]!.result).toBe('completed');
    expect(scheduler.getSchedule(GROUP, 's-none').completedAt).toBeTypeOf('number');
    await scheduler.stop();
    const restarted = start({ invoke: timer.invoke });
    restarted.start();
    expect(restarted.getSchedule(GROUP, 's-none').completedAt).toBeTypeOf('number');
    await restarted.stop();
    expect(timer.calls).toHaveLength(1);
  });

  it('never fires a deleted schedule, nor anything once stopped; stop waits for a firing under way and records it', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const timer = new FakeTimerFunction('when told');
    const log = outcomes();
    const scheduler = start({ invoke: timer.invoke, onSettled: log.onSettled });
    scheduler.start();
    scheduler.createSchedule(schedule('deleted', Date.now() + HOUR));
    scheduler.createSchedule(schedule('later', Date.now() + 2 * HOUR));
    scheduler.createSchedule(schedule('now', Date.now()));
    scheduler.deleteSchedule(GROUP, 'deleted');
    await timer.invoked(1);
    let stopped = false;
    const stopping = scheduler.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(3 * HOUR);
    expect(stopped).toBe(false);
    timer.calls[0]!.settle();
    await stopping;
    expect(log.seen).toEqual([{ group: GROUP, name: 'now', result: 'deleted', attempt: 1 }]);
    expect(timer.calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
    // 'later' waits for the next start.
    expect(JSON.parse(readFileSync(join(dataDir, SCHEDULES_FILE), 'utf8')).schedules.map((s: { name: string }) => s.name)).toEqual(['later']);
  });
});
