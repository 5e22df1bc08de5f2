import { performance } from 'node:perf_hooks';
import { type AnsweredRequest, watchServerRequests } from './server-requests.js';

/** DynamoDB operations that append events (dynalite refuses TransactWriteItems, so in practice PutItem). */
const APPENDS = new Set(['PutItem', 'TransactWriteItems', 'BatchWriteItem']);
/** An archive object's key ends with its first and last sequence numbers (functions/shared/audit/archive-format.ts). */
const ARCHIVE_KEY = /\/events\/[^?]*-(\d{40})-(\d{40})\.json(?:\?|$)/;

/**
 * Watches the local DynamoDB and S3 from outside: when the last event was appended (a PutItem
 * answered without error), and how many events the archiver has written to S3 (each archive
 * object's key names the sequence numbers of its first and last record, so one PUT of a key
 * counts last - first + 1 events).
 *
 * @example
 * const watch = ArchiveWatch.start({ dynamodb: 7702, s3: 7703 });
 * await runSomeExecutions();
 * console.log(watch.lastAppendAt, watch.archived);
 */
export class ArchiveWatch {
  /** `performance.now()` of the last append answered; NaN before the first. */
  lastAppendAt = Number.NaN;
  /** Events in the archive objects written since the watch started. */
  archived = 0;
  private readonly unsubscribe: () => void;

  private constructor(private readonly ports: { dynamodb: number; s3: number }) {
    this.unsubscribe = watchServerRequests((request) => this.seen(request));
  }

  static start(ports: { dynamodb: number; s3: number }): ArchiveWatch {
    return new ArchiveWatch(ports);
  }

  stop(): void {
    this.unsubscribe();
  }

  private seen(request: AnsweredRequest): void {
    if (request.status >= 400) return;
    if (request.port === this.ports.dynamodb && APPENDS.has(request.operation)) this.lastAppendAt = request.finishedAt;
    if (request.port === this.ports.s3 && request.method === 'PUT') this.archived += archivedEvents(request.url);
  }
}

/**
 * How many events an S3 PUT of this URL archives: 0 for anything but an archive object.
 *
 * @example
 * archivedEvents(`/wardflow-local-audit/events/2026/11/26/10/20261126T101500Z-${pad(101)}-${pad(187)}.json`); // 87
 */
export function archivedEvents(url: string): number {
  const match = ARCHIVE_KEY.exec(url);
  if (match === null) return 0;
  return Number(BigInt(match[2]!) - BigInt(match[1]!)) + 1;
}

/** Where a stretch of the run began: the archive had everything then (a flush had just resolved). */
export interface ArchiveMark {
  at: number;
  archived: number;
}

export function markArchive(watch: ArchiveWatch): ArchiveMark {
  return { at: performance.now(), archived: watch.archived };
}

export interface ArchiveLag {
  /** From the last append answered to `flush()` resolving: everything appended is archived. */
  lagMs: number;
  /** Events still to archive when the flush was asked for, and how fast they went. */
  backlogEvents: number;
  flushMs: number;
  /** Events archived since the mark, and per second from the mark to the flush resolving (the archiver kept pace with the appends if this matches events/s). */
  archivedEvents: number;
  archivedPerSecond: number;
}

/**
 * Once appends have stopped (every execution of the stretch ended): asks the audit stream to
 * archive everything and says how long after the last append that was done.
 *
 * @example
 * const mark = markArchive(watch);
 * await runExecutions(1000);
 * const lag = await archiveLag(runtime.auditStream, watch, mark);
 */
export async function archiveLag(stream: { flush(): Promise<void> }, watch: ArchiveWatch, since: ArchiveMark): Promise<ArchiveLag> {
  const before = watch.archived;
  const asked = performance.now();
  await stream.flush();
  const done = performance.now();
  const archivedEventsSince = watch.archived - since.archived;
  return {
    lagMs: done - (Number.isNaN(watch.lastAppendAt) ? asked : watch.lastAppendAt),
    backlogEvents: watch.archived - before,
    flushMs: done - asked,
    archivedEvents: archivedEventsSince,
    archivedPerSecond: (archivedEventsSince * 1000) / (done - since.at),
  };
}
