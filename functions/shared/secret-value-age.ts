/**
 * When the value of a secret in use dates from: one rule for the daily rotation check
 * (functions/secret-rotation-check) and `wardflow doctor`, so the alarm and the doctor never disagree.
 */

/** What Secrets Manager says of a secret: its versions (ListSecretVersionIds) and dates (DescribeSecret). */
export interface SecretValueFacts {
  readonly versions: readonly { readonly stages: readonly string[]; readonly created: Date | undefined }[];
  readonly lastRotated?: Date | undefined;
  readonly created?: Date | undefined;
}

/** Which date the value's age is measured from. */
export type ValueDateSource = 'current version' | 'last rotation' | 'creation';

const valid = (date: Date | undefined): date is Date => date instanceof Date && !Number.isNaN(date.getTime());

/**
 * The date the value in use dates from: the creation of the version labelled AWSCURRENT (a new
 * value is a new version) or the last rotation, whichever is newer; the secret's creation only when
 * neither is known. Not LastChangedDate: it also moves when only the description or tags change,
 * which would make an old value look fresh. `undefined` when nothing is known.
 *
 * @example
 * valueDate({ versions: [{ stages: ['AWSCURRENT'], created: new Date('2026-03-01') }] }); // { date: 2026-03-01, source: 'current version' }
 */
export function valueDate(facts: SecretValueFacts): { date: Date; source: ValueDateSource } | undefined {
  const current = facts.versions.find((v) => v.stages.includes('AWSCURRENT'))?.created;
  const candidates: { date: Date; source: ValueDateSource }[] = [];
  if (valid(current)) candidates.push({ date: current, source: 'current version' });
  if (valid(facts.lastRotated)) candidates.push({ date: facts.lastRotated, source: 'last rotation' });
  if (candidates.length > 0) return candidates.reduce((newest, c) => (c.date.getTime() > newest.date.getTime() ? c : newest));
  return valid(facts.created) ? { date: facts.created, source: 'creation' } : undefined;
}

/**
 * The date alone (see valueDate).
 *
 * @example
 * currentValueSince({ versions: [{ stages: ['AWSCURRENT'], created: new Date('2026-03-01') }] }); // 2026-03-01
 */
export function currentValueSince(facts: SecretValueFacts): Date | undefined {
  return valueDate(facts)?.date;
}
