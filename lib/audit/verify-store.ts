import type { ReportProblem } from './verify-problems.js';
import type { ArchivedStream, StoredStream } from './verify-tracks.js';

/**
 * The event store against the archive, both ways, after both were read: every store event in
 * the window archived with the same hash (or pending: appended after `settledBefore` and beyond
 * the archived head of its stream), every archived event in the store; and, where --from cuts a
 * stream (`windowCuts`), its first archived event linked to the store's event before it.
 *
 * A version the chain check already reported missing is not reported again. A store event
 * whose content no longer matches its own hash was changed in the table after its append.
 *
 * @example
 * const { linked, pending } = compareWithStore(archived, stored, { settledBefore, windowCuts: false }, report);
 */
export function compareWithStore(
  archived: ReadonlyMap<string, ArchivedStream>,
  stored: ReadonlyMap<string, StoredStream>,
  options: { settledBefore: Date; windowCuts: boolean },
  report: ReportProblem,
): { linked: number; pending: number } {
  const settledBefore = options.settledBefore.toISOString();
  let pending = 0;
  let linked = 0;
  for (const [stream, store] of stored) {
    const archive = archived.get(stream);
    store.hashes.forEach((hash, i) => {
      const version = i + 1;
      if (archive === undefined || !archive.has(version)) {
        if (archive?.reportedMissing?.has(version) === true) return;
        const time = store.times[i] as string;
        if (time >= settledBefore && version > (archive?.maxVersion ?? 0)) {
          pending++;
          return;
        }
        // Where the archive skips it, if it holds later versions; else after the archive, earliest first.
        report(archive?.positionAfter(version), { stream, version, reason: `version ${version} is in the event store but not in the archive` }, Date.parse(time) || 0);
        return;
      }
      const position = archive.positions[i];
      if (store.intact[i] !== true) {
        report(position, { stream, version, reason: `version ${version} in the event store does not match its own hash: the table item was changed` });
      } else if (archive.hashes[i] !== hash) {
        report(position, { stream, version, reason: `version ${version} differs from the event store` });
      }
    });
  }
  for (const [stream, archive] of archived) {
    const store = stored.get(stream);
    archive.hashes.forEach((_, i) => {
      if (store?.hashes[i] === undefined) report(archive.positions[i], { stream, version: i + 1, reason: `version ${i + 1} is in the archive but not in the event store (forged?)` });
    });
    const first = archive.minVersion;
    if (first > 1 && options.windowCuts && store !== undefined) {
      const position = archive.positions[first - 1];
      const before = store.hashOf(first - 1);
      if (before === undefined) {
        report(position, { stream, version: first, reason: `version ${first} follows version ${first - 1}, which the event store does not hold` });
      } else if (archive.prevHashKept(first) !== before) {
        report(position, { stream, version: first, reason: `version ${first}'s prevHash is not the hash of version ${first - 1} in the event store` });
      } else {
        linked++;
      }
    }
  }
  return { linked, pending };
}
