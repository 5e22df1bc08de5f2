import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalStreamRecord } from './stream-records.js';
import { writeFileAtomically } from '../atomic-file.js';

/** The checkpoint's file in the data folder. */
export const STREAM_CHECKPOINT_FILE = 'audit-stream.json';
const FORMAT = 'wardflow.local-stream-checkpoint.v1';

/**
 * Where the local events-table stream stands, kept on disk so that no restart or crash loses or
 * repeats a record:
 * - `captured`: per event stream (`execution#…`, `approval#…`), the highest version that has a
 *   stream record (a sequence number). Versions above it are still to be captured from the table.
 * - `pending`: captured records not yet archived or dead-lettered, in delivery order. The first
 *   `delivering` of them are the batch handed to the archiver last: saved BEFORE it is handed over,
 *   so a restart delivers that exact batch again (same sequence numbers, same bytes, so the same
 *   archive key) before anything else.
 * Everything captured and not pending has been archived or dead-lettered.
 */
export interface StreamCheckpoint {
  format: typeof FORMAT;
  streamArn: string;
  shardId: string;
  /** The sequence number the next captured record gets (decimal). */
  nextSequenceNumber: string;
  captured: Record<string, number>;
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
 * A checkpoint for a stream that has delivered nothing yet.
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
    captured: {},
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
  if (parsed.format !== FORMAT) broken(`has no "format": "${FORMAT}"`);
  if (typeof parsed.streamArn !== 'string' || typeof parsed.shardId !== 'string') broken('lacks streamArn or shardId');
  if (typeof parsed.nextSequenceNumber !== 'string' || !/^\d{1,40}$/.test(parsed.nextSequenceNumber)) broken('has no decimal nextSequenceNumber');
  if (typeof parsed.captured !== 'object' || parsed.captured === null) broken('has no "captured" versions');
  if (!Array.isArray(parsed.pending)) broken('has no "pending" list');
  const pending = parsed.pending as LocalStreamRecord[];
  const delivering = parsed.delivering;
  if (!Number.isInteger(delivering) || (delivering as number) < 0 || (delivering as number) > pending.length) broken('has a "delivering" count outside its pending list');
  if (pending.length > 0 && delivering === 0) broken('has pending records but none being delivered');
  for (const field of ['retries', 'invocations'] as const) if (!Number.isInteger(parsed[field])) broken(`has no whole number "${field}"`);
  return parsed as StreamCheckpoint;
}
