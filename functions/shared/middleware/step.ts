import middy from '@middy/core';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context as LambdaContext } from 'aws-lambda';
import type { z } from 'zod';
import type { NewEvent } from '../events/event.js';
import type { GuardsContext, StepGuardsMiddleware } from '../guards/declaration.js';
import { getDependencies, type StepDependencies } from '../runtime.js';
import { audit } from './audit.js';
import type { StepEnvelope } from './envelope.js';
import { mapErrors } from './errors.js';
import { invocationOf, type Invocation, type RecordOptions, type WardflowContext } from './invocation.js';
import { createStepLogger, structuredLogging, type LogSink } from './logger.js';
import { stepMetrics } from './metrics.js';
import { Redactor } from './redact.js';
import { refuseSecretOutput } from './secret-output.js';
import { secrets } from './secrets.js';
import { validate } from './validate.js';

/** What a step's implementation gets besides its typed input. */
export interface StepContext {
  /**
   * The execution this invocation belongs to: `<workflow>:<$$.Execution.Name>`
   * (functions/shared/events/execution-id.ts), so the streams derived from it are the workflow's own.
   */
  executionId: string;
  /** Present when the state is a `waitForTaskToken` task. Registered with the redactor. */
  taskToken?: string;
  /** Logical name -> value, as declared in the step's `secrets`. */
  secrets: Record<string, string>;
  /** Structured, redacting logger with executionId, awsRequestId and step on every line. */
  logger: Logger;
  /**
   * Queues an event for the execution's stream, redacted like every audit event. Appended
   * if the step succeeds; with `{ evenOnFailure: true }` also when it fails, before the
   * failure event (a model call that spent tokens, the guard that blocked).
   */
  record(event: NewEvent, options?: RecordOptions): void;
  deps: StepDependencies;
  /** What the step's guards allow back: `restore(text)` puts back the placeholders of the kinds its `pii.restore` names. */
  guards: GuardsContext;
}

export interface StepDefinition<I extends z.ZodType, O extends z.ZodType> {
  /** Step name, kebab-case: used in events (`step:<name>`), logs and error messages. */
  name: string;
  input: I;
  output: O;
  /**
   * Logical name -> secret id, resolved lazily at the first invocation (it may read env
   * through requireEnv, so a missing variable fails the invocation, not the import).
   */
  secrets?: () => Record<string, string>;
  /** Where log lines go. @default stdout */
  logSink?: LogSink;
  /**
   * The step's guards on its untrusted input and grounded output: `stepGuards({...})` from
   * `#wardflow/guards` (docs/writing-a-workflow.md#guards). Imported only by steps that declare
   * them, so other steps bundle no detector.
   */
  guards?: StepGuardsMiddleware;
}

/** A step without guards restores nothing: its input had no placeholders. */
const NO_GUARDS: GuardsContext = { restore: (text) => text };

/** The Lambda handler `defineStep` returns: event in, validated output out. */
export type StepHandler<O extends z.ZodType> = middy.MiddyfiedHandler<unknown, z.output<O>, Error, LambdaContext> & {
  /** The step's name and schemas, so tests can hold a workflow's payloads against them. */
  readonly step: { readonly name: string; readonly input: z.ZodType; readonly output: O };
};

/**
 * The one entry point handlers use. Wraps `impl` in, from outermost to innermost:
 * structuredLogging, stepMetrics, mapErrors, audit, dependencies, secrets, refuseSecretOutput, validate,
 * and with `guards` their output half (grounding, after the output is validated) before validate
 * and their input half (injection, PII, guardrail, after the input is parsed) after it.
 * Dependencies come from `getDependencies()` at each invocation, so tests can call
 * `setDependencies()` after importing a handler.
 *
 * @example
 * ```ts
 * export const handler = defineStep(
 *   { name: 'pay-invoice', input: PayInput, output: PayOutput, secrets: () => ({ paymentsApiKey: requireEnv('PAYMENTS_SECRET_ID') }) },
 *   async (input, ctx) => {
 *     const receipt = await pay(input, ctx.secrets.paymentsApiKey);
 *     ctx.record({ type: 'PaymentRecorded', actor: 'step:pay-invoice', data: { paymentId: receipt.paymentId } });
 *     return { paymentId: receipt.paymentId };
 *   },
 * );
 * ```
 */
export function defineStep<I extends z.ZodType, O extends z.ZodType>(
  definition: StepDefinition<I, O>,
  impl: (input: z.output<I>, ctx: StepContext) => Promise<z.input<O>>,
): StepHandler<O> {
  const { name } = definition;
  const redactor = new Redactor();
  const logger = createStepLogger({ step: name, redactor, ...(definition.logSink ? { sink: definition.logSink } : {}) });

  // Built at the first invocation: its cache lifetime and secret ids come from configuration.
  let loadSecrets: middy.MiddlewareObj<unknown, unknown, Error> | undefined;

  const dependencies: middy.MiddlewareObj<unknown, unknown, Error> = {
    name: 'dependencies',
    before: async (request) => {
      const deps = getDependencies();
      invocationOf(request).deps = deps;
      logger.setLogLevel(deps.config.logLevel);
      if (!loadSecrets) {
        const declared = definition.secrets?.() ?? {};
        loadSecrets =
          Object.keys(declared).length === 0
            ? {}
            : secrets({ fetch: declared, cacheExpiry: deps.config.secretsCacheSeconds * 1000, redactor, cacheKeyPrefix: `wardflow-secrets:${name}` });
      }
      await loadSecrets.before?.(request);
    },
  };

  const handler = async (event: unknown, context: LambdaContext & Partial<WardflowContext>): Promise<z.input<O>> => {
    // validate() has replaced the event by the parsed envelope by now.
    const envelope = event as StepEnvelope;
    const invocation = context.wardflow as Invocation;
    const ctx: StepContext = {
      executionId: envelope.executionId,
      ...(envelope.taskToken !== undefined ? { taskToken: envelope.taskToken } : {}),
      secrets: { ...(context.secrets ?? {}) },
      logger,
      record: (e, options) => invocation.record(e, options),
      deps: invocation.deps ?? getDependencies(),
      guards: invocation.guards ?? NO_GUARDS,
    };
    return impl(envelope.input as z.output<I>, ctx);
  };

  // The handler returns the output's input type; validate() turns it into z.output<O>.
  const guards = definition.guards;
  // middy runs `before` in this order and `after` in reverse: the guards' input half runs after
  // the input is parsed, their output half after the output is (see middleware/guards.ts).
  const middlewares: middy.MiddlewareObj<unknown, unknown, Error>[] = [
    structuredLogging({ logger, step: name, redactor }),
    // Before mapErrors, so its onError runs after it and counts the error by the name Step Functions sees.
    stepMetrics({ step: name }),
    mapErrors({ step: name, redactor }),
    audit({ step: name, getStore: () => getDependencies().store, redactor }),
    dependencies,
    refuseSecretOutput({ step: name, redactor }),
    ...(guards ? [guards.output(name)] : []),
    validate({ input: definition.input, output: definition.output, source: `${name} input`, outputSource: `${name} output` }),
    ...(guards ? [guards.input(name)] : []),
  ];
  const wrapped = middy<unknown, z.output<O>, Error, LambdaContext>(handler as unknown as (event: unknown, context: LambdaContext) => Promise<z.output<O>>).use(middlewares);
  return Object.assign(wrapped, { step: { name, input: definition.input, output: definition.output } });
}
