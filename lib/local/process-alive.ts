/**
 * Whether a process with this id exists (EPERM: it does, owned by someone else). The local
 * runtime and the CLI use it to tell a running runtime's endpoints.json from a stale one.
 *
 * @example
 * isProcessAlive(endpoints.pid); // false after kill -9
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
