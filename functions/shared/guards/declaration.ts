import type middy from '@middy/core';
import type { GuardVerdict, PiiKind } from './types.js';

/**
 * How a step declares its guards (issue 14 contract). The workflow's step says which of its input
 * fields hold untrusted text and what happens when a guard flags it; the guard middleware runs the
 * guards before and after the step's implementation and records every verdict other than `allow` as
 * a GuardTriggered event (guard, verdict, score, spans as kinds and offsets; never the text).
 *
 * `human` lets the step go on and marks the execution for a person: the workflow's policy step asks
 * `needsHuman(events)` (exported with the guards) and routes to its approval gate; nothing the
 * document says can then be auto-approved. `block` fails the step with GuardTriggered.
 *
 * A step declares them with `stepGuards(...)` from `#wardflow/guards`:
 * `defineStep({ ..., guards: stepGuards({ untrusted: ['invoiceText'], ... }) }, impl)`.
 */
export interface StepGuards {
  /**
   * Top-level input fields that hold untrusted text (strings), e.g. `['invoiceText']`. An absent
   * or null field is skipped (the input schema says whether it may be); any other non-string
   * fails the step (ValidationFailed), since it could not be scanned.
   */
  readonly untrusted: readonly string[];
  /**
   * Prompt injection in the untrusted fields, before the step runs: the local classifier, and on
   * AWS, where the environment configures one, Bedrock Guardrails' prompt-attack filter (guard
   * `guardrail`) on the text the model would get. A guardrail that cannot be asked fails the step
   * (fail closed). `false` turns it off: only for a step that gives the text to no model, e.g. one
   * that only grounds what an earlier, guarded step read. @default { verdict: 'block' }
   */
  readonly injection?: { readonly verdict: Exclude<GuardVerdict, 'allow' | 'redact'> } | false;
  /**
   * Personal data and secrets in the untrusted fields. `redact`: the step sees typed placeholders
   * (`[EMAIL_1]`) instead, so they never reach a model; the kinds in `restore` may be mapped back
   * by the step (`ctx.guards.restore(text)`), e.g. the IBAN an invoice is paid to. Placeholders are
   * numbered across all the step's untrusted fields: one value, one placeholder.
   * `kinds` limits what is looked for. `false` turns it off, as for `injection`.
   * @default { verdict: 'redact' }, all kinds, restore none
   */
  readonly pii?: { readonly verdict: Exclude<GuardVerdict, 'allow'>; readonly kinds?: readonly PiiKind[]; readonly restore?: readonly PiiKind[] } | false;
  /**
   * Output fields that must occur in the (original, unredacted) untrusted text `source`, each read
   * as a kind of value (see GroundingKind); checked after the output passed its schema. A path is
   * dotted (`bank.iban`); through an array it names each element's field (`lines.description`).
   * An absent or null field is not checked. `reconcile` checks numbers: `parts` (a path to an array
   * of amounts, or of objects with an `amount`) must add up to `total` exactly, in minor units; an
   * empty or missing list does not reconcile.
   */
  readonly grounded?: {
    /** The untrusted input field the values must occur in (one of `untrusted`). */
    readonly source: string;
    readonly fields: Readonly<Record<string, GroundingKind>>;
    readonly reconcile?: { readonly total: string; readonly parts: string };
    readonly verdict: Exclude<GuardVerdict, 'allow' | 'redact'>;
  };
}

/**
 * How a grounded output value is looked for in the source text (functions/shared/guards/grounding.ts):
 * - `text`: case- and whitespace-insensitive, on word boundaries ("INV-1" is not grounded by "INV-12");
 * - `amount`: the same number in minor units, with or without thousands separators ("4,999.99", "4999.99");
 * - `currency`: the ISO code as a word, or its symbol (€ $ £) right next to a declared amount's value;
 * - `date`: an ISO date (YYYY-MM-DD) written in the text as ISO, "31 Dec 2026", "December 31, 2026", "31/12/2026" or "31.12.2026";
 * - `iban`: with or without the spaces of the paper format, not part of a longer account.
 */
export type GroundingKind = 'text' | 'amount' | 'currency' | 'date' | 'iban';

/** What the implementation gets from its guards as `ctx.guards`. */
export interface GuardsContext {
  /**
   * Puts back the original values of the placeholders of the kinds the declaration's
   * `pii.restore` allows; other placeholders stay as they are. The identity without guards.
   */
  restore(text: string): string;
}

/**
 * What `stepGuards(...)` returns and `defineStep` wires in: the guard middleware in two halves, so
 * the input half runs after the input is parsed and the output half after the output is. Built by
 * `#wardflow/guards` only, so a step without guards bundles no detector.
 */
export interface StepGuardsMiddleware {
  readonly declaration: StepGuards;
  /** Before the implementation: injection, guardrail, PII. */
  input(step: string): middy.MiddlewareObj<unknown, unknown, Error>;
  /** After the output's validation: grounding. */
  output(step: string): middy.MiddlewareObj<unknown, unknown, Error>;
}
