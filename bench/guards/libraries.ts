import type { PiiKind, PiiSpan } from '../../functions/shared/guards/types.js';

/**
 * The libraries of the field, behind one shape each so the bench treats them like ours. All are
 * exact-pinned devDependencies used only here; none reaches a step. Each is loaded lazily, so a
 * library that fails to install or load gives its row a reason instead of stopping the run.
 */

/** An injection detector: flagged and a 0..1 score (1/0 where the library has no score). */
export type InjectionDetector = (text: string) => Promise<{ flagged: boolean; score: number }>;

export interface Contender<T> {
  name: string;
  /** How it was configured, for the table's notes. */
  setting: string;
  load: () => Promise<T>;
}

/** Packages without type declarations, imported by a non-literal name so the compiler takes them as the shapes written below. */
const UNTYPED = { llmGuardrail: 'llm_guardrail' } as Record<string, string> & { llmGuardrail: string };

export const INJECTION_LIBRARIES: Contender<InjectionDetector>[] = [
  {
    name: '@andersmyrmel/vard 1.2.0',
    setting: 'vard.moderate() (the default preset), safeParse; score 1/0',
    load: async () => {
      const { default: vard } = await import('@andersmyrmel/vard');
      const guard = vard.moderate();
      return async (text) => {
        const result = guard.safeParse(text);
        return { flagged: !result.safe, score: result.safe ? 0 : 1 };
      };
    },
  },
  {
    name: 'llm_guardrail 2.1.2',
    setting: 'checkInjection and checkJailbreak (its bundled TF-IDF + logistic regression models); flagged if either detects, score the larger threat probability',
    load: async () => {
      const { checkInjection, checkJailbreak } = (await import(UNTYPED.llmGuardrail)) as {
        checkInjection: (text: string) => Promise<{ detected: boolean; probabilities: { threat: number } }>;
        checkJailbreak: (text: string) => Promise<{ detected: boolean; probabilities: { threat: number } }>;
      };
      return async (text) => {
        const [injection, jailbreak] = await Promise.all([checkInjection(text), checkJailbreak(text)]);
        return { flagged: injection.detected || jailbreak.detected, score: Math.max(injection.probabilities.threat, jailbreak.probabilities.threat) };
      };
    },
  },
  {
    name: 'llm-guard 0.1.9',
    setting: 'new LLMGuard({ promptInjection: true, jailbreak: true }), the other validators off; flagged when not valid, score 1 - its score',
    load: async () => {
      const { LLMGuard } = (await import('llm-guard')) as unknown as {
        LLMGuard: new (options: Record<string, boolean>) => { validate: (text: string) => Promise<{ isValid: boolean; score: number }> };
      };
      const guard = new LLMGuard({ promptInjection: true, jailbreak: true, pii: false, profanity: false, relevance: false, toxicity: false });
      return async (text) => {
        const result = await guard.validate(text);
        return { flagged: !result.isValid, score: 1 - result.score };
      };
    },
  },
];

/** A PII detector: spans of our kinds in UTF-16 offsets; other kinds it finds are dropped. */
export type PiiDetector = (text: string) => Promise<PiiSpan[]>;

/**
 * Both libraries return redacted text, not positions. Each replacement is made a marker that
 * carries the kind and the replaced length (as private-use characters no built-in pattern
 * matches), and walking the redacted text against the original gives the spans exactly.
 */
const MARK_START = '\u0001';
const MARK_END = '\u0002';
const KIND_BASE = 0xe000;
const LENGTH_BASE = 0xe100;

/**
 * The length in the ORIGINAL text of what a pattern matched: a later pattern can match across an
 * earlier marker (redact-pii's `credentials` takes any non-space run), and the marker stands for
 * the length it encodes, not its four characters.
 */
function originalLength(match: string): number {
  let length = 0;
  for (let i = 0; i < match.length; i++) {
    if (match[i] === MARK_START && match[i + 3] === MARK_END) {
      length += match.charCodeAt(i + 2) - LENGTH_BASE;
      i += 3;
    } else length += 1;
  }
  return length;
}

function marker(kindIndex: number, length: number): string {
  return `${MARK_START}${String.fromCharCode(KIND_BASE + kindIndex)}${String.fromCharCode(LENGTH_BASE + Math.min(length, 0x17ff))}${MARK_END}`;
}

function spansFromMarkers(original: string, redacted: string, kinds: readonly (PiiKind | undefined)[]): PiiSpan[] {
  const spans: PiiSpan[] = [];
  let at = 0;
  for (let i = 0; i < redacted.length; i++) {
    if (redacted[i] === MARK_START && redacted[i + 3] === MARK_END) {
      const kind = kinds[redacted.charCodeAt(i + 1) - KIND_BASE];
      const length = redacted.charCodeAt(i + 2) - LENGTH_BASE;
      if (kind) spans.push({ kind, start: at, end: at + length });
      at += length;
      i += 3;
    } else at += 1;
  }
  if (at !== original.length) throw new Error('the redacted text does not line up with the original');
  return spans;
}

/** redact-pii's built-in patterns by name, and the kind each maps to (the others are not ours). */
const REDACT_PII_PATTERNS: Record<string, PiiKind | undefined> = {
  creditCardNumber: 'CARD',
  streetAddress: undefined,
  zipcode: undefined,
  phoneNumber: 'PHONE',
  ipAddress: 'IP',
  usSocialSecurityNumber: 'NATIONAL_ID',
  emailAddress: 'EMAIL',
  username: undefined,
  password: undefined,
  credentials: undefined,
  digits: undefined,
  url: undefined,
};

const ARCJET_ENTITIES: Record<string, PiiKind> = { email: 'EMAIL', 'phone-number': 'PHONE', 'credit-card-number': 'CARD', 'ip-address': 'IP' };

export const PII_LIBRARIES: Contender<PiiDetector>[] = [
  {
    name: 'redact-pii 3.4.0',
    setting: 'SyncRedactor running its own built-in patterns in its own order (re-entered as custom redactors so each replacement records its kind; the name list is off: not one of our kinds); finds EMAIL, PHONE, CARD, IP, US SSN',
    load: async () => {
      const { SyncRedactor } = (await import('redact-pii')) as unknown as { SyncRedactor: new (options: unknown) => { redact: (text: string) => string } };
      const patterns = (await import('redact-pii/lib/built-ins/simple-regexp-patterns.js')) as unknown as Record<string, RegExp>;
      const names = Object.keys(REDACT_PII_PATTERNS);
      const kinds = names.map((name) => REDACT_PII_PATTERNS[name]);
      // The library ignores a per-pattern replaceWith, so its own patterns go in again as custom
      // redactors, in its order, each replacing with a marker (String.prototype.replace, which it
      // calls, takes a function where it expects a string); the built-ins are switched off.
      const builtInRedactors: Record<string, unknown> = Object.fromEntries([...names, 'names'].map((name) => [name, { enabled: false }]));
      const before = names.map((name, i) => ({ regexpPattern: patterns[name], replaceWith: (match: string) => marker(i, originalLength(match)) }));
      const redactor = new SyncRedactor({ builtInRedactors, customRedactors: { before } });
      return async (text) => spansFromMarkers(text, redactor.redact(text), kinds);
    },
  },
  {
    name: '@arcjet/redact 1.12.0',
    setting: 'redact() with all its entities (email, phone-number, credit-card-number, ip-address), default context window; WebAssembly, runs offline',
    load: async () => {
      const { redact } = await import('@arcjet/redact');
      const names = Object.keys(ARCJET_ENTITIES);
      const kinds = names.map((name) => ARCJET_ENTITIES[name]);
      return async (text) => {
        const [redacted] = await redact(text, { replace: (entity: string, plaintext: string) => marker(names.indexOf(entity), originalLength(plaintext)) });
        return spansFromMarkers(text, redacted, kinds);
      };
    },
  },
];
