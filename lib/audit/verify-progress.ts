/**
 * Progress lines for long runs of `wardflow audit verify`, on the error stream (never stdout):
 * nothing during the first interval, so a short run prints none, then at most one line per
 * interval. `done()` prints a phase's final count once progress has been shown.
 *
 * @example
 * const progress = new Progress(io.err);
 * for (...) progress.update(() => `read ${n} of ${total} archive objects`);
 * progress.done(() => `read ${total} archive objects`);
 */
export class Progress {
  private lastShown: number;
  /** The last line written, if any. */
  private lastLine: string | undefined;

  constructor(
    private readonly write: (line: string) => void,
    private readonly options: { intervalMs?: number; clock?: () => number } = {},
  ) {
    this.lastShown = this.now();
  }

  /** Shows the line if an interval has passed since the last one (or the start). The line is only built then. */
  update(line: () => string): void {
    const now = this.now();
    if (now - this.lastShown < (this.options.intervalMs ?? 1000)) return;
    this.lastShown = now;
    this.show(line());
  }

  /** The closing line of a phase, when progress was shown at all (and it says something new). */
  done(line: () => string): void {
    if (this.lastLine === undefined) return;
    const text = line();
    if (text !== this.lastLine) this.show(text);
  }

  private show(text: string): void {
    this.lastLine = text;
    this.write(text);
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }
}

/** 1,234,567: counts in progress lines and summaries. */
export function count(n: number): string {
  return n.toLocaleString('en');
}
