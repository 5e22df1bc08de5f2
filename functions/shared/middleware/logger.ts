import type middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { safeErrorName, WardflowError } from '../errors.js';
import { readExecutionId, readTaskToken } from './envelope.js';
import { invocationOf } from './invocation.js';
import { REDACTED, type Redactor } from './redact.js';

/**
 * Structured JSON logs (Powertools Logger) that cannot print a secret.
 *
 * Every log item goes through the Redactor twice: once in the formatter (the whole item,
 * deep), and once more in the JSON replacer at print time, which also sees errors after
 * Powertools has turned them into objects. Correlation ids on every line: `executionId` and
 * `awsRequestId`, plus `service` ('wardflow') and `step`.
 */

/** Where log lines go; one call per line (without the trailing newline). */
export type LogSink = (line: string) => void;

/** Powertools formatter that redacts the whole log item. */
export class RedactingLogFormatter extends LogFormatter {
  readonly #redactor: Redactor;

  constructor(redactor: Redactor) {
    super();
    this.#redactor = redactor;
  }

  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: attributes.lambdaContext?.coldStart,
      function_name: attributes.lambdaContext?.functionName,
      xray_trace_id: attributes.xRayTraceId,
    };
    const merged = this.#redactor.redact({ ...base, ...additional }) as LogAttributes;
    return new LogItem({ attributes: merged });
  }
}

/** A Logger whose lines can be sent somewhere other than stdout (tests, the local runtime). */
class SinkLogger extends Logger {
  #sink: LogSink | undefined;

  setSink(sink: LogSink | undefined): void {
    this.#sink = sink;
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    if (!this.#sink) return super.printLog(logLevel, log);
    log.prepareForPrint();
    this.#sink(JSON.stringify(log.getAttributes(), this.getJsonReplacer()));
  }
}

export interface CreateStepLoggerOptions {
  step: string;
  redactor: Redactor;
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Defaults to stdout, as Lambda expects. */
  sink?: LogSink;
}

/**
 * @example
 * ```ts
 * const lines: string[] = [];
 * const logger = createStepLogger({ step: 'pay', redactor, sink: (l) => lines.push(l) });
 * logger.info('paid', { apiKey: 'sk_live_...' }); // apiKey is printed as "[REDACTED]"
 * ```
 */
export function createStepLogger(options: CreateStepLoggerOptions): Logger {
  const { redactor } = options;
  const logger = new SinkLogger({
    serviceName: 'wardflow',
    logLevel: options.logLevel ?? 'INFO',
    logFormatter: new RedactingLogFormatter(redactor),
    persistentKeys: { step: options.step },
    // Second pass at print time: catches strings inside errors that Powertools formats late.
    jsonReplacerFn: (_key, value) => (typeof value === 'string' ? redactor.redactString(value) : value),
  });
  logger.setSink(options.sink);
  return logger;
}

export interface StructuredLoggingOptions {
  logger: Logger;
  step: string;
  redactor: Redactor;
}

/**
 * Outermost middleware: sets correlation ids, registers the task token with the redactor,
 * logs the start and the end of every invocation, and the final error by name.
 *
 * @example
 * ```ts
 * middy(handler).use(structuredLogging({ logger, step: 'pay', redactor }));
 * ```
 */
export function structuredLogging(options: StructuredLoggingOptions): middy.MiddlewareObj<unknown, unknown, Error> {
  const { logger, step, redactor } = options;

  const before: middy.MiddlewareFn<unknown, unknown, Error> = async (request) => {
    redactor.beginInvocation();
    const token = readTaskToken(request.event);
    if (token) redactor.registerForInvocation(token);
    const invocation = invocationOf(request);
    invocation.logger = logger;
    logger.resetKeys();
    const context = request.context as { awsRequestId?: unknown } | undefined;
    logger.appendKeys({
      executionId: readExecutionId(request.event) ?? '(none)',
      awsRequestId: typeof context?.awsRequestId === 'string' ? context.awsRequestId : '(none)',
      step,
    });
    logger.info('step started');
  };

  const after: middy.MiddlewareFn<unknown, unknown, Error> = async (request) => {
    logger.info('step succeeded', { durationMs: Date.now() - invocationOf(request).startedAt });
  };

  const onError: middy.MiddlewareFn<unknown, unknown, Error> = async (request) => {
    const error = request.error;
    const original = (request.internal as { originalError?: unknown }).originalError;
    logger.error('step failed', {
      durationMs: Date.now() - invocationOf(request).startedAt,
      error: describeForLog(error),
      ...(original !== undefined && original !== error ? { cause: describeForLog(original) } : {}),
    });
  };

  return { before, after, onError, name: 'structuredLogging' };
}

/**
 * Errors are logged by name, message and code locations. Messages of wardflow errors are
 * safe by contract; other errors' messages may quote input (personal data), so they are
 * withheld and only the stack frames are kept.
 */
export function describeForLog(error: unknown): Record<string, unknown> {
  if (error instanceof WardflowError) {
    return { name: error.name, message: error.message, details: error.details, stack: frames(error.stack) };
  }
  if (error instanceof Error) {
    return { name: safeErrorName(error), message: REDACTED, stack: frames(error.stack) };
  }
  return { name: `non-error ${typeof error}`, message: REDACTED };
}

function frames(stack: string | undefined): string[] {
  if (typeof stack !== 'string') return [];
  return stack
    .split('\n')
    .filter((line) => /^\s+at /.test(line))
    .slice(0, 10)
    .map((line) => line.trim());
}
