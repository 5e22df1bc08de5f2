/**
 * `#wardflow/guards`: the AI guards a step declares on its untrusted input and on what its model
 * read from it (docs/writing-a-workflow.md#guards). Import it only in a step that declares guards:
 * it brings the injection classifier and the PII detectors, which other steps should not load at a
 * cold start. A policy step that only reads the verdicts imports `needsHuman` / `guardVerdicts`
 * from `#wardflow/step`, which carries no detector.
 *
 * @example
 * import { defineStep } from '#wardflow/step';
 * import { stepGuards } from '#wardflow/guards';
 *
 * export const handler = defineStep(
 *   {
 *     name: 'extract-invoice', input, output: Invoice,
 *     guards: stepGuards({
 *       untrusted: ['invoiceText'],
 *       injection: { verdict: 'human' },
 *       pii: { verdict: 'redact', restore: ['IBAN'] },
 *       grounded: { source: 'invoiceText', fields: { vendor: 'text', amount: 'amount', currency: 'currency', dueDate: 'date', iban: 'iban' }, verdict: 'human' },
 *     }),
 *   },
 *   async (input, ctx) => { ... ctx.guards.restore(answer.iban) ... },
 * );
 */
import type { StepGuards, StepGuardsMiddleware } from '../guards/declaration.js';
import { guardMiddlewares } from '../middleware/guards.js';

/**
 * A step's guards, for `defineStep({ ..., guards })`: injection (and on AWS, Bedrock Guardrails)
 * and PII on the `untrusted` input fields before the implementation runs, grounding of the
 * declared output fields after it. See StepGuards for each guard's verdicts and defaults.
 */
export function stepGuards(declaration: StepGuards): StepGuardsMiddleware {
  return guardMiddlewares(declaration);
}

export type { GroundingKind, GuardsContext, StepGuards, StepGuardsMiddleware } from '../guards/declaration.js';
export type { GuardName, GuardSpan, GuardVerdict, InjectionResult, PiiKind, PiiSpan, Redaction } from '../guards/types.js';
export { PII_KINDS } from '../guards/types.js';
export { scoreInjection } from '../guards/injection.js';
export { findPii, redactPii, restorePlaceholders } from '../guards/pii.js';
export { checkGrounding, GroundingSource, reconciles, toMinorUnits, type GroundingResult, type GroundingSpec } from '../guards/grounding.js';
export { guardVerdicts, needsHuman, type GuardVerdictRecord } from '../guards/verdicts.js';
export { guardTriggeredEvent, type GuardSpanData, type GuardTriggeredData, type RecordedGuardVerdict } from '../events/guard-triggered.js';
