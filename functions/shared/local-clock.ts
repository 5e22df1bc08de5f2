import { ConfigurationInvalid } from './errors.js';

/**
 * The local runtime's clock offset (`wardflow dev --clock-offset 25h`): handlers run as if that
 * much later, so deadlines, reminders and escalation can be tried without waiting for them.
 *
 * Honoured only together with LOCAL_RUNTIME_MARKER, which only the local runtime sets
 * (lib/local/runtime/lambda/handler-environment.ts; a CDK test proves no deployed function has
 * either): WARDFLOW_ENV is no marker, since a deployed environment may be named `local` too.
 */
export const LOCAL_CLOCK_OFFSET_VARIABLE = 'WARDFLOW_LOCAL_CLOCK_OFFSET_MS';
export const LOCAL_RUNTIME_MARKER = 'WARDFLOW_LOCAL_RUNTIME';

/** 400 days: past any approval deadline a workflow can set, short of a typo's thousand years. */
export const MAX_LOCAL_CLOCK_OFFSET_MS = 400 * 24 * 60 * 60 * 1000;

/**
 * The offset in milliseconds the environment asks for: 0 outside the local runtime, whatever the
 * variable says. Inside it, a malformed or out-of-range offset is refused (ConfigurationInvalid),
 * not ignored: a run that silently used the real clock would make a deadline test pass for the
 * wrong reason.
 *
 * @example
 * localClockOffsetMs({ WARDFLOW_LOCAL_RUNTIME: '1', WARDFLOW_LOCAL_CLOCK_OFFSET_MS: '90000000' }); // 90000000
 * localClockOffsetMs({ WARDFLOW_LOCAL_CLOCK_OFFSET_MS: '90000000' }); // 0: not the local runtime
 */
export function localClockOffsetMs(env: NodeJS.ProcessEnv = process.env): number {
  if (env[LOCAL_RUNTIME_MARKER] !== '1') return 0;
  const text = env[LOCAL_CLOCK_OFFSET_VARIABLE];
  if (text === undefined || text === '') return 0;
  const offset = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(offset) || offset > MAX_LOCAL_CLOCK_OFFSET_MS) {
    throw new ConfigurationInvalid(`environment variable ${LOCAL_CLOCK_OFFSET_VARIABLE} must be a whole number of milliseconds from 0 to ${MAX_LOCAL_CLOCK_OFFSET_MS} (400 days)`);
  }
  return offset;
}

/**
 * A clock `offsetMs` ahead of the real one.
 *
 * @example
 * const now = offsetClock(localClockOffsetMs());
 * now().toISOString();
 */
export function offsetClock(offsetMs: number): () => Date {
  return offsetMs === 0 ? () => new Date() : () => new Date(Date.now() + offsetMs);
}
