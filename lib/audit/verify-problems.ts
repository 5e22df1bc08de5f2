/**
 * One thing `wardflow audit verify` found wrong. It names where (stream, version, archive object,
 * stream record) and what, never the event's content: no data values, no sealed text.
 */
export interface AuditProblem {
  /** What is wrong, specific enough to act on: `version 3 missing (the archive goes from version 2 to version 4)`. */
  reason: string;
  stream?: string;
  version?: number;
  /** The archive object holding the bad record, or where a missing one should have been. */
  key?: string;
  /** The DynamoDB Streams sequence number of the record, for MODIFY and REMOVE records. */
  sequenceNumber?: string;
}

/**
 * How the checks report: at the position of the record concerned (its object is then named), or
 * without one, after the archive (what only the event store shows). `tiebreak` orders problems
 * at the same position.
 */
export type ReportProblem = (position: number | undefined, problem: Omit<AuditProblem, 'key'>, tiebreak?: number) => void;

/** Sorts after every archive record: problems only the event store shows (an event never archived ...). */
export const AFTER_THE_ARCHIVE = Number.MAX_SAFE_INTEGER;

interface RankedProblem {
  position: number;
  tiebreak: number;
  arrival: number;
  problem: AuditProblem;
}

/**
 * The problems of one verification: how many in all, and the `keep` first ones in archive
 * order, kept however many arrive. "First" is by position in the archive (the index of the
 * record in key order), not by when the verifier noticed: a missing version is only known once
 * the whole stream has been read, yet it is reported where the archive skips it.
 *
 * @example
 * const log = new ProblemLog();
 * log.add(17, { stream: 'execution#e1', version: 3, reason: 'hash mismatch: content changed' });
 * log.first(); // the problem at the lowest position
 */
export class ProblemLog {
  /** Every problem found, kept or not. */
  count = 0;
  private readonly kept: RankedProblem[] = [];

  constructor(private readonly keep = 100) {}

  /** `tiebreak` orders problems at the same position (say, by event time for those after the archive). */
  add(position: number, problem: AuditProblem, tiebreak = 0): void {
    const ranked = { position, tiebreak, arrival: this.count++, problem };
    if (this.kept.length < this.keep) {
      this.kept.push(ranked);
      return;
    }
    // Full: replace the last-ranked kept problem if this one comes before it. Problems are rare; a linear scan is enough.
    let worst = 0;
    for (let i = 1; i < this.kept.length; i++) if (compare(this.kept[i] as RankedProblem, this.kept[worst] as RankedProblem) > 0) worst = i;
    if (compare(ranked, this.kept[worst] as RankedProblem) < 0) this.kept[worst] = ranked;
  }

  /** The kept problems, first in archive order first. */
  sorted(): AuditProblem[] {
    return [...this.kept].sort(compare).map((r) => r.problem);
  }

  first(): AuditProblem | undefined {
    return this.sorted()[0];
  }
}

function compare(a: RankedProblem, b: RankedProblem): number {
  return a.position - b.position || a.tiebreak - b.tiebreak || a.arrival - b.arrival;
}

/**
 * One line for a person: `execution#e1 v3 (object events/…json): version 3 missing (…)`.
 *
 * @example
 * describeProblem({ stream: 'execution#e1', version: 3, key: 'events/…json', reason: 'hash mismatch: content changed' });
 * // 'execution#e1 v3 (object events/…json): hash mismatch: content changed'
 */
export function describeProblem(problem: AuditProblem): string {
  const event = problem.stream === undefined ? undefined : problem.version === undefined ? problem.stream : `${problem.stream} v${problem.version}`;
  const object = problem.key === undefined ? undefined : `object ${problem.key}`;
  const where = event === undefined ? object : object === undefined ? event : `${event} (${object})`;
  return where === undefined ? problem.reason : `${where}: ${problem.reason}`;
}
