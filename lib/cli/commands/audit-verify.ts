import { listArchiveKeys } from '../../audit/archive-reader.js';
import { readArchiveObjects } from '../../audit/read-archive-objects.js';
import { scanStoreEvents } from '../../audit/store-events.js';
import { type ArchiveVerification, ArchiveVerifier } from '../../audit/verify-archive.js';
import { AuditBucketNotFound, isNoSuchBucket } from '../../audit/verify-errors.js';
import { describeProblem } from '../../audit/verify-problems.js';
import { count, Progress } from '../../audit/verify-progress.js';
import type { Connection } from '../connection.js';
import { type CliIo, printJson } from '../io.js';
import type { AuditCommandLine, CommandLine } from '../options.js';
import { alignColumns } from '../table.js';

type VerifyLine = Extract<AuditCommandLine, { action: 'verify' }>;

/** An object's key hour is its batch's first record, a little after the events in it: list this much around the window. */
const LISTING_MARGIN_MS = 60 * 60 * 1000;

/**
 * `wardflow audit verify [--from DATE] [--to DATE] [--archive-only]`: reads the audit archive
 * (every object in key order, or those around the window) and the event store (a consistent
 * scan), and proves every chain: each event's hash, each link, no version missing, reordered or
 * forged, no item changed after its append, and archive and store holding the same events.
 * Exit 0 when all holds; 1 naming the first bad event (stream, version, object, what is wrong)
 * and how many more problems there are. Progress goes to stderr on long runs; stdout has only
 * the summary (one JSON document with --json). Nothing of an event's content is printed.
 *
 * @example
 * await auditVerifyCommand(connection, parseCommandLine(['audit', 'verify', '--from', '2026-11-01']), io);
 */
export async function auditVerifyCommand(connection: Connection, line: CommandLine, io: CliIo): Promise<number> {
  const options = verifyOptionsOf(line);
  const bucket = connection.auditBucket();
  const progress = new Progress(io.err);
  // Taken before listing: an event appended after it cannot be in this listing, however long the run.
  const listedAt = new Date();
  const listing = await listWindow(connection, bucket, options);
  const verifier = new ArchiveVerifier({ from: options.from, to: options.to, compareWithStore: !options.archiveOnly, now: listedAt });
  for (const key of listing.foreign) verifier.addForeignKey(key);

  const total = listing.keys.length;
  let read = 0;
  const readLine = (): string => `read ${count(read)} of ${count(total)} archive objects (${total === 0 ? 100 : Math.floor((read / total) * 100)}%), ${count(verifier.eventsVerified)} events`;
  for await (const outcome of readArchiveObjects(connection.s3, bucket, listing.keys)) {
    if ('object' in outcome) verifier.addObject(outcome.key, outcome.object.text);
    else verifier.addUnreadableObject(outcome.key, outcome.unreadable);
    read++;
    progress.update(readLine);
  }
  progress.done(readLine);

  if (!options.archiveOnly) {
    // After the archive: an event appended meanwhile is then in the store but not yet archived (pending), never the reverse.
    let scanned = 0;
    const scanLine = (): string => `scanned ${count(scanned)} items of the event store`;
    for await (const page of scanStoreEvents(connection.dynamodb, connection.eventsTable)) {
      for (const event of page.events) verifier.addStoreEvent(event);
      for (const item of page.invalid) verifier.addStoreItemProblem(item.stream, item.version, item.reason);
      scanned += page.events.length + page.invalid.length;
      progress.update(scanLine);
    }
    progress.done(scanLine);
  }

  const report = verifier.finish();
  if (line.json) printJson(io, { bucket, ...report });
  else if (report.ok) printVerified(io, bucket, report);
  else printFailed(io, report);
  return report.ok ? 0 : 1;
}

function verifyOptionsOf(line: CommandLine): VerifyLine {
  if (line.audit?.action !== 'verify') throw new Error('auditVerifyCommand needs the command line of `audit verify`');
  return line.audit;
}

async function listWindow(connection: Connection, bucket: string, options: VerifyLine): Promise<Awaited<ReturnType<typeof listArchiveKeys>>> {
  try {
    return await listArchiveKeys(connection.s3, bucket, {
      ...(options.from === undefined ? {} : { from: new Date(options.from.getTime() - LISTING_MARGIN_MS) }),
      ...(options.to === undefined ? {} : { to: new Date(options.to.getTime() + LISTING_MARGIN_MS) }),
    });
  } catch (error) {
    if (isNoSuchBucket(error)) throw new AuditBucketNotFound(bucket, connection.where);
    throw error;
  }
}

function printVerified(io: CliIo, bucket: string, report: ArchiveVerification): void {
  io.out(report.events === 0 ? 'Audit archive verified: it holds no events in the window.' : 'Audit archive verified: every chain is complete and unaltered.');
  const rows: [string, string][] = [
    ['Bucket', `${bucket} (${plural(report.objects, 'object')}, ${plural(report.records, 'stream record')})`],
    ['Events', `${count(report.events)} in ${plural(report.streams, 'stream')}${report.firstEventTime === null ? '' : `, ${report.firstEventTime} to ${report.lastEventTime}`}`],
    ['Window', windowText(report)],
    ['Duplicates', `${count(report.duplicates)} (identical copies from re-delivered batches: harmless)`],
  ];
  if (report.store.compared) {
    rows.push(['Store', `compared: the event store's ${plural(report.store.events, 'event')} in the window are all archived, unchanged`]);
    rows.push(['Pending', `${count(report.pending)} (appended in the last ${report.store.settleSeconds / 60} minutes, not archived yet)`]);
    if (report.store.linkedBeforeWindow > 0) rows.push(['Links', `${plural(report.store.linkedBeforeWindow, 'stream')} continue from before --from: linked to the event store`]);
  } else {
    rows.push(['Store', 'not compared (--archive-only): events missing from the end of a stream, or whole streams, cannot be seen']);
    if (report.unlinkedAtWindowStart > 0) rows.push(['Links', `${plural(report.unlinkedAtWindowStart, 'stream')} continue from before --from, link not checked`]);
  }
  for (const text of alignColumns(rows)) io.out(text);
}

function printFailed(io: CliIo, report: ArchiveVerification): void {
  const [first, ...others] = report.listedProblems;
  io.out(`FAILED: ${first === undefined ? 'a problem was found' : describeProblem(first)}`);
  const more = report.problems - 1;
  if (more > 0) {
    io.out(`${plural(more, 'more problem')}${others.length < more ? ` (the next ${others.length} listed)` : ''}:`);
    for (const problem of others) io.out(`  ${describeProblem(problem)}`);
  }
  io.out(
    `Read ${plural(report.objects, 'object')} (${plural(report.records, 'stream record')}): ${plural(report.events, 'event')} in ${plural(report.streams, 'stream')}; ${report.store.compared ? 'compared with the event store' : 'not compared with the event store'}.`,
  );
  io.out('The archive cannot vouch for these events. Investigate from the first problem: the object and its versions in the bucket, the events table, and who had write access (CloudTrail).');
}

function windowText(report: ArchiveVerification): string {
  const { from, to } = report.window;
  if (from === null && to === null) return 'all events';
  const range = from === null ? `before ${to}` : to === null ? `from ${from} on` : `from ${from} up to ${to} (not included)`;
  return report.outsideWindow > 0 ? `${range}; ${plural(report.outsideWindow, 'record')} outside it not checked` : range;
}

function plural(n: number, noun: string): string {
  return `${count(n)} ${noun}${n === 1 ? '' : 's'}`;
}
