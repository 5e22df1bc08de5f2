/**
 * Text matching for grounding checks: whether a value a model read occurs in the source text.
 * Shared by every workflow's grounding so that "occurs" means the same everywhere.
 */

/** A letter or a digit, in any script. */
const ALNUM = /[\p{L}\p{N}]/u;

/**
 * Lower case, compatibility-normalised (full-width digits become digits), whitespace collapsed.
 *
 * @example
 * normalizeForGrounding('  Ｎｏｒｔｈｗｉｎｄ\n Traders '); // 'northwind traders'
 */
export function normalizeForGrounding(value: string): string {
  return value.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * True when `needle` occurs in `haystack` and is not glued to a letter or digit on an
 * alphanumeric edge: "INV-1" is not grounded by "INV-12", nor "Acme" by "Acmeco", nor day 1 by "31 Dec".
 *
 * @example
 * containsWord('invoice inv-12', 'inv-1'); // false
 * containsWord('invoice inv-1.', 'inv-1'); // true
 */
export function containsWord(haystack: string, needle: string): boolean {
  if (needle === '') return false;
  const checkStart = ALNUM.test(needle.charAt(0));
  const checkEnd = ALNUM.test(needle.charAt(needle.length - 1));
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    const before = haystack.charAt(at - 1);
    const after = haystack.charAt(at + needle.length);
    if (checkStart && before !== '' && ALNUM.test(before)) continue;
    if (checkEnd && after !== '' && ALNUM.test(after)) continue;
    return true;
  }
  return false;
}
