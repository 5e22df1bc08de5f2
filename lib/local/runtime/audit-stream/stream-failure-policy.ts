import type { DynamoDBRecord } from 'aws-lambda';

/**
 * The settings of the template's event source mapping that decide what happens when the
 * archiver fails (AWS::Lambda::EventSourceMapping, read by definitions.ts).
 */
export interface StreamMappingSettings {
  /** Records per invocation at most. */
  batchSize: number;
  /** Retries of a failing batch before its records go to the dead-letter queue; -1: no limit. */
  maximumRetryAttempts: number;
  /** Split a failing batch in two before retrying it. */
  bisectBatchOnFunctionError: boolean;
  /** FunctionResponseTypes has ReportBatchItemFailures: the handler's `batchItemFailures` are read. */
  reportBatchItemFailures: boolean;
}

/** How an invocation ended: the handler answered (its response), or it threw (its error type). */
export type InvocationResult = { answered: unknown } | { threw: string };

/** Where the stream stands before the invocation. */
export interface DeliveryState {
  /** The records handed to the handler, in order. */
  batch: readonly DynamoDBRecord[];
  /** Records pending in all, the batch included (the batch is their head). */
  pending: number;
  retries: number;
  invocations: number;
}

/** What to do after the invocation. Records are counted from the head of the batch. */
export interface NextStep {
  /** Leading records of the batch that are archived (done). */
  archived: number;
  /** Records after those that go to the dead-letter queue (done, too). */
  deadLettered: number;
  /** Size of the next batch over the records still pending (0 when none is). */
  delivering: number;
  retries: number;
  invocations: number;
  /** The invocation failed without progress: wait before the next one. */
  backOff: boolean;
}

/**
 * What Lambda's event source mapping does after one invocation of a stream batch, for one shard:
 * - Complete success (no failure reported, or ReportBatchItemFailures off): the batch is done.
 * - A reported failure (the lowest sequence number reported counts): the records before it are
 *   done; the rest of the batch is retried from it ("bisected at the returned sequence number").
 * - A thrown error, a failure reported for the first record, or a malformed report (an empty or
 *   unknown itemIdentifier) fails the batch without progress: with BisectBatchOnFunctionError, a
 *   batch of several records is split and its first half retried (the split uses no retry, so a
 *   poison record is isolated whatever the retry limit); a single record, or any batch without
 *   bisect, is retried until MaximumRetryAttempts retries have failed, and then goes to the
 *   dead-letter queue, so the records behind it flow again.
 * `invocations` counts the invocations that included the current head record (approximateInvokeCount).
 *
 * @example
 * const next = afterInvocation({ batch, pending: 40, retries: 0, invocations: 1 }, { answered: response }, settings);
 */
export function afterInvocation(state: DeliveryState, result: InvocationResult, settings: StreamMappingSettings): NextStep {
  const size = state.batch.length;
  const failedAt = 'threw' in result ? 0 : firstReportedFailure(result.answered, state.batch, settings);
  const nextBatch = (remaining: number) => Math.min(remaining, settings.batchSize);
  if (failedAt === undefined) {
    return { archived: size, deadLettered: 0, delivering: nextBatch(state.pending - size), retries: 0, invocations: 0, backOff: false };
  }
  if (failedAt > 0) {
    return { archived: failedAt, deadLettered: 0, delivering: size - failedAt, retries: 0, invocations: 0, backOff: false };
  }
  if (settings.bisectBatchOnFunctionError && size > 1) {
    return { archived: 0, deadLettered: 0, delivering: Math.ceil(size / 2), retries: state.retries, invocations: state.invocations, backOff: true };
  }
  const limited = settings.maximumRetryAttempts >= 0;
  if (limited && state.retries >= settings.maximumRetryAttempts) {
    return { archived: 0, deadLettered: size, delivering: nextBatch(state.pending - size), retries: 0, invocations: 0, backOff: false };
  }
  return { archived: 0, deadLettered: 0, delivering: size, retries: state.retries + 1, invocations: state.invocations, backOff: true };
}

/**
 * The index in `batch` of the lowest failure the response reports, or undefined for complete
 * success. As Lambda reads it: no response, no list or an empty list is success; an entry without
 * an itemIdentifier that names a record of the batch fails the whole batch (index 0).
 */
function firstReportedFailure(response: unknown, batch: readonly DynamoDBRecord[], settings: StreamMappingSettings): number | undefined {
  if (!settings.reportBatchItemFailures) return undefined;
  if (typeof response !== 'object' || response === null) return undefined;
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return undefined;
  let lowest = batch.length;
  for (const failure of failures) {
    const identifier = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index = typeof identifier === 'string' && identifier !== '' ? batch.findIndex((r) => r.dynamodb?.SequenceNumber === identifier) : -1;
    if (index < 0) return 0;
    lowest = Math.min(lowest, index);
  }
  return lowest;
}
