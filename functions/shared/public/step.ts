/**
 * `#wardflow/step`: what a workflow's step handler imports from the platform, in one place.
 * A handler is `defineStep({ name, input, output, secrets? }, impl)`; everything it records goes to
 * the execution's event stream through `ctx.record`, sealed where it says `sensitive`.
 *
 * Kept to what handlers use, without side effects at import, so a step's bundle carries only what
 * it calls (esbuild drops the rest).
 *
 * @example
 * import { defineStep, streamOf, defineEvents } from '#wardflow/step';
 * import * as z from 'zod';
 *
 * export const handler = defineStep(
 *   { name: 'read-claim', input: z.object({ claimText: z.string().max(10_000) }), output: Claim },
 *   async (input, ctx) => parseClaim(input.claimText),
 * );
 */
export { defineStep, type StepContext, type StepDefinition, type StepHandler } from '../middleware/step.js';
export { requireEnv } from '../config.js';
export {
  ConcurrencyConflict,
  ConfigurationInvalid,
  GuardTriggered,
  ModelFailed,
  PaymentFailed,
  SecretUnavailable,
  ValidationFailed,
  WardflowError,
  type ValidationIssue,
} from '../errors.js';
export { defineEvents, type DomainEventFactory } from '../events/domain-events.js';
export { approvalStream, executionStream, type Json, type NewEvent, type StoredEvent } from '../events/event.js';
export type { EventStore } from '../events/store.js';
export { streamOf } from '../events/stream-kinds.js';
export { readVerified } from '../events/read-verified.js';
export { openSealed } from '../events/open-sealed.js';
export { openStream, type IsOwnStream } from '../events/open-stream.js';
export { approvalState, executionState, type ApprovalState, type ExecutionState } from '../events/fold.js';
export { ApprovalIdSchema, approvalIdFor } from '../approvals/approval-id.js';
export { describeIssues } from '../middleware/describe-issues.js';
export { SourceLabel } from '../source-label.js';
export { isIsoCalendarDate, MONTH_NAMES, parseWrittenDate } from '../calendar.js';
export { jsonTextBytes } from '../json-text.js';
export { containsWord, normalizeForGrounding } from '../grounding-text.js';
// What a workflow's policy step reads of its guards; the guards themselves are in #wardflow/guards.
export { guardVerdicts, needsHuman, type GuardVerdictRecord } from '../guards/verdicts.js';
