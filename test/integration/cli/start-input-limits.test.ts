import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localRuntimeFolder } from '../../unit/cli/cli-harness.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const WARDFLOW = join(ROOT, 'bin', 'wardflow.ts');
const folder = localRuntimeFolder();
afterAll(() => folder.remove());

/**
 * `cat big.json | wardflow start invoice-approval --input -` as a process: writes `total`
 * bytes to its standard input (as fast as it reads them, until it stops reading) and returns
 * how it exited, what it said, and how much it took before closing the pipe.
 */
function startWithPipedInput(total: number): Promise<{ code: number | null; stdout: string; stderr: string; written: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', WARDFLOW, 'start', 'invoice-approval', '--input', '-', '--data-dir', folder.dir], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let written = 0;
  let closed = false;
  // The CLI closing its end mid-write is the expected outcome: EPIPE here is not a failure.
  child.stdin.on('error', () => (closed = true));
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  const pump = () => {
    while (!closed && written < total) {
      written += chunk.length;
      if (!child.stdin.write(chunk)) {
        child.stdin.once('drain', pump);
        return;
      }
    }
    if (!closed) child.stdin.end();
  };
  pump();
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr, written })));
}

describe('wardflow start --input - (a process, a pipe)', () => {
  it('refuses 50 MB on standard input with the real limit, without reading it all', async () => {
    const total = 50 * 1024 * 1024;
    const run = await startWithPipedInput(total);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toBe(
      'wardflow: the input from standard input is more than 262144 bytes (reading stopped there); Step Functions accepts at most 262144 bytes (256 KiB).',
    );
    // It closed the pipe soon after the limit: the writer could not hand it all 50 MB.
    expect(run.written).toBeLessThan(total);
  }, 120_000);
});
