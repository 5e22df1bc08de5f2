import type middy from '@middy/core';
import { appendFacts } from '../events/append-facts.js';
import type { NewEvent } from '../events/event.js';
import { executionStream } from '../events/event.js';
import type { EventStore } from '../events/store.js';
import { safeErrorName, ValidationFailed, WardflowError } from '../errors.js';
import { readExecutionId } from './envelope.js';
import { toStepError } from './errors.js';
import { invocationOf } from './invocation.js';
import type { Redactor } from './redact.js';

/** appendFacts' shape: appends at the current head, one event at a time, re-reading the head on conflict. */
export type AppendFacts = (
  store: EventStore,
  stream: string,
  events: NewEvent[],
  options: { maxAttempts: number; oneAtATime: true },
) => Promise<unknown>;

export interface AuditOptions {
  step: string;
  /** Resolved per invocation, so a step built at import time sees `setDependencies()` of tests. */
  getStore: () => EventStore;
  /** Redacts event data (handler-queued events may carry a secret by mistake). */
  redactor?: Redactor;
  /** @default appendFacts from functions/shared/events/append-facts.ts */
  append?: AppendFacts;
  /** Attempts per event when another writer moves the stream. @default 5 */
  maxAttempts?: number;
  /** @default Date.now */
  now?: () => number;
}

/**
 * Records what a step did in its execution's stream, the system of record.
 *
 * after: one SecretRead {name, versionId} per secret used, the events the handler queued
 * with `context.wardflow.record(...)`, then StepSucceeded {step, durationMs} LAST. There is
 * no transaction (dynalite has none), so each is its own append; StepSucceeded is the commit
 * marker: a stream that has it has every fact of that step before it, and an attempt that
 * failed half-way has no StepSucceeded, so its retry does not leave two.
 * onError: the queued events marked `evenOnFailure` (model calls, guards), then
 * ValidationFailed {step, source, issues} or StepFailed {step, error, message}, with the
 * same safe name and message Step Functions will see.
 * Every queued event's data goes through the redactor, on both paths.
 *
 * Without a usable executionId there is no stream: the failure is logged and no event written.
 * onError never replaces or swallows the original error: a store failure there is logged and
 * the original error goes on. A store failure after success fails the step (the fact is not
 * recorded, so the step must not count as done).
 *
 * @example
 * ```ts
 * middy(handler).use(audit({ step: 'pay', getStore: () => getDependencies().store, redactor }));
 * ```
 */
export function audit(options: AuditOptions): middy.MiddlewareObj<unknown, unknown, Error> {
  const { step, redactor } = options;
  const append = options.append ?? appendFacts;
  const maxAttempts = options.maxAttempts ?? 5;
  const now = options.now ?? Date.now;
  const actor = `step:${step}`;
  const clean = (event: NewEvent): NewEvent => (redactor ? { ...event, data: redactor.redact(event.data) as NewEvent['data'] } : event);
  const internalOf = (request: middy.Request) => request.internal as { auditFailed?: boolean; auditRecorded?: boolean };

  // Own start time, on the same clock as `now`, so durations never mix clocks.
  const startOf = (request: middy.Request): number => (request.internal as { auditStartedAt?: number }).auditStartedAt ?? now();
  const before: middy.MiddlewareFn<unknown, unknown, Error> = async (request) => {
    (request.internal as { auditStartedAt?: number }).auditStartedAt = now();
  };

  const after: middy.MiddlewareFn<unknown, unknown, Error> = async (request) => {
    const invocation = invocationOf(request);
    const executionId = readExecutionId(request.event);
    if (!executionId) {
      // validate() refuses such events before the handler runs; this only guards direct use.
      invocation.logger?.warn('step succeeded without a usable executionId; no events recorded', { step });
      return;
    }
    const events: NewEvent[] = [
      ...invocation.secretReads.map((read): NewEvent => ({ type: 'SecretRead', actor, data: { step, name: read.name, versionId: read.versionId } })),
      ...invocation.recorded.map(({ event }) => clean(event)),
      // Last: the commit marker (see above).
      { type: 'StepSucceeded', actor, data: { step, durationMs: Math.max(0, now() - startOf(request)) } },
    ];
    try {
      await append(options.getStore(), executionStream(executionId), events, { maxAttempts, oneAtATime: true });
      internalOf(request).auditRecorded = true;
    } catch (error) {
      internalOf(request).auditFailed = true;
      invocation.logger?.error('step events could not be recorded', { step, error: safeErrorName(error) });
      throw error instanceof WardflowError ? error : toStepError(step, error);
    }
  };

  const onError: middy.MiddlewareFn<unknown, unknown, Error> = async (request) => {
    const invocation = invocationOf(request);
    const original = request.error;
    try {
      if (internalOf(request).auditFailed) return; // the store just failed; do not retry it here
      const executionId = readExecutionId(request.event);
      if (!executionId) {
        invocation.logger?.warn('event has no usable executionId; failure not recorded as an event', {
          step,
          error: safeErrorName(original),
          executionId: describeRejectedId(request.event, redactor),
        });
        return;
      }
      // after() may have written them already when a middleware outside audit failed later.
      const facts = internalOf(request).auditRecorded ? [] : invocation.recorded.filter((r) => r.evenOnFailure).map(({ event }) => clean(event));
      const failure = failureEvent(step, actor, original, redactor, now() - startOf(request));
      await append(options.getStore(), executionStream(executionId), [...facts, failure], { maxAttempts, oneAtATime: true });
    } catch (storeError) {
      invocation.logger?.error('failure event could not be recorded; the original error is kept', {
        step,
        error: safeErrorName(original),
        storeError: safeErrorName(storeError),
      });
    } finally {
      // Whatever happened above, the original error is what the invocation fails with.
      request.error = original;
    }
  };

  return { before, after, onError, name: 'audit' };
}

/** The failure as an event, built from the same safe form Step Functions gets. */
export function failureEvent(step: string, actor: string, error: unknown, redactor: Redactor | undefined, durationMs: number): NewEvent {
  const safe = toStepError(step, error, redactor);
  if (safe instanceof ValidationFailed) {
    return {
      type: 'ValidationFailed',
      actor,
      data: { step, source: safe.source, issues: safe.issues.map((i) => ({ path: i.path, expected: i.expected })) },
    };
  }
  const data: NewEvent['data'] = { step, error: safe.name, message: safe.message, durationMs: Math.max(0, durationMs) };
  if (!(error instanceof WardflowError)) data.cause = safeErrorName(error);
  return { type: 'StepFailed', actor, data };
}

/** What the rejected executionId looked like: its type and length, redacted, cut short. */
function describeRejectedId(event: unknown, redactor: Redactor | undefined): string {
  let raw: unknown;
  try {
    raw = event !== null && typeof event === 'object' ? (event as Record<string, unknown>).executionId : undefined;
  } catch {
    raw = undefined;
  }
  if (typeof raw !== 'string') return `(${raw === undefined ? 'missing' : typeof raw})`;
  // Redact first: cutting first could leave half a secret that no longer matches.
  const redacted = redactor ? redactor.redactString(raw) : raw;
  return redacted.length > 40 ? `${redacted.slice(0, 40)}...` : redacted;
}
