import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const originals = { stdout: process.stdout.write.bind(process.stdout), stderr: process.stderr.write.bind(process.stderr) };

/**
 * Sends everything the handlers write to stdout/stderr (Powertools JSON log lines) to a file,
 * and returns a printer that still reaches the terminal: the console keeps the runtime's own
 * short story readable, the file keeps every step's log.
 *
 * @example
 * const print = divertProcessOutput('.wardflow/logs/steps.log');
 * print('ready'); // on the terminal; console.log from a handler goes to the file
 */
export function divertProcessOutput(file: string): (line: string) => void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  for (const stream of [process.stdout, process.stderr]) {
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      appendFileSync(file, chunk);
      const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
      callback?.();
      return true;
    }) as typeof stream.write;
  }
  return (line: string) => {
    originals.stdout(`${line}\n`);
  };
}

/** Writes to the real terminal even while output is diverted (last-resort error messages). */
export function toTerminal(line: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
  originals[stream](`${line}\n`);
}
