import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalStreamRecord } from './stream-records.js';
import { writeFileAtomically } from '../../atomic-file.js';

/** The checkpoint's file in the data folder. */
export const STREAM_CHECKPOINT_FILE = 'audit-stream.json';
const FORMAT = 'wardflow.local-stream-checkpoint.v2';
/** The format before the write log: `captured` versions, read by scanning the table. Read, converted, never written. */
const FORMAT_V1 = 'wardflow.local-stream-checkpoint.v1';

/**
 * The catch-up over history the DynamoDB write log does not hold (a table older than the log, or a
 * checkpoint moved away), done once by scanning the table:
 * - while `until` is null, the table is scanned, and `captured` holds per event stream
 *   (`execution#…`, `approval#…`) the highest version that has a stream record;
 * - once a scan finds nothing new, `until` is where the log ended then: puts logged before it at or
 *   below `captured` were taken by the scans and are skipped. Past `until`, the catch-up is over
 *   (null) and the checkpoint no longer grows with the number of streams.
 */
export interface StreamCatchUp {
  captured: Record<string, number>;
  until: number | null;
}

/**
 * Where the local events-table stream stands, kept on disk so that no restart or crash loses or
 * repeats a record:
 * - `logPosition`: where the DynamoDB write log (dynamodb-write-log.ts) is read next; every put
 *   before it has been captured (or was not an insert of the table).
 * - `catchUp`: see StreamCatchUp; null in the steady state.
 * - `pending`: captured records not yet archived or dead-lettered, in delivery order. The first
 *   `delivering` of them are the batch handed to the archiver last: saved BEFORE it is handed over,
 *   so a restart delivers that exact batch again (same sequence numbers, same bytes, so the same
 *   archive key) before anything else.
 * Everything captured and not pending has been archived or dead-lettered. The size of the file
 * follows `pending` (at most a batch or so), not the history.
 */
export interface StreamCheckpoint {
  format: typeof FORMAT;
  streamArn: string;
  shardId: string;
  /** The sequence number the next captured record gets (decimal). */
  nextSequenceNumber: string;
  logPosition: number;
  catchUp: StreamCatchUp | null;
  pending: LocalStreamRecord[];
  delivering: number;
  /** Failed invocations of the current batch counted against MaximumRetryAttempts. */
  retries: number;
  /** Invocations since the head of `pending` last changed (the dead-letter message's approximateInvokeCount). */
  invocations: number;
}

/** Reads and writes the checkpoint. Tests wrap it to fail at a chosen moment, as a crash would. */
export interface StreamCheckpointStore {
  /** The saved checkpoint, or undefined before the first save. */
  load(): StreamCheckpoint | undefined;
  save(checkpoint: StreamCheckpoint): void;
}

/**
 * A checkpoint for a stream that has delivered nothing yet: it starts with the catch-up scan.
 *
 * @example
 * const checkpoint = emptyCheckpoint(localStreamIdentity({ region, account, table, createdAt }), FIRST_SEQUENCE_NUMBER);
 */
export function emptyCheckpoint(identity: { streamArn: string; shardId: string }, firstSequenceNumber: bigint): StreamCheckpoint {
  return {
    format: FORMAT,
    streamArn: identity.streamArn,
    shardId: identity.shardId,
    nextSequenceNumber: firstSequenceNumber.toString(),
    // The table may hold events from before the write log (or from before the checkpoint was moved away): scan once.
    logPosition: 0,
    catchUp: { captured: {}, until: null },
    pending: [],
    delivering: 0,
    retries: 0,
    invocations: 0,
  };
}

/**
 * The checkpoint as a file (`<data>/audit-stream.json`), written atomically: a temporary file
 * is written and flushed to disk (fsync), then renamed over the old one, and the folder is
 * flushed, so a crash at any moment leaves the previous checkpoint or the new one, never half.
 *
 * @example
 * const store = streamCheckpointFile(dataDir);
 * const checkpoint = store.load() ?? emptyCheckpoint(identity, FIRST_SEQUENCE_NUMBER);
 */
export function streamCheckpointFile(dataDir: string): StreamCheckpointStore & { file: string } {
  const file = join(dataDir, STREAM_CHECKPOINT_FILE);
  return {
    file,
    load: () => (existsSync(file) ? parseCheckpoint(readFileSync(file, 'utf8'), file) : undefined),
    save: (checkpoint) => writeFileAtomically(file, `${JSON.stringify(checkpoint)}\n`, { durable: true }),
  };
}

/**
 * A checkpoint of the scanning stream (v1): its `captured` versions become the catch-up's, so the
 * first start after the update scans once more from where it stood and then reads the write log
 * from its beginning (the log began with this version, at this runtime's start).
 */
function fromVersion1(v1: Partial<StreamCheckpoint> & { captured?: unknown }, broken: (what: string) => never): Partial<StreamCheckpoint> {
  const { captured, ...rest } = v1;
  if (typeof captured !== 'object' || captured === null) broken('has no "captured" versions');
  return { ...rest, format: FORMAT, logPosition: 0, catchUp: { captured: captured as Record<string, number>, until: null } };
}

function parseCheckpoint(text: string, file: string): StreamCheckpoint {
  const broken = (what: string): never => {
    // Written atomically, so only a hand edit breaks it; guessing would lose or repeat archive records.
    throw new Error(`the audit stream checkpoint ${file} ${what}; repair it, or move it away to archive every event of the table again`);
  };
  let parsed: Partial<StreamCheckpoint>;
  try {
    parsed = JSON.parse(text) as Partial<StreamCheckpoint>;
  } catch {
    return broken('is not valid JSON');
  }
  if ((parsed.format as string | undefined) === FORMAT_V1) parsed = fromVersion1(parsed as Partial<StreamCheckpoint> & { captured?: unknown }, broken);
  if (parsed.format !== FORMAT) broken(`has no "format": "${FORMAT}"`);
  if (typeof parsed.streamArn !== 'string' || typeof parsed.shardId !== 'string') broken('lacks streamArn or shardId');
  if (typeof parsed.nextSequenceNumber !== 'string' || !/^\d{1,40}$/.test(parsed.nextSequenceNumber)) broken('has no decimal nextSequenceNumber');
  if (!Number.isSafeInteger(parsed.logPosition) || (parsed.logPosition as number) < 0) broken('has no "logPosition" in the write log');
  const catchUp = parsed.catchUp as Partial<StreamCatchUp> | null | undefined;
  if (catchUp !== null) {
    if (typeof catchUp !== 'object' || typeof catchUp.captured !== 'object' || catchUp.captured === null) broken('has no "catchUp" (null, or its captured versions)');
    else if (catchUp.until !== null && !Number.isSafeInteger(catchUp.until)) broken('has a "catchUp" whose "until" is neither null nor a log position');
  }
  if (!Array.isArray(parsed.pending)) broken('has no "pending" list');
  const pending = parsed.pending as LocalStreamRecord[];
  const delivering = parsed.delivering;
  if (!Number.isInteger(delivering) || (delivering as number) < 0 || (delivering as number) > pending.length) broken('has a "delivering" count outside its pending list');
  if (pending.length > 0 && delivering === 0) broken('has pending records but none being delivered');
  for (const field of ['retries', 'invocations'] as const) if (!Number.isInteger(parsed[field])) broken(`has no whole number "${field}"`);
  return parsed as StreamCheckpoint;
}
