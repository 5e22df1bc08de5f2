import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomically } from '../atomic-file.js';

/** `<data folder>/schedules.json`: every schedule and schedule group the local EventBridge Scheduler holds. */
export const SCHEDULES_FILE = 'schedules.json';

const RetryPolicySchema = z.object({ maximumEventAgeInSeconds: z.number().int().optional(), maximumRetryAttempts: z.number().int().optional() });

export const StoredScheduleSchema = z.object({
  name: z.string(),
  group: z.string(),
  /** As given: `at(2026-12-03T10:00:00)`. */
  expression: z.string(),
  timezone: z.string().optional(),
  /** When it is due, epoch milliseconds on the runtime's clock (real time plus any --clock-offset). */
  dueAt: z.number(),
  flexibleTimeWindow: z.object({ mode: z.enum(['OFF', 'FLEXIBLE']), maximumWindowInMinutes: z.number().int().optional() }),
  target: z.object({ arn: z.string(), roleArn: z.string(), input: z.string().optional(), retryPolicy: RetryPolicySchema.optional() }),
  actionAfterCompletion: z.enum(['NONE', 'DELETE']),
  state: z.enum(['ENABLED', 'DISABLED']),
  description: z.string().optional(),
  createdAt: z.number(),
  modifiedAt: z.number(),
  /** Fired and invoked its target (ActionAfterCompletion NONE keeps it, as AWS does). */
  completedAt: z.number().optional(),
  /** Every attempt of its last firing failed: kept, logged, fired again at the next start. */
  failed: z.object({ attempts: z.number().int(), errorName: z.string(), at: z.number() }).optional(),
});
export type StoredSchedule = z.infer<typeof StoredScheduleSchema>;

const SchedulesFileSchema = z.object({
  version: z.literal(1),
  groups: z.array(z.object({ name: z.string(), createdAt: z.number() })),
  schedules: z.array(StoredScheduleSchema),
});
export type SchedulesFileContent = z.infer<typeof SchedulesFileSchema>;

/**
 * Reads the folder's schedules; an absent file is none. A file that does not parse stops the
 * start with its path: dropping the schedules in it would silently skip approval timers.
 *
 * @example
 * const { schedules } = readSchedulesFile(dataDir);
 */
export function readSchedulesFile(dataDir: string): SchedulesFileContent {
  const file = join(dataDir, SCHEDULES_FILE);
  if (!existsSync(file)) return { version: 1, groups: [], schedules: [] };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`${file} is not valid JSON; move it aside to start without its schedules`);
  }
  const result = SchedulesFileSchema.safeParse(parsed);
  if (!result.success) throw new Error(`${file} is not a wardflow schedules file (${result.error.issues.map((i) => i.path.join('.')).join(', ')}); move it aside to start without its schedules`);
  return result.data;
}

/**
 * Replaces the folder's schedules file, atomically and durably: CreateSchedule answers only after
 * this returns, so a schedule it accepted survives a kill -9 (and a power loss) right after.
 *
 * @example
 * writeSchedulesFile(dataDir, { version: 1, groups, schedules });
 */
export function writeSchedulesFile(dataDir: string, content: SchedulesFileContent): void {
  writeFileAtomically(join(dataDir, SCHEDULES_FILE), `${JSON.stringify(content)}\n`, { durable: true });
}
