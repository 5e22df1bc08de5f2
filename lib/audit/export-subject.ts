import type { ArchivedRecord } from '../../functions/shared/audit/archive-format.js';
import { approvalStream, executionStream, type StoredEvent } from '../../functions/shared/events/event.js';
import { approvalIdFor, ApprovalIdSchema } from '../../functions/shared/approvals/approval-id.js';
import { isExecutionId } from '../../functions/shared/events/execution-id.js';

/** What one audit export is about: one execution or one approval, by its id. */
export interface ExportSubject {
  kind: 'execution' | 'approval';
  id: string;
}

/** A stream the report shows beside the subject's own, and why it belongs there. */
export interface RelatedStream {
  stream: string;
  /** For the reader: `named by execution#e1 v5 (ApprovalRequested)`, `its events name execution e1`, ... */
  why: string;
  /** An event of the subject names it: finding no events of it in the archive is a problem. */
  named: boolean;
}

/**
 * The subject's own stream: `execution#<id>` or `approval#<id>`.
 *
 * @example
 * subjectStream({ kind: 'approval', id: 'e1-1' }); // 'approval#e1-1'
 */
export function subjectStream(subject: ExportSubject): string {
  return subject.kind === 'execution' ? executionStream(subject.id) : approvalStream(subject.id);
}

/**
 * Is the id well-formed for its kind? Execution ids are `<workflow>:<execution name>`, or a bare
 * name for streams written before ids were qualified (isExecutionId); approval ids what the steps
 * accept (ApprovalIdSchema). Ids name streams, so nothing else is ever looked up.
 *
 * @example
 * isValidSubjectId('approval', 'invoice-approval:e1-1'); // true
 * isValidSubjectId('execution', 'invoice-approval:e1'); // true
 * isValidSubjectId('execution', 'a b'); // false
 */
export function isValidSubjectId(kind: ExportSubject['kind'], id: string): boolean {
  return kind === 'execution' ? isExecutionId(id) : ApprovalIdSchema.safeParse(id).success;
}

/**
 * The streams that, by the workflow's naming convention, belong with the subject, so the
 * archive reader keeps them from the first object on (their events may come before the event
 * that names them): an execution's approvals are `<execution>-<gate>` (approvalIdFor), and an
 * approval `<execution>-<gate>` belongs to that execution.
 *
 * @example
 * const conventional = conventionalStreams({ kind: 'execution', id: 'e1' });
 * conventional('approval#e1-1'); // true
 */
export function conventionalStreams(subject: ExportSubject): (stream: string) => boolean {
  if (subject.kind === 'execution') {
    const prefix = approvalStream(`${subject.id}-`);
    return (stream) => stream.startsWith(prefix) && /^\d{1,6}$/.test(stream.slice(prefix.length));
  }
  const gate = /^(.+)-\d{1,6}$/.exec(subject.id);
  const execution = gate?.[1] !== undefined && isExecutionId(gate[1]) ? executionStream(gate[1]) : undefined;
  return (stream) => stream === execution;
}

/**
 * Does this archived record say its approval stream belongs to the subject execution
 * (`data.executionId`)? Every approval event the steps write carries it, so a report also shows
 * an approval the execution's own stream never names (an auto-decision, or one forged for it).
 *
 * @example
 * claimsSubject({ kind: 'execution', id: 'e1' }, record); // true for ApprovalDecided of e1-1
 */
export function claimsSubject(subject: ExportSubject, record: ArchivedRecord): boolean {
  return subject.kind === 'execution' && record.stream.startsWith('approval#') && record.event?.data.executionId === subject.id;
}

/**
 * The streams a report shows beside the subject's, from the subject's events:
 * - an execution: every approval its events name (`data.approvalId`), every approval stream
 *   whose events name the execution (`claimed`), and its first gate's approval when that has
 *   events (a gate whose policy auto-decides records that only in the approval's stream);
 * - an approval: every execution its events name (`data.executionId`).
 * Ids that are not well-formed are never looked up.
 *
 * @example
 * relatedStreams({ kind: 'execution', id: 'e1' }, executionEvents, new Set(['approval#e1-1']));
 * // [{ stream: 'approval#e1-1', why: 'named by execution#e1 v5 (ApprovalRequested)', named: true }]
 */
export function relatedStreams(subject: ExportSubject, subjectEvents: readonly StoredEvent[], claimed: ReadonlySet<string>): RelatedStream[] {
  const related = new Map<string, RelatedStream>();
  const own = subjectStream(subject);
  const field = subject.kind === 'execution' ? 'approvalId' : 'executionId';
  const otherKind = subject.kind === 'execution' ? 'approval' : 'execution';
  for (const event of subjectEvents) {
    const id = event.data[field];
    if (typeof id !== 'string' || !isValidSubjectId(otherKind, id)) continue;
    const stream = otherKind === 'approval' ? approvalStream(id) : executionStream(id);
    if (!related.has(stream)) related.set(stream, { stream, why: `named by ${own} v${event.version} (${event.type})`, named: true });
  }
  if (subject.kind === 'execution') {
    for (const stream of [...claimed].sort()) {
      if (!related.has(stream)) related.set(stream, { stream, why: `its events name execution ${subject.id}`, named: false });
    }
    const firstGate = approvalStream(approvalIdFor(subject.id));
    if (!related.has(firstGate)) related.set(firstGate, { stream: firstGate, why: `the first approval gate of execution ${subject.id}`, named: false });
  }
  return [...related.values()];
}
