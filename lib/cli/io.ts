import { terminalLines, terminalSafeJson } from './terminal-text.js';

/**
 * Where a command writes. `out` is the command's result (with --json: exactly one JSON
 * document and nothing else); `err` is for errors, warnings and hints meant for a person.
 */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Read by `start --input -`. @default process.stdin */
  stdin?: NodeJS.ReadableStream;
}

/** The process's own streams. */
export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  // A getter: touching process.stdin opens it, which only `start --input -` should do.
  get stdin() {
    return process.stdin;
  },
};

/**
 * Writes one JSON document to `out`, in one call, so nothing can interleave with it. Every
 * control and bidirectional character is a `\uXXXX` escape: recorded values (a vendor's name a
 * model read) stay exact, and a terminal obeys none of them.
 *
 * @example
 * printJson(io, { executionId: 'e-1' });
 */
export function printJson(io: CliIo, document: unknown): void {
  io.out(terminalSafeJson(document));
}

/**
 * The same streams, with every line passed through {@link terminalLines}: whatever a command
 * prints (a table, a Markdown report, an error quoting a name), no control character a terminal
 * obeys gets through. Commands still flatten table cells themselves, so a line break in a value
 * cannot fake a row.
 *
 * @example
 * const io = terminalSafeIo(processIo);
 */
export function terminalSafeIo(io: CliIo): CliIo {
  return {
    out: (line) => io.out(terminalLines(line)),
    err: (line) => io.err(terminalLines(line)),
    get stdin() {
      return io.stdin;
    },
  };
}
