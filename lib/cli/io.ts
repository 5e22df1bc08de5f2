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
 * Writes one JSON document to `out`, in one call, so nothing can interleave with it.
 *
 * @example
 * printJson(io, { executionId: 'e-1' });
 */
export function printJson(io: CliIo, document: unknown): void {
  io.out(JSON.stringify(document, null, 2));
}
