import type { StreamHead } from './next-events.js';

/** Streams remembered at most; the least recently used is forgotten first. */
export const DEFAULT_HEAD_CACHE_STREAMS = 10_000;

/**
 * The last head this process saw of each stream it wrote or read (its version and hash), so an
 * append after a read, or after its own previous append, needs no request to learn the head.
 *
 * Why it is safe: the event store only ever adds events, so a stream's real head is never below
 * a head it once had. A head remembered here is therefore the real one or an older one, and the
 * conditional write (the key of the next version must not exist) refuses an append built on an
 * older one with `ConcurrencyConflict`, writing nothing. A remembered head can make an append
 * fail and retry; it can never make one write a wrong link.
 *
 * Bounded (least recently used first out), so a long-lived process over many streams does not grow.
 *
 * @example
 * const heads = new HeadCache();
 * heads.remember('execution#e1', { version: 3, hash });
 * heads.get('execution#e1'); // { version: 3, hash }
 */
export class HeadCache {
  private readonly heads = new Map<string, StreamHead>();
  private readonly capacity: number;

  constructor(capacity = DEFAULT_HEAD_CACHE_STREAMS) {
    this.capacity = Math.max(1, Math.floor(capacity));
  }

  /** The remembered head, or undefined. Marks the stream as recently used. */
  get(stream: string): StreamHead | undefined {
    const head = this.heads.get(stream);
    if (head === undefined) return undefined;
    this.heads.delete(stream);
    this.heads.set(stream, head);
    return head;
  }

  /**
   * Remembers `head` unless a later one is remembered already: a read that began before this
   * process's own append may answer after it, and must not move the head back.
   */
  remember(stream: string, head: StreamHead): void {
    const known = this.heads.get(stream);
    if (known !== undefined && known.version > head.version) return;
    this.heads.delete(stream);
    this.heads.set(stream, { version: head.version, hash: head.hash });
    if (this.heads.size > this.capacity) {
      const oldest = this.heads.keys().next().value as string;
      this.heads.delete(oldest);
    }
  }

  /** Forgets the stream's head: after a write whose outcome is unknown, or that lost a race. */
  forget(stream: string): void {
    this.heads.delete(stream);
  }
}
