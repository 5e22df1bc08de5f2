import type { PiiKind, PiiSpan, Redaction } from './types.js';
import { PII_KINDS } from './types.js';
import { ibanValid, IBAN_LENGTHS, ipv4Valid, ipv6Valid, luhnValid, ninoValid, ssnValid } from './pii-validators.js';

/**
 * The PII and secrets guard: finds e-mail addresses, phone numbers, payment cards, IBANs,
 * national ids, IP addresses, AWS keys, JWTs and PEM private keys, and replaces them with typed
 * placeholders a step can map back.
 *
 * Every pattern is a candidate finder with a validator behind it (Luhn, mod 97, the SSA's rules,
 * a JWT header that decodes to JSON), so shape alone is not enough. The patterns are written to
 * stay linear: each starts with a lookbehind that stops a match from starting inside a run it
 * could have started at the beginning of, and every repetition is either bounded or unambiguous,
 * so no input makes the regex engine backtrack quadratically (test/unit/guards/pii.test.ts feeds
 * long adversarial strings).
 */

/** When two findings overlap, the longer wins; at equal length, the kind with the stricter validator (higher here). */
const SPECIFICITY: Record<PiiKind, number> = { PRIVATE_KEY: 9, JWT: 8, AWS_KEY: 7, IBAN: 6, CARD: 5, EMAIL: 4, NATIONAL_ID: 3, IP: 2, PHONE: 1 };

type Detector = (text: string) => PiiSpan[];

const EMAIL = /(?<![\p{L}\p{N}._%+'-])[\p{L}\p{N}._%+'-]{1,64}@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.){1,8}\p{L}{2,24}(?![\p{L}\p{N}-]|\.[\p{L}\p{N}])/gu;

/**
 * A phone number: optional `+country`, optional `(area)`, digit groups joined by one space, dot
 * or dash, optional extension. Digit count is checked after (7 to 15, E.164's maximum). Line
 * breaks are not separators: a postcode at the end of one line and a number on the next stay apart.
 */
const PHONE = /(?<![\p{L}\p{N}+./-]|\d,)(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{1,12}(?:[ .-]\(?\d{1,12}\)?){0,6}(?:[ ]?(?:x|ext\.?|#)[ ]?\d{1,6})?(?![\p{L}\p{N}]|[.,:/-]\d)/gu;

/** Digit runs with single space or dash separators: card candidates (12 to 19 digits are looked for inside). */
const DIGIT_RUN = /(?<![\p{L}\p{N}.-])\d(?:[ -]?\d){11,40}(?![\p{L}\p{N}])/gu;

/** Two letters, two check digits, then letters and digits, optionally in groups separated by one space. */
const IBAN_CANDIDATE = /(?<![\p{L}\p{N}])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}/gu;

const SSN = /(?<![\p{L}\p{N}-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\p{L}\p{N}]|-\d)/gu;
const NINO = /(?<![\p{L}\p{N}])[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\p{L}\p{N}])/gu;

const IPV4 = /(?<![\p{L}\p{N}.])(?:\d{1,3}\.){3}\d{1,3}(?![\p{L}\p{N}]|\.\d)/gu;
const IPV6 = /(?<![\p{L}\p{N}_:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\p{L}\p{N}_:])/gu;

/** AWS access key ids by their documented prefixes (AKIA long-term, ASIA temporary, ...). */
const AWS_ACCESS_KEY_ID = /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}(?![A-Za-z0-9])/g;
/** 40 characters of base64 alphabet: a secret access key's shape; only taken next to a key id or a label. */
const AWS_SECRET_CANDIDATE = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
const AWS_SECRET_LABEL = /(?:aws_?secret(?:_?access)?_?key|secret_?access_?key|secretaccesskey|aws.{0,20}secret)/i;
/** How far from an access key id (or a label) a secret access key is taken as belonging to it. */
const AWS_SECRET_REACH = 200;
const AWS_LABEL_REACH = 60;

const JWT_CANDIDATE = /(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{2,2000})\.([A-Za-z0-9_-]{2,20000})\.([A-Za-z0-9_-]{0,2000})(?![A-Za-z0-9_-])/g;

const PEM_BEGIN = /-----BEGIN ([A-Z0-9]+(?: [A-Z0-9]+)* )?PRIVATE KEY( BLOCK)?-----/g;

const DETECTORS: Record<PiiKind, Detector> = {
  EMAIL: (text) => matches(text, EMAIL, 'EMAIL', () => true),
  PHONE: findPhones,
  CARD: findCards,
  IBAN: findIbans,
  NATIONAL_ID: (text) => [
    ...matches(text, SSN, 'NATIONAL_ID', (m) => ssnValid(m[1]!, m[3]!, m[4]!)),
    ...matches(text, NINO, 'NATIONAL_ID', (m) => ninoValid(m[0].replaceAll(' ', ''))),
  ],
  IP: (text) => [...matches(text, IPV4, 'IP', (m) => ipv4Valid(m[0])), ...matches(text, IPV6, 'IP', (m) => m[0].length >= 3 && /[0-9A-Fa-f]/.test(m[0]) && ipv6Valid(m[0]))],
  AWS_KEY: findAwsKeys,
  JWT: (text) => matches(text, JWT_CANDIDATE, 'JWT', (m) => jwtHeaderValid(m[1]!)),
  PRIVATE_KEY: findPrivateKeys,
};

/**
 * The PII and secrets in a text, as kinds and UTF-16 offsets into it (end exclusive), in order,
 * never overlapping. `kinds` narrows what is reported; every kind is still looked for, so a card
 * number is never reported as a phone number because CARD was not asked for. Never throws.
 *
 * @example
 * findPii('write to ana@example.org'); // [{ kind: 'EMAIL', start: 9, end: 24 }]
 */
export function findPii(text: string, kinds: readonly PiiKind[] = PII_KINDS): PiiSpan[] {
  if (typeof text !== 'string' || text === '') return [];
  const candidates = PII_KINDS.flatMap((kind) => DETECTORS[kind](text));
  return resolveOverlaps(candidates).filter((span) => kinds.includes(span.kind));
}

/**
 * Replaces each finding by `[<KIND>_<n>]`; the same value gets the same placeholder. A
 * placeholder that already occurs in the text is skipped, so restoring never turns text the
 * author wrote into someone's data.
 *
 * @example
 * redactPii('ana@example.org, again ana@example.org');
 * // { text: '[EMAIL_1], again [EMAIL_1]', spans: [...], originals: { '[EMAIL_1]': 'ana@example.org' } }
 */
export function redactPii(text: string, kinds: readonly PiiKind[] = PII_KINDS): Redaction {
  const spans = findPii(text, kinds);
  const originals: Record<string, string> = {};
  const byValue = new Map<string, string>();
  const counters = new Map<string, number>();
  let out = '';
  let at = 0;
  for (const span of spans) {
    const value = text.slice(span.start, span.end);
    let placeholder = byValue.get(`${span.kind}\u0000${value}`);
    if (!placeholder) {
      let n = counters.get(span.kind) ?? 0;
      do n += 1;
      while (text.includes(`[${span.kind}_${n}]`));
      counters.set(span.kind, n);
      placeholder = `[${span.kind}_${n}]`;
      byValue.set(`${span.kind}\u0000${value}`, placeholder);
      originals[placeholder] = value;
    }
    out += text.slice(at, span.start) + placeholder;
    at = span.end;
  }
  return { text: out + text.slice(at), spans, originals };
}

/** Puts back the originals of the placeholders of the given kinds; other placeholders stay. */
export function restorePlaceholders(text: string, originals: Readonly<Record<string, string>>, kinds: readonly PiiKind[] = PII_KINDS): string {
  return text.replace(/\[([A-Z_]+)_(\d+)\]/g, (placeholder, kind: string) => (kinds.includes(kind as PiiKind) && Object.hasOwn(originals, placeholder) ? originals[placeholder]! : placeholder));
}

function matches(text: string, pattern: RegExp, kind: PiiKind, valid: (match: RegExpExecArray) => boolean): PiiSpan[] {
  const found: PiiSpan[] = [];
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    if (valid(match)) found.push({ kind, start: match.index, end: match.index + match[0].length });
    // A candidate that fails its check may have swallowed the start of a real one ("2024-01-02 0341 8387176"):
    // look again from the next character. The lookbehinds keep that from restarting inside a run.
    else pattern.lastIndex = match.index + 1;
    if (match[0].length === 0) pattern.lastIndex = match.index + 1;
  }
  return found;
}

/** Longest first, then most specific, then earliest; a finding that overlaps one already kept is dropped. */
function resolveOverlaps(candidates: PiiSpan[]): PiiSpan[] {
  const ranked = [...candidates].sort((a, b) => b.end - b.start - (a.end - a.start) || SPECIFICITY[b.kind] - SPECIFICITY[a.kind] || a.start - b.start);
  const kept: PiiSpan[] = [];
  for (const span of ranked) {
    if (!kept.some((other) => span.start < other.end && other.start < span.end)) kept.push(span);
  }
  return kept.sort((a, b) => a.start - b.start);
}

const DATE_LIKE = /^(?:\d{4}[-. ]\d{1,2}[-. ]\d{1,2}|\d{1,2}[-. ]\d{1,2}[-. ]\d{4})$/;

function findPhones(text: string): PiiSpan[] {
  return matches(text, PHONE, 'PHONE', (match) => {
    const candidate = match[0];
    const digits = candidate.replace(/(?:x|ext\.?|#)[ ]?\d+$/, '').replace(/\D/g, '').length;
    if (digits < 7 || digits > 15) return false;
    // Dates and decimal numbers have the shape of short numbers; neither is a phone.
    if (DATE_LIKE.test(candidate)) return false;
    if (/^\d+\.\d+$/.test(candidate)) return false;
    // Two bare groups before a word on the same line are a house number and a street ("370 3911 Fourth
    // Street"), far more often than a phone number in running text.
    const groups = candidate.split(/[ .-]+/).length;
    if (groups === 2 && !/[+(]/.test(candidate) && /^ \p{L}/u.test(text.slice(match.index + candidate.length, match.index + candidate.length + 2))) return false;
    // Unbalanced brackets mean the pattern cut through something else.
    return (candidate.match(/\(/g)?.length ?? 0) === (candidate.match(/\)/g)?.length ?? 0);
  });
}

/**
 * A card number: 13 to 19 digits (12 for Maestro, whose numbers start with 5 or 6), Luhn valid,
 * as one run or in groups. Inside a longer run of groups the longest valid stretch of whole
 * groups is taken, so a card followed by its security code is still found.
 */
function findCards(text: string): PiiSpan[] {
  const found: PiiSpan[] = [];
  DIGIT_RUN.lastIndex = 0;
  for (let match = DIGIT_RUN.exec(text); match !== null; match = DIGIT_RUN.exec(text)) {
    const groups = [...match[0].matchAll(/\d+/g)].map((g) => ({ digits: g[0], start: match!.index + g.index, end: match!.index + g.index + g[0].length }));
    let best: { start: number; end: number; length: number } | undefined;
    for (let first = 0; first < groups.length; first++) {
      let digits = '';
      for (let last = first; last < groups.length && digits.length + groups[last]!.digits.length <= 19; last++) {
        digits += groups[last]!.digits;
        if (!cardNumberValid(digits)) continue;
        if (best === undefined || digits.length > best.length) best = { start: groups[first]!.start, end: groups[last]!.end, length: digits.length };
      }
    }
    if (best) found.push({ kind: 'CARD', start: best.start, end: best.end });
  }
  return found;
}

function cardNumberValid(digits: string): boolean {
  if (digits.length < 12 || digits.length > 19) return false;
  if (digits.length === 12 && !/^[56]/.test(digits)) return false;
  // All one digit (0000 0000 0000 0000) passes Luhn and is a placeholder, not a card.
  if (/^(\d)\1+$/.test(digits)) return false;
  return luhnValid(digits);
}

/**
 * IBANs, printed compact or in groups of four. The candidate is cut at the length its country
 * has, so a word after it ("GB82 WEST 1234 5698 7654 32 and") does not spoil it.
 */
function findIbans(text: string): PiiSpan[] {
  const found: PiiSpan[] = [];
  IBAN_CANDIDATE.lastIndex = 0;
  for (let match = IBAN_CANDIDATE.exec(text); match !== null; match = IBAN_CANDIDATE.exec(text)) {
    const length = IBAN_LENGTHS[match[0].slice(0, 2).toUpperCase()];
    if (length === undefined) continue;
    let compact = '';
    let end = match.index;
    for (const char of match[0]) {
      end += 1;
      if (char === ' ') continue;
      compact += char;
      if (compact.length === length) break;
    }
    const next = text.charAt(end);
    if (compact.length === length && !/[A-Za-z0-9]/.test(next) && ibanValid(compact)) {
      found.push({ kind: 'IBAN', start: match.index, end });
      IBAN_CANDIDATE.lastIndex = end;
    } else IBAN_CANDIDATE.lastIndex = match.index + 1;
  }
  return found;
}

/** Access key ids anywhere; secret access keys only near a key id or after a label naming them. */
function findAwsKeys(text: string): PiiSpan[] {
  const ids = matches(text, AWS_ACCESS_KEY_ID, 'AWS_KEY', () => true);
  const secrets = matches(text, AWS_SECRET_CANDIDATE, 'AWS_KEY', (match) => {
    const value = match[0];
    // A secret key mixes cases and digits; 40 letters of one case is a word or a hash.
    if (!(/[a-z]/.test(value) && /[A-Z]/.test(value) && /\d/.test(value))) return false;
    const nearId = ids.some((id) => Math.abs(id.start - match.index) <= AWS_SECRET_REACH);
    return nearId || AWS_SECRET_LABEL.test(text.slice(Math.max(0, match.index - AWS_LABEL_REACH), match.index));
  });
  return [...ids, ...secrets];
}

/** A JWT's header is base64url JSON naming its algorithm (`{"alg":"HS256",...}`). */
function jwtHeaderValid(header: string): boolean {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    return typeof decoded === 'object' && decoded !== null && typeof (decoded as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

/**
 * PEM private keys (PKCS#1, PKCS#8, encrypted, OpenSSH, EC, PGP blocks), BEGIN line to END
 * line. A block cut off before its END line still holds key material: it runs to where the
 * base64 body stops.
 */
function findPrivateKeys(text: string): PiiSpan[] {
  const found: PiiSpan[] = [];
  // Where each END line was last seen, so many BEGIN lines without an END do not rescan the text each.
  const endLines = new Map<string, number>();
  PEM_BEGIN.lastIndex = 0;
  for (let match = PEM_BEGIN.exec(text); match !== null; match = PEM_BEGIN.exec(text)) {
    const label = `${match[1] ?? ''}PRIVATE KEY${match[2] ?? ''}`;
    const bodyStart = match.index + match[0].length;
    const endLine = `-----END ${label}-----`;
    let endAt = endLines.get(endLine);
    if (endAt === undefined || (endAt !== -1 && endAt < bodyStart)) {
      endAt = text.indexOf(endLine, bodyStart);
      endLines.set(endLine, endAt);
    }
    const nextBegin = text.indexOf('-----BEGIN ', bodyStart);
    const end = endAt !== -1 && (nextBegin === -1 || endAt < nextBegin) ? endAt + endLine.length : trimEnd(text, bodyStart, endOfPemBody(text, bodyStart));
    found.push({ kind: 'PRIVATE_KEY', start: match.index, end });
    PEM_BEGIN.lastIndex = Math.max(end, bodyStart);
  }
  return found;
}

/** Where a PEM body (base64, line breaks, `Proc-Type:`-style headers) stops: at the first `-` of the END line or anything else. */
function endOfPemBody(text: string, from: number): number {
  let at = from;
  while (at < text.length && /[A-Za-z0-9+/=\s:,]/.test(text.charAt(at))) at += 1;
  return at;
}

function trimEnd(text: string, from: number, to: number): number {
  let end = to;
  while (end > from && /\s/.test(text.charAt(end - 1))) end -= 1;
  return end;
}
