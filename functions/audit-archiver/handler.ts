import { S3Client } from '@aws-sdk/client-s3';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { archiveStreamBatch } from '../shared/audit/archive-stream-batch.js';
import { s3ArchiveWriter } from '../shared/audit/s3-archive-writer.js';
import { requireEnv } from '../shared/config.js';
import { environmentClient } from '../shared/environment-clients.js';
import { createStepLogger } from '../shared/middleware/logger.js';
import { Redactor } from '../shared/middleware/redact.js';

export const ARCHIVER_STEP = 'audit-archiver';

const logger = createStepLogger({ step: ARCHIVER_STEP, redactor: new Redactor() });
const s3 = environmentClient(() => new S3Client({}));

/** Replaces the S3 client (tests); `undefined` goes back to the one built from the environment. */
export const useS3Client = (client: S3Client | undefined): void => s3.use(client);

/**
 * The audit archiver: invoked by the events table's stream (NEW_IMAGE) through an event source
 * mapping with ReportBatchItemFailures, and by the local runtime with the same records. Writes
 * each batch as one object to the audit bucket (functions/shared/audit/archive-stream-batch.ts).
 *
 * Environment: AUDIT_BUCKET (the archive bucket), AUDIT_KMS_KEY_ID (optional: the audit key
 * for SSE-KMS), LOG_LEVEL.
 *
 * Logs positions and counts only: sequence numbers, the object key, the field that made a record
 * unarchivable. Never event content (sealed or not).
 */
export async function handler(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  logger.setLogLevel((process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'INFO');
  logger.addContext(context);
  const write = s3ArchiveWriter({
    client: s3.get(),
    bucket: requireEnv('AUDIT_BUCKET'),
    kmsKeyId: process.env.AUDIT_KMS_KEY_ID || undefined,
  });
  const records = event.Records ?? [];
  try {
    const outcome = await archiveStreamBatch(records, write);
    if (outcome.object) {
      logger.info(outcome.object.result === 'written' ? 'archived a batch' : 'batch was already archived (a retry)', {
        key: outcome.object.key,
        records: outcome.object.records,
      });
    }
    if (outcome.unarchivable) {
      logger.error('a stream record cannot be archived; Lambda retries from it, then sends its position to the dead-letter queue', {
        sequenceNumber: outcome.unarchivable.sequenceNumber,
        reason: outcome.unarchivable.reason,
      });
    }
    return outcome.response;
  } catch (error) {
    logger.error('writing the archive object failed; the batch will be retried', {
      records: records.length,
      errorName: error instanceof Error ? error.name : 'Error',
    });
    throw error;
  }
}
