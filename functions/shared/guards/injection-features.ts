/**
 * The injection classifier's features: hashed character n-grams (and optionally word unigrams and
 * bigrams) of the normalised text, with a map back to the original text so the n-grams that
 * weighed most can be shown as spans. Shared by the guard (injection.ts) and the script that
 * trains it (lib/guards-training/train-injection.ts): both must see exactly the same features.
 */

/** How the text becomes features; stored in the model file so a model is always read the way it was trained. */
export interface FeatureSpec {
  /** Shortest and longest character n-gram. */
  charMin: number;
  charMax: number;
  /** Also hash words and word pairs. */
  words: boolean;
  /** log2 of the number of hash buckets. */
  bucketBits: number;
  /** Also the hand-written rules ({@link INJECTION_RULES}), each one feature of value 1. */
  rules?: boolean;
}

/**
 * Hand-written patterns of the common attacks, in English and German (deepset's languages), on
 * the normalised text. Each is one more feature whose weight the training learns, so a rule that
 * does not help gets little weight; their effect is measured in the training log. Every
 * repetition is bounded, and they run on one window (at most a few hundred characters) at a time.
 */
export const INJECTION_RULES: readonly { name: string; pattern: RegExp }[] = [
  { name: 'override', pattern: /\b(?:ignor|disregard|forget|skip|overlook|neglect|bypass|override)\w{0,4}\b.{0,40}?\b(?:instructions?|above|previous|preceding|prior|before|earlier|everything|rules|context|prompt|task|said|articles?|guidelines|orders?|commands?|directions?)\b/u },
  { name: 'override-de', pattern: /(?:ignorier|vergiss|vergessen|missachte|übergeh|beachte nicht).{0,40}?(?:anweisung|alles|oben|obig|vorher|bisherig|zuvor|aufgabe|befehl|gesagt|kontext|artikel)|(?:obig|vorherig|bisherig|vorangegangen|alle)\p{L}*\s.{0,30}?(?:ignorier|vergess|vergiss)/u },
  { name: 'override-other', pattern: /(?:забуд|игнорир|проигнорир).{0,30}?(?:инструкц|указани|правил)|(?:ignora|olvida|ignorez|oubliez|ignorare|dimentica)\p{L}*\s.{0,30}?(?:instruc|règle|regla|istruzion|consign)/u },
  { name: 'new-task', pattern: /\b(?:new|neue[rn]?|another|different|andere[rn]?)\s(?:tasks?|instructions?|statement|aufgabe|anweisung(?:en)?|rolle|role|rules?|regeln?)\b|\bnow (?:you are|act|pretend|focus|concentrate|write|say|answer|come on)\b|\bjetzt (?:bist du|schreib|sag|konzentrier|antworte)/u },
  { name: 'role-play', pattern: /\b(?:pretend|act as|you are now|from now on|imagine you are|roleplay|role-play|let's play a game|du bist jetzt|ab jetzt|stell dir vor,? du|tu so,? als)\b/u },
  { name: 'prompt-leak', pattern: /system ?prompt|your (?:prompt|instructions|initial|embeddings)|(?:print|show|reveal|repeat|output) (?:me )?(?:the |your )?(?:above|previous|prompt|instructions|text above|initial)|dein(?:en)? (?:prompt|anweisungen)/u },
  { name: 'stop', pattern: /(?:^|[.!?] |\s)(?:stop|attention|achtung|halt|abbrechen)\s?[-:!]/u },
  { name: 'say-that', pattern: /\b(?:say|write|state|print|output|sag|sage|schreib|schreibe)\b(?: (?:that|dass|only|nur|exactly|genau))?\s?[:"]/u },
  { name: 'spaced-letters', pattern: /(?:\b\p{L} ){6}/u },
];

/**
 * Each rule that matches in `[from, to)` of the normalised text, once, with where its first match
 * is: the bucket is the rule's own, outside the hashed range of n-grams.
 */
export function forEachRule(text: string, spec: FeatureSpec, visit: (bucket: number, start: number, end: number) => void, from = 0, to = text.length): void {
  if (!spec.rules) return;
  const window = text.slice(from, to);
  INJECTION_RULES.forEach((rule, i) => {
    const match = rule.pattern.exec(window);
    if (match) visit((1 << spec.bucketBits) + i, from + match.index, from + match.index + match[0].length);
  });
}

/** The normalised text and, for each of its UTF-16 units, the range of the original text it came from. */
export interface NormalisedText {
  text: string;
  originStart: Int32Array;
  originEnd: Int32Array;
}

const WHITESPACE = /\s/u;

/**
 * NFKC, lower case, digits as 0, runs of white space as one space, padded with a space at both
 * ends. Done one code point at a time so every normalised unit knows where it came from (whole-
 * string NFKC could merge a combining mark into the letter before it and lose the mapping; the
 * difference does not matter for the features). A lone surrogate passes through unchanged.
 */
export function normalise(original: string): NormalisedText {
  const units: string[] = [' '];
  const starts: number[] = [0];
  const ends: number[] = [0];
  let at = 0;
  let lastWasSpace = true;
  while (at < original.length) {
    const code = original.codePointAt(at)!;
    const width = code > 0xffff ? 2 : 1;
    let mapped: string;
    if (code < 128) {
      mapped = code >= 65 && code <= 90 ? String.fromCharCode(code + 32) : code >= 48 && code <= 57 ? '0' : original[at]!;
      if (code === 9 || code === 10 || code === 11 || code === 12 || code === 13) mapped = ' ';
    } else {
      const char = original.slice(at, at + width);
      mapped = WHITESPACE.test(char) ? ' ' : char.normalize('NFKC').toLowerCase().replace(/\p{Nd}/gu, '0');
    }
    for (let i = 0; i < mapped.length; i++) {
      const unit = mapped[i]!;
      if (unit === ' ') {
        if (lastWasSpace) continue;
        lastWasSpace = true;
      } else lastWasSpace = false;
      units.push(unit);
      starts.push(at);
      ends.push(at + width);
    }
    at += width;
  }
  if (!lastWasSpace) {
    units.push(' ');
    starts.push(original.length);
    ends.push(original.length);
  }
  return { text: units.join(''), originStart: Int32Array.from(starts), originEnd: Int32Array.from(ends) };
}

/** One hashed feature occurrence: its bucket and the normalised units it covers. */
export interface FeatureHit {
  bucket: number;
  start: number;
  end: number;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** Words hash from another start value than n-grams, so the word "ignore" and the n-gram " ignore" differ. */
const WORD_SEED = 0x9e3779b9;

/**
 * Every feature occurrence of a normalised text (FNV-1a hashes into 2^bucketBits buckets), in
 * `[from, to)` of the normalised units. `visit` is called once per occurrence.
 */
export function forEachFeature(text: string, spec: FeatureSpec, visit: (bucket: number, start: number, end: number) => void, from = 0, to = text.length): void {
  const mask = (1 << spec.bucketBits) - 1;
  for (let i = from; i < to; i++) {
    let hash = FNV_OFFSET;
    for (let k = 0; k < spec.charMax && i + k < to; k++) {
      hash = Math.imul(hash ^ text.charCodeAt(i + k), FNV_PRIME);
      if (k + 1 >= spec.charMin) visit((hash >>> 0) & mask, i, i + k + 1);
    }
  }
  if (!spec.words) return;
  let previous: { hash: number; start: number } | undefined;
  let wordStart = -1;
  for (let i = from; i <= to; i++) {
    const inWord = i < to && text.charCodeAt(i) !== 32;
    if (inWord && wordStart === -1) wordStart = i;
    if (!inWord && wordStart !== -1) {
      let hash = WORD_SEED;
      for (let k = wordStart; k < i; k++) hash = Math.imul(hash ^ text.charCodeAt(k), FNV_PRIME);
      visit((hash >>> 0) & mask, wordStart, i);
      if (previous) visit((Math.imul(previous.hash ^ 0x20, FNV_PRIME) ^ hash) >>> 0 & mask, previous.start, i);
      previous = { hash, start: wordStart };
      wordStart = -1;
    }
  }
}

/** Term counts per bucket, L2-normalised: long and short texts land on the same scale. */
export function featureVector(text: string, spec: FeatureSpec, from = 0, to = text.length): Map<number, number> {
  const counts = new Map<number, number>();
  forEachFeature(text, spec, (bucket) => counts.set(bucket, (counts.get(bucket) ?? 0) + 1), from, to);
  let norm = 0;
  for (const count of counts.values()) norm += count * count;
  norm = Math.sqrt(norm) || 1;
  for (const [bucket, count] of counts) counts.set(bucket, count / norm);
  forEachRule(text, spec, (bucket) => counts.set(bucket, 1), from, to);
  return counts;
}
