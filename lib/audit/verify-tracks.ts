/**
 * The verifier's per-stream bookkeeping: small parallel arrays indexed by `version - 1`, so an
 * archive of 100,000 events costs a few array slots per event and no object per event. The
 * strings kept (hashes, times) are the ones JSON.parse already made.
 */

/** What the archive holds for one stream. */
export class ArchivedStream {
  /** The hash each archived version claims (its first copy). */
  readonly hashes: string[] = [];
  /**
   * The prevHash of a version whose predecessor was not archived yet when it arrived, so its
   * link is checked later. In the usual order each link is checked on arrival and nothing is
   * kept: one string per event fewer for the garbage collector to copy.
   */
  unlinked: (string | null)[] | undefined;
  /** Where in the archive (record index in key order) the version's first copy is. */
  readonly positions: number[] = [];
  /** The highest version archived so far: a lower one arriving later is out of order. */
  maxVersion = 0;
  minVersion = Number.POSITIVE_INFINITY;
  /** Versions the chain check already reported missing: the store comparison does not report them again. */
  reportedMissing: Set<number> | undefined;

  has(version: number): boolean {
    return this.hashes[version - 1] !== undefined;
  }

  /** The prevHash of `version` kept for a later link check, if it arrived before its predecessor. */
  prevHashKept(version: number): string | null | undefined {
    return this.unlinked?.[version - 1];
  }

  keepPrevHash(version: number, prevHash: string | null): void {
    (this.unlinked ??= [])[version - 1] = prevHash;
  }

  markMissing(version: number): void {
    (this.reportedMissing ??= new Set()).add(version);
  }

  /** The position of the first archived version above `version`, if any: where a gap shows. */
  positionAfter(version: number): number | undefined {
    for (let v = version + 1; v <= this.maxVersion; v++) if (this.has(v)) return this.positions[v - 1];
    return undefined;
  }
}

/** What the event store holds for one stream, within the window. */
export class StoredStream {
  readonly hashes: string[] = [];
  readonly times: string[] = [];
  /** Whether the store's copy matches its own hash. */
  readonly intact: boolean[] = [];
  /** The highest version before --from and its hash: what an archive window's first event links to. */
  beforeWindow: { version: number; hash: string } | undefined;

  /** The store's hash of `version`, in the window or just before it. */
  hashOf(version: number): string | undefined {
    return this.hashes[version - 1] ?? (this.beforeWindow?.version === version ? this.beforeWindow.hash : undefined);
  }
}

/** The stream's track in `map`, created on first use. */
export function trackOf<T>(map: Map<string, T>, stream: string, create: () => T): T {
  let track = map.get(stream);
  if (track === undefined) {
    track = create();
    map.set(stream, track);
  }
  return track;
}
