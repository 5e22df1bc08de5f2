import { createHash } from 'node:crypto';
import { streamOf } from '#wardflow/step';

/**
 * Which vendor a bank-detail change is about, as a stream id: approval records
 * `VendorBankDetailsChanged` on `vendor#<id>`, so every change to one vendor's account is
 * one ordered, hash-chained history.
 *
 * The id is `<slug>-<hash>`: the slug so a person reading a stream name sees whose it is, the
 * hash so that two names the slug folds together ("Acme Ltd" and "Acme Ltd.") stay apart.
 * It uses only `a-z`, `0-9` and `-`, because the stream name is not sealed: it is the event
 * store's partition key, stored and archived in clear, and IAM grants appends to it with
 * `dynamodb:LeadingKeys` patterns such as `vendor#*`, where `*` and `?` are wildcards. An id
 * of plain letters, digits and dashes cannot widen such a pattern or carry anything else a
 * letter says.
 *
 * The id comes from the name the letter gives, not from a vendor master, so it identifies
 * the name that was claimed, not a verified vendor. A sole trader's name is personal data,
 * and the archive keeps stream names for years: where a vendor master exists, its vendor
 * number is the better id.
 *
 * Changing anything here changes every vendor's id and splits every history in two: treat
 * these functions as a stored format.
 */

export const VENDOR_STREAM_KIND = 'vendor';

/** Characters of the slug part of an id, at most. */
export const MAX_VENDOR_SLUG_CHARS = 64;

/** Hex characters of the hash suffix: 32 bits, for names whose slugs collide. */
const HASH_CHARS = 8;

/** What every vendor id matches: lower-case letters and digits in dash-separated runs, at most 73 characters. */
export const VENDOR_ID_PATTERN = /^(?=.{1,73}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * A vendor's name as the id sees it: compatibility-normalised (NFKC: full-width letters,
 * ligatures), lower case, whitespace collapsed and trimmed. Names equal here are one vendor;
 * any other difference, punctuation included, makes another.
 *
 * @example
 * normalizeVendorName('  VANDELAY   Industries GmbH '); // 'vandelay industries gmbh'
 */
export function normalizeVendorName(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * The stable id of a vendor by name: a readable slug (accents dropped, every other run of
 * characters outside a-z and 0-9 one `-`, at most 64 characters) and the first 8 hex digits
 * of the SHA-256 of the normalised name. A name with no letter or digit in a-z 0-9
 * (e.g. written only in Japanese) gets the hash alone.
 *
 * @throws RangeError when the name is empty or only whitespace.
 * @example
 * vendorIdOf('Vandelay Industries GmbH'); // 'vandelay-industries-gmbh-d5e2f71a'
 * vendorIdOf('VANDELAY  industries gmbh') === vendorIdOf('Vandelay Industries GmbH'); // true
 * vendorIdOf('Acme Ltd.') === vendorIdOf('Acme Ltd'); // false: same slug, different hash
 */
export function vendorIdOf(name: string): string {
  const normalized = normalizeVendorName(name);
  if (normalized === '') throw new RangeError('a vendor name needs at least one character other than whitespace');
  const hash = createHash('sha256').update(normalized, 'utf8').digest('hex').slice(0, HASH_CHARS);
  const slug = normalized
    // NFKD splits "é" into "e" and a combining accent, which is then dropped: "Müller" reads "muller".
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_VENDOR_SLUG_CHARS)
    .replace(/^-+|-+$/g, '');
  return slug === '' ? hash : `${slug}-${hash}`;
}

/**
 * The vendor's stream: `vendor#<id>`.
 *
 * @example
 * vendorStreamOf('Vandelay Industries GmbH'); // 'vendor#vandelay-industries-gmbh-d5e2f71a'
 */
export function vendorStreamOf(name: string): string {
  return streamOf(VENDOR_STREAM_KIND, vendorIdOf(name));
}
