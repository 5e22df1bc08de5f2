import type middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { NewEvent } from '../events/event.js';
import type { GuardsContext } from '../guards/declaration.js';
import type { StepDependencies } from '../runtime.js';

/** One secret read, as the SecretRead event records it: which secret and which version. */
export interface SecretRead {
  /** The secret's id (name or ARN) in Secrets Manager. */
  name: string;
  /** The version the value came from; null when the service did not say. */
  versionId: string | null;
}

/** How a queued event is recorded. */
export interface RecordOptions {
  /**
   * Record it even when the step fails (before the failure event): for facts that happened
   * whatever the outcome, like a model call that spent tokens or the guard that blocked.
   * @default false: only if the step succeeds
   */
  evenOnFailure?: boolean;
}

/** An event the handler queued, with how to record it. */
export interface RecordedEvent {
  event: NewEvent;
  evenOnFailure: boolean;
}

/**
 * What the middlewares of one invocation share. It lives in `request.internal` (new for every
 * invocation in middy) and is mirrored on the handler context as `context.wardflow`, so a
 * handler can queue events with `context.wardflow.record(event)`.
 */
export interface Invocation {
  /** Epoch milliseconds when the first middleware saw the request. */
  readonly startedAt: number;
  /** Secrets this invocation used (including cached ones), for SecretRead events. */
  readonly secretReads: SecretRead[];
  /** Events the handler queued, in order; the audit middleware appends them (redacted). */
  readonly recorded: RecordedEvent[];
  /** Queues an event for the audit middleware: appended if the step succeeds, or also on failure with `evenOnFailure`. */
  record(event: NewEvent, options?: RecordOptions): void;
  /** Set by the logging middleware; others log through it when present. */
  logger?: Logger;
  /** Set by defineStep's dependencies middleware for the handler. */
  deps?: StepDependencies;
  /** Set by the guard middleware of a step that declares guards (the handler's `ctx.guards`). */
  guards?: GuardsContext;
}

/** The handler context as wardflow's middlewares extend it. */
export interface WardflowContext {
  wardflow: Invocation;
  secrets: Record<string, string>;
}

type AnyRequest = middy.Request<unknown, unknown, unknown, any, any>;

/**
 * The invocation state of a request, created on first use by whichever middleware runs first.
 *
 * @example
 * ```ts
 * const before = (request) => { invocationOf(request).record({ type: 'ModelInvoked', actor, data }); };
 * ```
 */
export function invocationOf(request: AnyRequest, now: () => number = Date.now): Invocation {
  const internal = request.internal as { wardflow?: Invocation };
  if (internal.wardflow) return internal.wardflow;
  const recorded: RecordedEvent[] = [];
  const invocation: Invocation = {
    startedAt: now(),
    secretReads: [],
    recorded,
    record(event: NewEvent, options: RecordOptions = {}) {
      recorded.push({ event, evenOnFailure: options.evenOnFailure === true });
    },
  };
  internal.wardflow = invocation;
  if (request.context && typeof request.context === 'object') {
    (request.context as Partial<WardflowContext>).wardflow = invocation;
  }
  return invocation;
}
