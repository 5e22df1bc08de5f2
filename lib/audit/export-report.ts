import { canonicalEncoding } from '../../functions/shared/events/canonical.js';
import { verifyChain } from '../../functions/shared/events/chain.js';
import type { Json, StoredEvent } from '../../functions/shared/events/event.js';
import {
  type ApprovalState,
  approvalState,
  evolveApproval,
  type ExecutionStatus,
  executionState,
  initialApprovalState,
} from '../../functions/shared/events/fold.js';
import { maskEmails, maskJson } from '../shared/mask.js';
import type { ArchiveExtract, CollectedRecord } from './export-collect.js';
import { type ExportSubject, subjectStream } from './export-subject.js';

export const EXPORT_FORMAT = 'wardflow.audit-export.v1';

/**
 * How anyone recomputes the chain proof without wardflow. Part of every report (Markdown and
 * JSON). Written as Markdown-safe text: the Markdown report prints it as is.
 */
export const HOW_TO_RECOMPUTE = [
  'Every event is stored in the archive objects listed under each stream exactly as the event store holds it, sealed ciphertext included (this report never prints that ciphertext: fetch the objects to recompute).',
  "An event's hash is the SHA-256, in lower-case hex, of the RFC 8785 (JSON Canonicalization Scheme) encoding of the event without its `hash` field: the members actor, data, prevHash, sealed, stream, time, type and version, as found in the object's record.",
  'The objects store each event already in that canonical form, with its hash as the member `"hash":"<hex>",` before `prevHash`: cut that member out of the event\'s text and hash the remaining bytes, or re-encode the parsed event with any RFC 8785 library.',
  'prevHash of version 1 is null; prevHash of version n is the hash of version n-1. The head hash is the hash of the last version.',
  'An object\'s SHA-256 checksum (base64) is the one S3 keeps with it from the write: compare it with `openssl dgst -sha256 -binary FILE | base64` for the object saved as FILE, or fetch with `aws s3api get-object --checksum-mode ENABLED`.',
  'Values in this report that look like email addresses are masked (a•••@example.com); the archive holds them as written.',
];

/** One event as the report shows it: its clear facts only. The sealed part is a flag, never its ciphertext. */
export interface ReportEvent {
  version: number;
  time: string;
  type: StoredEvent['type'];
  actor: string;
  /** The clear `data`, with addresses masked. */
  data: { [key: string]: Json };
  /** Whether the event has a sealed (encrypted, personal) part. It is never opened. */
  sealed: boolean;
}

/** One link of a stream's hash chain: what an auditor recomputes. */
export interface ChainLink {
  version: number;
  hash: string;
  prevHash: string | null;
  /** The archive objects holding this event (more than one when a retried batch archived it again, byte for byte). */
  objects: string[];
  /** The DynamoDB Streams sequence numbers of its records. */
  sequenceNumbers: string[];
}

/** The chain proof of one stream. */
export interface ChainProof {
  verified: boolean;
  /** The first bad event, as verifyChain names it. */
  failure: { version: number; reason: string } | null;
  events: number;
  /** The last event's hash (null for no events). */
  head: string | null;
  links: ChainLink[];
  /** The archive objects the stream's records came from, in key order. */
  objects: { key: string; checksumSha256: string | null; records: number }[];
}

/** A record showing that the event store's item changed after its append (DynamoDB Streams MODIFY or REMOVE). */
export interface StoreChange {
  version: number;
  change: 'MODIFY' | 'REMOVE';
  object: string;
  sequenceNumber: string;
}

export interface StreamReport {
  stream: string;
  /** Why the stream is in the report (null for the subject's own). */
  why: string | null;
  /** The fold of the stream: `succeeded`, `waiting-for-approval`, `approved`, ... */
  state: string;
  events: ReportEvent[];
  changes: StoreChange[];
  proof: ChainProof;
}

/** Who decided what, and when: every approval event of the report's approval streams. */
export interface DecisionRecord {
  approvalId: string;
  stream: string;
  version: number;
  time: string;
  what: 'requested' | 'decided' | 'auto-decided' | 'expired' | 'escalated';
  /** The actor: `approver:<index>` (a position in the request's approvers; who they are is sealed), or a step or policy. */
  by: string;
  decision: 'approve' | 'reject' | null;
  /** The policy's reason (auto-decided) or other clear detail. */
  detail: string | null;
  /** Whether this event closed the approval (the first decision or expiry; later ones change nothing). */
  closed: boolean;
}

export interface ExecutionOverview {
  kind: 'execution';
  executionId: string;
  workflow: string | null;
  source: string | null;
  startedAt: string | null;
  endedAt: string | null;
  outcome: ExecutionStatus;
  error: string | null;
}

export interface ApprovalOverview {
  kind: 'approval';
  approvalId: string;
  executionId: string | null;
  status: ApprovalState['status'];
  approverCount: number;
  requestedAt: string | null;
  expiresAt: string | null;
  decision: 'approve' | 'reject' | null;
  decidedAt: string | null;
  decidedBy: string | null;
}

/** The auditor's report of one execution or approval: the model both renderings share. */
export interface ExportReport {
  format: typeof EXPORT_FORMAT;
  subject: ExportSubject;
  generatedAt: string;
  archive: { bucket: string; objectsRead: number };
  /** True when every stream's chain verifies and nothing below is a problem. */
  verified: boolean;
  /** Everything that keeps the proof from holding, most important first. Empty when verified. */
  problems: string[];
  overview: ExecutionOverview | ApprovalOverview;
  decisions: DecisionRecord[];
  streams: StreamReport[];
  howToRecompute: string[];
}

/**
 * Builds the report of one execution or approval from what the archive holds of it (pure: the
 * same extract always gives the same report). Each stream's chain is verified in archive order
 * with verifyChain; records that are byte-for-byte the same event (a retried batch) count once.
 * A stream that does not verify, an event-store item changed or deleted after its append, a
 * stream the subject names but the archive lacks, or an archive object that cannot be read is a
 * problem: the report still says everything else, and `verified` is false.
 *
 * @example
 * const report = buildExportReport(await collectExportStreams(source, subject), new Date());
 * process.exitCode = report.verified ? 0 : 1;
 */
export function buildExportReport(extract: ArchiveExtract, generatedAt: Date): ExportReport {
  const own = subjectStream(extract.subject);
  const problems: string[] = [];
  const streams: StreamReport[] = [];
  const ownRecords = extract.streams.get(own) ?? [];
  streams.push(streamReport(own, null, ownRecords));
  for (const related of extract.related) {
    const records = extract.streams.get(related.stream) ?? [];
    if (records.length > 0) streams.push(streamReport(related.stream, related.why, records));
    else if (related.named) {
      problems.push(`${related.stream} is ${related.why}, but the audit archive holds no events of it (archiving lags the event store by seconds; if it persists, events were lost).`);
    }
  }
  const chainProblems = streams.flatMap((s) => (s.proof.failure === null ? [] : [`${s.stream} v${s.proof.failure.version}: ${s.proof.failure.reason}.`]));
  const changeProblems = streams.flatMap((s) =>
    s.changes.map(
      (c) =>
        `${s.stream} v${c.version} was ${c.change === 'MODIFY' ? 'modified' : 'deleted'} in the event store after its append (archive object ${c.object}, sequence number ${c.sequenceNumber}).`,
    ),
  );
  const objectProblems = extract.unreadable.map(
    (u) => `archive object ${u.key} cannot be read: ${u.reason}. Any events of this report it holds are missing from it.`,
  );
  problems.unshift(...chainProblems, ...changeProblems);
  problems.push(...objectProblems);

  const ownEvents = uniqueEvents(ownRecords).map((u) => u.event);
  return {
    format: EXPORT_FORMAT,
    subject: extract.subject,
    generatedAt: generatedAt.toISOString(),
    archive: { bucket: extract.bucket, objectsRead: extract.objectsRead },
    verified: problems.length === 0,
    problems,
    overview: extract.subject.kind === 'execution' ? executionOverview(extract.subject.id, ownEvents) : approvalOverview(extract.subject.id, ownEvents),
    decisions: streams.filter((s) => s.stream.startsWith('approval#')).flatMap((s) => decisionsOf(s.stream, uniqueEvents(extract.streams.get(s.stream) ?? []).map((u) => u.event))),
    streams,
    howToRecompute: HOW_TO_RECOMPUTE,
  };
}

/**
 * The report as one JSON document (two-space indented, ending in a newline), as `--json`
 * prints it and `--out` stores it.
 *
 * @example
 * writeFileSync('execution-e1.json', exportReportJson(report));
 */
export function exportReportJson(report: ExportReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** An event with every archive record that holds it exactly. */
interface UniqueEvent {
  event: StoredEvent;
  records: CollectedRecord[];
}

/** The INSERT events of a stream in archive order, exact duplicates (a retried batch) merged. */
function uniqueEvents(records: readonly CollectedRecord[]): UniqueEvent[] {
  const byContent = new Map<string, UniqueEvent>();
  const unique: UniqueEvent[] = [];
  for (const collected of records) {
    const event = collected.record.event;
    if (collected.record.change !== 'INSERT' || event === null) continue;
    // Only the very same bytes merge: a copy with the same hash but other content stays, and fails the chain.
    const identity = `${canonicalEncoding(event)}\n${event.hash}`;
    const seen = byContent.get(identity);
    if (seen !== undefined) {
      seen.records.push(collected);
      continue;
    }
    const entry = { event, records: [collected] };
    byContent.set(identity, entry);
    unique.push(entry);
  }
  return unique;
}

function streamReport(stream: string, why: string | null, records: readonly CollectedRecord[]): StreamReport {
  const unique = uniqueEvents(records);
  const events = unique.map((u) => u.event);
  const verdict = verifyChain(events);
  const objects = new Map<string, { key: string; checksumSha256: string | null; records: number }>();
  for (const { object } of records) {
    const entry = objects.get(object.key) ?? { key: object.key, checksumSha256: object.checksumSha256 ?? null, records: 0 };
    entry.records++;
    objects.set(object.key, entry);
  }
  const changes: StoreChange[] = records
    .filter(({ record }) => record.change !== 'INSERT')
    .map(({ record, object }) => ({ version: record.version, change: record.change as 'MODIFY' | 'REMOVE', object: object.key, sequenceNumber: record.sequenceNumber }));
  return {
    stream,
    why,
    state: stream.startsWith('approval#') ? approvalState(events).status : executionState(events).status,
    events: events.map(reportEvent),
    changes,
    proof: {
      verified: verdict.ok,
      failure: verdict.ok ? null : { version: verdict.version, reason: verdict.reason },
      events: events.length,
      head: events.at(-1)?.hash ?? null,
      links: unique.map(({ event, records: held }) => ({
        version: event.version,
        hash: event.hash,
        prevHash: event.prevHash,
        objects: [...new Set(held.map((r) => r.object.key))],
        sequenceNumbers: held.map((r) => r.record.sequenceNumber),
      })),
      objects: [...objects.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    },
  };
}

function reportEvent(event: StoredEvent): ReportEvent {
  return {
    version: event.version,
    time: event.time,
    type: event.type,
    actor: maskEmails(event.actor),
    data: maskJson(event.data),
    sealed: event.sealed !== null,
  };
}

function executionOverview(executionId: string, events: readonly StoredEvent[]): ExecutionOverview {
  const state = executionState(events);
  const started = events.find((e) => e.type === 'ExecutionStarted');
  return {
    kind: 'execution',
    executionId,
    workflow: clearText(started?.data.workflow),
    source: clearText(started?.data.source),
    startedAt: state.startedAt ?? null,
    endedAt: state.endedAt ?? null,
    outcome: state.status,
    error: state.lastError === undefined ? null : maskEmails(state.lastError),
  };
}

function approvalOverview(approvalId: string, events: readonly StoredEvent[]): ApprovalOverview {
  const state = approvalState(events);
  return {
    kind: 'approval',
    approvalId,
    executionId: state.executionId ?? null,
    status: state.status,
    approverCount: state.approverCount,
    requestedAt: state.requestedAt ?? null,
    expiresAt: state.expiresAt ?? null,
    decision: state.decision ?? null,
    decidedAt: state.decidedAt ?? null,
    decidedBy: state.decidedBy === undefined ? null : maskEmails(state.decidedBy),
  };
}

const DECISION_EVENTS: Partial<Record<string, DecisionRecord['what']>> = {
  ApprovalRequested: 'requested',
  ApprovalDecided: 'decided',
  ApprovalAutoDecided: 'auto-decided',
  ApprovalExpired: 'expired',
  ApprovalEscalated: 'escalated',
};

/** The approval events of one approval stream, each marked with whether it closed the approval (the fold decides). */
function decisionsOf(stream: string, events: readonly StoredEvent[]): DecisionRecord[] {
  const approvalId = stream.slice('approval#'.length);
  const decisions: DecisionRecord[] = [];
  let state = initialApprovalState;
  for (const event of events) {
    const before = state.status;
    state = evolveApproval(state, event);
    const what = DECISION_EVENTS[event.type];
    if (what === undefined) continue;
    const decision = event.data.decision === 'approve' || event.data.decision === 'reject' ? event.data.decision : null;
    decisions.push({
      approvalId,
      stream,
      version: event.version,
      time: event.time,
      what,
      by: maskEmails(event.actor),
      decision,
      detail: clearText(event.data.reason),
      closed: what !== 'requested' && (before === 'pending' || before === 'none') && state.status !== before && state.status !== 'pending',
    });
  }
  return decisions;
}

function clearText(value: Json | undefined): string | null {
  return typeof value === 'string' ? maskEmails(value) : null;
}
