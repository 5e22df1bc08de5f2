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

/** The dates DescribeSecret returns that say when the value last changed. */
export interface SecretDates {
  readonly LastRotatedDate?: Date;
  readonly LastChangedDate?: Date;
  readonly CreatedDate?: Date;
}

/** What the check found for one secret. */
export interface RotationStatus {
  readonly name: string;
  /** Whole days since the value last changed (rounded down). */
  readonly ageDays: number;
  readonly rotationDays: number;
  readonly overdue: boolean;
  /** Which date the age was measured from. */
  readonly since: 'LastRotatedDate' | 'LastChangedDate' | 'CreatedDate';
}

const DAY_MS = 86_400_000;

/**
 * The age of a secret's value against its policy. A provider-issued secret is never rotated by
 * Secrets Manager, so its value's age is the newer of LastRotatedDate and LastChangedDate (a
 * put-secret-value sets LastChangedDate; so does a description or tag change, which can only make
 * a stale secret look fresher by a day of work, and DescribeSecret has no date of the value alone),
 * else its CreatedDate. Overdue once older than `rotationDays` whole days. A secret with no date at
 * all is overdue: nothing proves it was ever replaced.
 *
 * @example
 * rotationStatus(policy, { LastChangedDate: new Date('2026-08-01') }, new Date('2026-12-03'));
 * // { name, ageDays: 124, rotationDays: 90, overdue: true, since: 'LastChangedDate' }
 */
export function rotationStatus(policy: RotationPolicy, dates: SecretDates, now: Date): RotationStatus {
  const candidates = [
    ['LastRotatedDate', dates.LastRotatedDate],
    ['LastChangedDate', dates.LastChangedDate],
    ['CreatedDate', dates.CreatedDate],
  ] as const;
  const known = candidates.filter((c): c is readonly [RotationStatus['since'], Date] => c[1] instanceof Date && !Number.isNaN(c[1].getTime()));
  // The newest of the value's dates; CreatedDate only when nothing else is known.
  const changes = known.filter(([since]) => since !== 'CreatedDate');
  const pool = changes.length > 0 ? changes : known;
  if (pool.length === 0) return { name: policy.name, ageDays: Number.POSITIVE_INFINITY, rotationDays: policy.rotationDays, overdue: true, since: 'CreatedDate' };
  const [since, date] = pool.reduce((newest, c) => (c[1].getTime() > newest[1].getTime() ? c : newest));
  const ageDays = Math.max(0, Math.floor((now.getTime() - date.getTime()) / DAY_MS));
  return { name: policy.name, ageDays, rotationDays: policy.rotationDays, overdue: ageDays > policy.rotationDays, since };
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
