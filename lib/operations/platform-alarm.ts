import { type AlarmSpec, PLATFORM_ALARMS } from './alarm-catalog.js';

/**
 * The platform alarm with this key, for the construct that builds it: its name and description
 * come from the catalog, so they cannot drift from docs/operations.md.
 *
 * @example
 * platformAlarm('audit-dead-letters').runbook;
 */
export function platformAlarm(key: string): AlarmSpec {
  const spec = PLATFORM_ALARMS.find((alarm) => alarm.key === key);
  if (spec === undefined) throw new Error(`no platform alarm ${key} in the alarm catalog (lib/operations/alarm-catalog.ts)`);
  return spec;
}
