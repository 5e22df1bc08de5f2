import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { jsonCopy } from './json-copy.js';

/** A Lambda handler as the functions export it (middy handlers take event and context). */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface LocalLambda {
  /** Folder name under functions/. */
  handler: string;
  arn: string;
  timeoutSeconds: number;
  run: LambdaHandler;
  /** The environment variables the function runs with (function-environment.ts). Absent: a plain handler (tests). */
  environment?: Readonly<Record<string, string>>;
  /**
   * Waits for a free execution environment (lambda-containers.ts) and returns its release.
   * Absent: no bound (tests with a plain handler).
   */
  acquire?: () => Promise<() => void>;
}

/**
 * A failed invocation as Step Functions sees it: the error name is the function's `errorType`
 * (the thrown error's name), and the Cause is the JSON Lambda reports,
 * `{"errorType", "errorMessage", "trace"}`. Retry and Catch match on the name.
 */
export class LambdaFunctionError extends Error {
  constructor(errorType: string, errorMessage: string) {
    // The trace stays empty: stack frames name local paths and help nobody reading an execution.
    super(JSON.stringify({ errorType, errorMessage, trace: [] }));
    this.name = errorType;
  }
}

/**
 * Invokes a handler the way the Lambda service does for Step Functions: the event arrives as
 * a fresh copy parsed from JSON, the result leaves as JSON, a thrown error becomes a function
 * error, and the function's configured timeout ends the invocation with `Sandbox.Timedout`.
 *
 * @example
 * const output = await invokeLocalLambda(fn, { executionId: 'e1', input: {} });
 */
export async function invokeLocalLambda(fn: LocalLambda, event: unknown): Promise<unknown> {
  const release = fn.acquire === undefined ? undefined : await fn.acquire();
  try {
    return await invokeInEnvironment(fn, event);
  } finally {
    release?.();
  }
}

/** One invocation in an environment of its own: the timeout counts from here, as Lambda's does. */
async function invokeInEnvironment(fn: LocalLambda, event: unknown): Promise<unknown> {
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  const awsRequestId = randomUUID();
  const name = fn.arn.split(':').at(-1) ?? fn.handler;
  const context = {
    awsRequestId,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: fn.arn,
    memoryLimitInMB: '1024',
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `local/${awsRequestId}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  } satisfies Context;

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new LambdaFunctionError('Sandbox.Timedout', `Task timed out after ${fn.timeoutSeconds.toFixed(2)} seconds`)),
      fn.timeoutSeconds * 1000,
    );
  });
  try {
    const result = await Promise.race([fn.run(jsonCopy(event), context), timedOut]);
    return jsonCopy(result);
  } catch (error) {
    if (error instanceof LambdaFunctionError) throw error;
    const errorType = error instanceof Error && error.name ? error.name : 'Error';
    const errorMessage = error instanceof Error ? error.message : String(error);
    throw new LambdaFunctionError(errorType, errorMessage);
  } finally {
    clearTimeout(timer);
  }
}
