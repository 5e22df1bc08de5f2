import { type FileHandle, open } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { InputInvalid } from './errors.js';

/**
 * Opens a file the user named and hands it to `read` with its stats, closing it afterwards. A
 * file that cannot be opened, a folder, or a read that fails becomes InputInvalid naming the file
 * and why (`hint` says what to pass instead); an InputInvalid thrown by `read` passes through.
 *
 * @example
 * const text = await readUserFile(file, 'Pass a JSON Lines file.', (handle) => handle.readFile({ encoding: 'utf8' }));
 */
export async function readUserFile<T>(file: string, hint: string, read: (handle: FileHandle, stat: Stats) => Promise<T>): Promise<T> {
  const unreadable = (code: string | undefined): InputInvalid => {
    const reason = code === 'ENOENT' ? 'it does not exist' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
    return new InputInvalid(`cannot read ${file}: ${reason}. ${hint}`);
  };
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw unreadable((error as NodeJS.ErrnoException).code);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw unreadable('EISDIR');
    return await read(handle, stat);
  } catch (error) {
    if (error instanceof InputInvalid) throw error;
    throw unreadable((error as NodeJS.ErrnoException).code);
  } finally {
    await handle.close();
  }
}
