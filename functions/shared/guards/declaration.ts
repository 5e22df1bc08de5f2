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
 */
export interface StepGuards {
  /** Top-level input fields that hold untrusted text (strings), e.g. `['invoiceText']`. */
  readonly untrusted: readonly string[];
  /** Prompt injection in the untrusted fields, before the step runs. @default { verdict: 'block' } */
  readonly injection?: { readonly verdict: Exclude<GuardVerdict, 'allow' | 'redact'> };
  /**
   * Personal data and secrets in the untrusted fields. `redact`: the step sees typed placeholders
   * (`[EMAIL_1]`) instead, so they never reach a model; the kinds in `restore` may be mapped back
   * by the step (`ctx.guards.restore(text)`), e.g. the IBAN an invoice is paid to.
   * @default { verdict: 'redact' }
   */
  readonly pii?: { readonly verdict: Exclude<GuardVerdict, 'allow'>; readonly kinds?: readonly PiiKind[]; readonly restore?: readonly PiiKind[] };
  /**
   * Output fields that must occur in the (original, unredacted) untrusted text `source`, each read
   * as a kind of value; `reconcile` checks numbers: the parts must add up to the total.
   */
  readonly grounded?: {
    readonly source: string;
    readonly fields: Readonly<Record<string, GroundingKind>>;
    readonly reconcile?: { readonly total: string; readonly parts: string };
    readonly verdict: Exclude<GuardVerdict, 'allow' | 'redact'>;
  };
}

/** How a grounded output value is looked for in the source text. */
export type GroundingKind = 'text' | 'amount' | 'currency' | 'date' | 'iban';
