import type middy from '@middy/core';
import { GuardTriggered, GuardUnavailable, ValidationFailed } from '../errors.js';
import { guardTriggeredEvent, isGuardIdentifier, type GuardSpanData, type GuardTriggeredData } from '../events/guard-triggered.js';
import type { GuardsContext, StepGuards, StepGuardsMiddleware } from '../guards/declaration.js';
import { checkGrounding } from '../guards/grounding.js';
import { scoreInjection } from '../guards/injection.js';
import { PlaceholderBook } from '../guards/placeholders.js';
import type { GuardName, PiiKind } from '../guards/types.js';
import { applyGuardrail, readGuardrailSettings } from '../models/guardrail.js';
import { transientKind } from '../transient-errors.js';
import type { StepEnvelope } from './envelope.js';
import { invocationOf } from './invocation.js';

/** Declared names go into events as field names: identifiers and dotted paths only. */
const FIELD = /^[A-Za-z_][A-Za-z0-9_.]{0,127}$/;

/** What the input half leaves for the output half: the untrusted text as it came in, before redaction. */
interface GuardsInternal {
  guardOriginals?: Record<string, string>;
}

/**
 * The guard middleware of a step, in two halves (see StepGuardsMiddleware). defineStep puts the
 * input half right after `validate` parses the input, so the guards see typed input and the
 * implementation sees what the guards let through; and the output half right before `validate`
 * in the chain, so that (middy runs `after` in reverse) grounding runs after the output passed its
 * schema: it then grounds the values that actually leave the step (trimmed, defaulted, as the
 * next step gets them), on a well-formed output, and a malformed output fails as
 * ValidationFailed naming the field rather than as a guard.
 *
 * Before the implementation, per untrusted field: the injection classifier on the text as it came
 * in; PII found, and with `redact` replaced by placeholders; where the environment configures one
 * (AWS), Bedrock Guardrails on the text the implementation, and so the model, gets. After it:
 * grounding of the declared output fields in the original text. Every verdict but allow is one
 * GuardTriggered event, recorded even when the step then fails; `block` throws GuardTriggered.
 * Events, logs and errors carry kinds, scores, offsets and field names, never the text.
 *
 * @example
 * defineStep({ name: 'extract-invoice', input, output, guards: guardMiddlewares({ untrusted: ['invoiceText'] }) }, impl);
 */
export function guardMiddlewares(declaration: StepGuards): StepGuardsMiddleware {
  checkDeclaration(declaration);
  const injection = declaration.injection === false ? undefined : (declaration.injection ?? { verdict: 'block' as const });
  // The guardrail is the injection guard's second layer: off with it, with its verdict otherwise.
  const injectionVerdict = injection?.verdict ?? 'block';
  const pii = declaration.pii === false ? undefined : (declaration.pii ?? { verdict: 'redact' as const });
  const restoreKinds: readonly PiiKind[] = pii?.restore ?? [];

  const input = (step: string): middy.MiddlewareObj<unknown, unknown, Error> => ({
    name: 'guards',
    before: async (request) => {
      const invocation = invocationOf(request);
      const envelope = request.event as StepEnvelope;
      const originals = untrustedTexts(step, envelope.input, declaration.untrusted);
      (request.internal as GuardsInternal).guardOriginals = originals;
      const fields = Object.keys(originals);

      const triggered = (data: Omit<GuardTriggeredData, 'step'>): void => {
        invocation.record(guardTriggeredEvent({ step, ...data }), { evenOnFailure: true });
        invocation.logger?.warn('guard triggered', { step, guard: data.guard, verdict: data.verdict, kinds: [...new Set(data.spans.map((s) => s.kind))], fields: data.fields });
      };

      // 1. Injection, on the text as it came in: the classifier runs here, nothing leaves the process.
      const injected: GuardSpanData[] = [];
      let score = 0;
      let threshold: number | undefined;
      const injectedFields: string[] = [];
      for (const field of injection ? fields : []) {
        const result = scoreInjection(originals[field]!);
        threshold = result.threshold;
        if (!result.flagged) continue;
        score = Math.max(score, result.score);
        injectedFields.push(field);
        injected.push(...result.spans.map((span) => ({ kind: safeKind(span.kind), start: span.start, end: span.end, field })));
      }
      if (injectedFields.length > 0) {
        triggered({ guard: 'injection', verdict: injectionVerdict, score: clamp(score), ...(threshold === undefined ? {} : { threshold: clamp(threshold) }), spans: injected, fields: injectedFields });
        if (injectionVerdict === 'block') throw blocked('injection', `the untrusted input ${list(injectedFields)} reads as instructions to the model, so it was not passed on`, { fields: injectedFields });
      }

      // 2. PII and secrets: placeholders across all fields (PlaceholderBook), offsets into the original.
      const book = new PlaceholderBook(pii?.kinds);
      const forModel: Record<string, string> = { ...originals };
      const found: GuardSpanData[] = [];
      for (const field of pii ? fields : []) {
        const redaction = book.redact(originals[field]!);
        if (pii!.verdict === 'redact') forModel[field] = redaction.text;
        found.push(...redaction.spans.map((span) => ({ kind: span.kind, start: span.start, end: span.end, field })));
      }
      if (pii && found.length > 0) {
        const piiFields = [...new Set(found.map((span) => span.field))];
        triggered({ guard: 'pii', verdict: pii.verdict, spans: found, fields: piiFields });
        if (pii.verdict === 'block') {
          throw blocked('pii', `the untrusted input ${list(piiFields)} holds personal data or secrets (${[...new Set(found.map((s) => s.kind))].join(', ')}), so it was not passed on`, { fields: piiFields });
        }
      }

      // 3. Bedrock Guardrails (AWS, where configured): a second injection layer, on what the model would get.
      const settings = injection ? readGuardrailSettings() : undefined;
      if (settings !== undefined) {
        const flagged: string[] = [];
        const filters = new Set<string>();
        for (const field of fields) {
          let verdict;
          try {
            verdict = await applyGuardrail(forModel[field]!, settings, 'INPUT');
          } catch (error) {
            // A throttle or a timeout is retried by the state machine; GuardUnavailable names the guard already; anything
            // else fails the step as GuardUnavailable too. Either way nothing passes unchecked.
            if (transientKind(error) !== undefined || error instanceof GuardUnavailable) throw error;
            throw new GuardUnavailable(`guardrail ${settings.guardrailId}`, 'the guardrail could not check the untrusted input, so it was not passed on (fail closed)');
          }
          if (!verdict.intervened) continue;
          flagged.push(field);
          for (const filter of verdict.filters) filters.add(safeKind(filter));
        }
        if (flagged.length > 0) {
          triggered({ guard: 'guardrail', verdict: injectionVerdict, spans: [], fields: flagged, filters: [...filters] });
          if (injectionVerdict === 'block') throw blocked('guardrail', `the guardrail flagged the untrusted input ${list(flagged)}, so it was not passed on`, { fields: flagged });
        }
      }

      if (pii?.verdict === 'redact' && found.length > 0) {
        request.event = { ...envelope, input: { ...(envelope.input as Record<string, unknown>), ...forModel } };
      }
      const guards: GuardsContext = { restore: (text) => book.restore(text, restoreKinds) };
      invocation.guards = guards;
    },
  });

  const output = (step: string): middy.MiddlewareObj<unknown, unknown, Error> => ({
    name: 'guards-grounding',
    after: async (request) => {
      const grounded = declaration.grounded;
      if (grounded === undefined) return;
      // No source text (the field was absent): nothing can be grounded, so every declared value fails.
      const source = (request.internal as GuardsInternal).guardOriginals?.[grounded.source] ?? '';
      const result = checkGrounding(request.response, source, grounded);
      if (result.grounded) return;
      const invocation = invocationOf(request);
      invocation.record(
        guardTriggeredEvent({ step, guard: 'grounding', verdict: grounded.verdict, spans: [], fields: result.ungrounded, ...(result.reconciled === false ? { reconciled: false } : {}) }),
        { evenOnFailure: true },
      );
      invocation.logger?.warn('guard triggered', { step, guard: 'grounding', verdict: grounded.verdict, fields: result.ungrounded, reconciled: result.reconciled });
      if (grounded.verdict === 'block') {
        const reasons = [
          ...(result.ungrounded.length > 0 ? [`the output's ${list(result.ungrounded)} ${result.ungrounded.length === 1 ? 'does' : 'do'} not occur in the input ${grounded.source}`] : []),
          ...(result.reconciled === false ? [`the output's ${grounded.reconcile!.parts} do not add up to its ${grounded.reconcile!.total}`] : []),
        ];
        throw blocked('grounding', reasons.join(', and '), { fields: result.ungrounded, ...(result.reconciled === false ? { reconciled: false } : {}) });
      }
    },
  });

  return { declaration, input, output };
}

/** The untrusted fields' texts; absent and null fields are skipped, other non-strings refused. */
function untrustedTexts(step: string, input: unknown, untrusted: readonly string[]): Record<string, string> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationFailed(`${step} input`, [{ path: 'input', expected: 'an object holding the untrusted fields the step declares' }]);
  }
  const texts: Record<string, string> = {};
  for (const field of untrusted) {
    const value = Object.hasOwn(input, field) ? (input as Record<string, unknown>)[field] : undefined;
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new ValidationFailed(`${step} input`, [{ path: `input.${field}`, expected: 'a string (the step declares it untrusted text)' }]);
    texts[field] = value;
  }
  return texts;
}

/** A declaration that cannot work is a programming error: it fails at import, not per invocation. */
function checkDeclaration(declaration: StepGuards): void {
  const problems: string[] = [];
  if (declaration.untrusted.length === 0) problems.push('untrusted names no field');
  for (const field of declaration.untrusted) if (!FIELD.test(field) || field.includes('.')) problems.push(`untrusted field "${field}" is not a top-level field name`);
  const grounded = declaration.grounded;
  if (grounded !== undefined) {
    if (!declaration.untrusted.includes(grounded.source)) problems.push(`grounded.source "${grounded.source}" is not one of the untrusted fields`);
    const paths = [...Object.keys(grounded.fields), ...(grounded.reconcile ? [grounded.reconcile.total, grounded.reconcile.parts] : [])];
    for (const path of paths) if (!FIELD.test(path)) problems.push(`grounded path "${path}" is not a dotted field path`);
    if (Object.keys(grounded.fields).length === 0 && grounded.reconcile === undefined) problems.push('grounded names no field');
  }
  if (problems.length > 0) throw new TypeError(`stepGuards: ${problems.join('; ')}`);
}

function blocked(guard: GuardName, reason: string, details: Record<string, unknown>): GuardTriggered {
  return new GuardTriggered(guard, reason, details);
}

/** A detector's or the guardrail's label, as an event may carry it: anything else is not written, whatever it says. */
function safeKind(kind: string): string {
  return isGuardIdentifier(kind) ? kind : 'unknown';
}

function list(fields: readonly string[]): string {
  return fields.join(', ');
}

/** Scores are 0..1 by contract; a detector that strays must not make the event unstorable. */
function clamp(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 1;
}
