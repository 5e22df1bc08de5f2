import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Replaces `file` with `text` so that no reader, and no restart after the process is killed,
 * ever sees half a file: the text goes to a temporary file in the same folder (owner-only), which
 * is then renamed over the old one. With `durable`, the temporary file and then the folder are
 * fsynced too, so the new content also survives the machine losing power: for state whose loss
 * would repeat or skip work (the audit stream's checkpoint), at the cost of two disk flushes.
 *
 * @example
 * writeFileAtomically(join(dataDir, 'inbox.json'), JSON.stringify(emails));
 * writeFileAtomically(join(dataDir, 'audit-stream.json'), text, { durable: true });
 */
export function writeFileAtomically(file: string, text: string, options: { durable?: boolean } = {}): void {
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = openSync(temporary, 'w', 0o600);
  try {
    writeSync(fd, text);
    if (options.durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, file);
  if (!options.durable) return;
  const folder = openSync(dirname(file), 'r');
  try {
    fsyncSync(folder);
  } finally {
    closeSync(folder);
  }
}
