import { createHash } from 'node:crypto';

/**
 * The guards' train/eval split of the vendored datasets: SHA-256 of a salt and the row's text,
 * the first 8 hex digits as a number, modulo 10; 0 to 6 train, 7 to 9 eval. Identical texts fall
 * on the same side. The salt makes it independent of the upstream hold-out (same hash without
 * a salt, 0 to 2 held out), which would otherwise leave only buckets 3 to 9 here.
 */
export type GuardSplit = 'train' | 'eval';

const SALT = 'wardflow-guards-split-v1\n';

export function splitOf(text: string): GuardSplit {
  return bucketOf(text) <= 6 ? 'train' : 'eval';
}

/** The row's bucket, 0..9: the training script's cross-validation folds reuse it inside the train split. */
export function bucketOf(text: string): number {
  const hex = createHash('sha256').update(SALT + text, 'utf8').digest('hex');
  return Number.parseInt(hex.slice(0, 8), 16) % 10;
}
