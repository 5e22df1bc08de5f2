import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { runtimesOfThisFile } from '../../support/local-runtime.js';

const runtime = runtimesOfThisFile();

/**
 * One Ctrl-C on `npm start` reaches `wardflow dev` twice: from the terminal (to the whole
 * process group) and forwarded by the npm/tsx wrapper. Sent here as SIGINT and SIGTERM back to
 * back (two different signals, so the kernel cannot merge them into one): the runtime must
 * stop cleanly, not "quit at once".
 */
describe('wardflow dev: Ctrl-C', { timeout: 120_000 }, () => {
  it('stops cleanly when one Ctrl-C arrives twice', async () => {
    const r = await runtime({ examples: false });
    const exited = once(r.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    r.child.kill('SIGINT');
    r.child.kill('SIGTERM');
    const [code, signal] = await exited;
    expect(r.output()).toContain('wardflow: stopped.');
    expect(r.output()).not.toContain('quitting at once');
    expect([code, signal]).toEqual([0, null]);
  });
});
