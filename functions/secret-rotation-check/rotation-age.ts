import { type SecretValueFacts, type ValueDateSource, valueDate } from '../shared/secret-value-age.js';

/**
 * The pure part of the rotation check: how old a secret's value is, and whether that is older than
 * its policy. No clock, no AWS: the handler passes both in.
 */

/** The metric the alarm `wardflow-<env>-secret-rotation-overdue` watches (lib/constructs/secret-rotation-check.ts). */
export const ROTATION_METRIC = { namespace: 'wardflow', overdue: 'SecretsOverdue', checked: 'SecretsChecked', dimension: 'Environment' } as const;

/** One secret the check watches, as CDK hands it over in ROTATION_POLICIES. */
export interface RotationPolicy {
  /** The secret's ARN (what DescribeSecret is asked for, and all its role may ask for). */
  readonly secretId: string;
  /** `<workflow>/<secret>`: a name for logs and the alarm's reader, never a value. */
  readonly name: string;
  /** Days a value may live (the workflow's rotationDays, 90 by default). */
  readonly rotationDays: number;
}

/** What the check found for one secret. */
export interface RotationStatus {
  readonly name: string;
  /** Whole days since the value last changed (rounded down). */
  readonly ageDays: number;
  readonly rotationDays: number;
  readonly overdue: boolean;
  /** Which date the age was measured from. */
  readonly since: ValueDateSource | 'unknown';
}

const DAY_MS = 86_400_000;

/**
 * The age of a secret's value against its policy, measured from the date its value in use dates
 * from (valueDate: the AWSCURRENT version's creation or the last rotation; `wardflow doctor` uses
 * the same rule). Overdue once older than `rotationDays` whole days. A secret with no date at all is
 * overdue: nothing proves it was ever replaced.
 *
 * @example
 * rotationStatus(policy, { versions: [{ stages: ['AWSCURRENT'], created: new Date('2026-08-01') }] }, new Date('2026-12-03'));
 * // { name, ageDays: 124, rotationDays: 90, overdue: true, since: 'current version' }
 */
export function rotationStatus(policy: RotationPolicy, facts: SecretValueFacts, now: Date): RotationStatus {
  const found = valueDate(facts);
  if (found === undefined) return { name: policy.name, ageDays: Number.POSITIVE_INFINITY, rotationDays: policy.rotationDays, overdue: true, since: 'unknown' };
  const ageDays = Math.max(0, Math.floor((now.getTime() - found.date.getTime()) / DAY_MS));
  return { name: policy.name, ageDays, rotationDays: policy.rotationDays, overdue: ageDays > policy.rotationDays, since: found.source };
}

/**
 * The policies from ROTATION_POLICIES, checked: a JSON list of { secretId, name, rotationDays }.
 * Throws an Error naming the variable (never its content) when it is not that.
 */
export function parsePolicies(text: string | undefined): RotationPolicy[] {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    throw new Error('ROTATION_POLICIES is not JSON; synthesize the app again');
  }
  const ok =
    Array.isArray(value) &&
    value.every(
      (p) =>
        typeof p === 'object' && p !== null &&
        typeof (p as RotationPolicy).secretId === 'string' &&
        typeof (p as RotationPolicy).name === 'string' &&
        Number.isInteger((p as RotationPolicy).rotationDays) && (p as RotationPolicy).rotationDays > 0,
    );
  if (!ok) throw new Error('ROTATION_POLICIES must be a list of { secretId, name, rotationDays }; synthesize the app again');
  return value as RotationPolicy[];
}
