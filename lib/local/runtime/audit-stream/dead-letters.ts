import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';

/** The local dead-letter queue: one JSON message a line, in the data folder. */
export const DEAD_LETTER_FILE = 'audit-dead-letters.jsonl';

/**
 * The message Lambda sends to an event source mapping's OnFailure destination (the SQS
 * dead-letter queue) when a DynamoDB stream batch has used up its retries. Positions only:
 * which shard, which sequence numbers, when they arrived. Never the records themselves, so
 * nothing of an event (sealed or not) lands in the queue.
 */
export interface StreamDeadLetter {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted';
    approximateInvokeCount: number;
  };
  responseContext: { statusCode: number; executedVersion: string; functionError?: string };
  version: '1.0';
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

/**
 * The dead-letter message for `records` (a batch in stream order).
 *
 * @example
 * const message = streamDeadLetter(batch, { functionArn, shardId, approximateInvokeCount: 4, threw: false, now: new Date() });
 */
export function streamDeadLetter(
  records: readonly DynamoDBRecord[],
  context: { functionArn: string; shardId: string; approximateInvokeCount: number; threw: boolean; now: Date },
): StreamDeadLetter {
  const first = records[0]?.dynamodb;
  const last = records.at(-1)?.dynamodb;
  const arrival = (seconds: number | undefined) => new Date((seconds ?? 0) * 1000).toISOString().replace('.000Z', 'Z');
  return {
    requestContext: {
      requestId: randomUUID(),
      functionArn: context.functionArn,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: context.approximateInvokeCount,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(context.threw ? { functionError: 'Unhandled' } : {}) },
    version: '1.0',
    timestamp: context.now.toISOString(),
    DDBStreamBatchInfo: {
      shardId: context.shardId,
      startSequenceNumber: first?.SequenceNumber ?? '',
      endSequenceNumber: last?.SequenceNumber ?? '',
      approximateArrivalOfFirstRecord: arrival(first?.ApproximateCreationDateTime),
      approximateArrivalOfLastRecord: arrival(last?.ApproximateCreationDateTime),
      batchSize: records.length,
      streamArn: records[0]?.eventSourceARN ?? '',
    },
  };
}

/**
 * Appends one message to `<data>/audit-dead-letters.jsonl` and flushes it to disk before
 * returning, so a message is never lost once the stream moves past its records. (A crash between
 * this write and the checkpoint retries those records and may add the same positions again:
 * at least once, as SQS delivers.)
 *
 * @example
 * appendDeadLetter(dataDir, message);
 */
export function appendDeadLetter(dataDir: string, message: StreamDeadLetter): void {
  const fd = openSync(join(dataDir, DEAD_LETTER_FILE), 'a', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(message)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
