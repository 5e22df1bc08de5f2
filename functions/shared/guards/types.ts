/**
 * The shapes every guard shares (issue 14). A guard looks at text a step is about to send to a
 * model (or a model's answer) and returns findings as kinds and positions only: events, logs and
 * errors carry these, never the text itself.
 */

/** What a step does when a guard flags something, declared per step by the workflow. */
export type GuardVerdict = 'allow' | 'redact' | 'human' | 'block';

/** The guards wardflow runs. `guardrail` is Bedrock Guardrails' prompt-attack filter (AWS only). */
export type GuardName = 'injection' | 'pii' | 'canary' | 'grounding' | 'guardrail';

/** Where in the scanned text something was found: UTF-16 offsets, end exclusive, and what it is. */
export interface GuardSpan {
  kind: string;
  start: number;
  end: number;
}

/** The kinds of personal data and secrets the PII guard finds. */
export const PII_KINDS = ['EMAIL', 'PHONE', 'CARD', 'IBAN', 'NATIONAL_ID', 'IP', 'AWS_KEY', 'JWT', 'PRIVATE_KEY'] as const;
export type PiiKind = (typeof PII_KINDS)[number];

/** One finding of the PII guard. */
export interface PiiSpan extends GuardSpan {
  kind: PiiKind;
}

/** The injection guard's view of one text. */
export interface InjectionResult {
  /** score >= threshold. */
  flagged: boolean;
  /** 0..1, higher is more likely an injection. */
  score: number;
  /** The decision threshold the score is compared with (from the reviewed model file). */
  threshold: number;
  /** The parts of the text that weighed most towards "injection" (kind `injection`); may be empty. */
  spans: GuardSpan[];
}

/** Text with its PII replaced by typed placeholders (`[EMAIL_1]`), and how to map them back. */
export interface Redaction {
  text: string;
  /** What was replaced, with offsets into the ORIGINAL text. */
  spans: PiiSpan[];
  /** placeholder -> original value. Never logged or recorded. */
  originals: Record<string, string>;
}
