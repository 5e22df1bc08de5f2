import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { readEndpointsFile, type EndpointsFile } from '../../lib/local/runtime/services/endpoints-file.js';
import { freeBasePort } from '../../lib/local/runtime/services/free-ports.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const WARDFLOW = join(ROOT, 'bin', 'wardflow.ts');

/** A `wardflow dev` child process, driven like a user would: its terminal output, its files, its signals. */
export interface RuntimeProcess {
  child: ChildProcess;
  dataDir: string;
  basePort: number;
  endpoints: EndpointsFile;
  output(): string;
  /** Ctrl-C: SIGINT, then waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A fresh temporary data folder. */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'wardflow-test-'));
}

/** The most a start may take before a test gives up on it. */
const READY_WITHIN_MS = 240_000;

/** The last line `wardflow dev` prints once its start sequence is over. */
const START_BANNER_END = 'Press Ctrl-C to stop.';

/**
 * Starts `wardflow dev` (what `npm start` runs) on free ports in `dataDir` and resolves once
 * its endpoints.json names this process (everything is listening) and it has printed the end
 * of its start banner: the examples are started after "ready" is printed, so waiting only for
 * "ready" raced them on a slower machine.
 */
export async function startRuntimeProcess(
  options: { dataDir?: string; basePort?: number; examples?: boolean; viaEnvironment?: boolean; /** `--clock-offset`, e.g. '25h'. */ clockOffset?: string } = {},
): Promise<RuntimeProcess> {
  const dataDir = options.dataDir ?? tempDataDir();
  const basePort = options.basePort ?? (await freeBasePort());
  // Either the flags, or WARDFLOW_PORT and WARDFLOW_DATA_DIR: both ways must reach the same runtime.
  const args = ['--import', 'tsx', WARDFLOW, 'dev', ...(options.viaEnvironment ? [] : ['--port', String(basePort), '--data-dir', dataDir])];
  if (options.examples === false) args.push('--no-examples');
  if (options.clockOffset !== undefined) args.push('--clock-offset', options.clockOffset);
  const env = options.viaEnvironment
    ? { ...process.env, WARDFLOW_PORT: String(basePort), WARDFLOW_DATA_DIR: dataDir }
    : { ...process.env, WARDFLOW_PORT: '', WARDFLOW_DATA_DIR: '' };
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Generous: a loaded 2-core machine once took over 60 s (synth, imports, a busy disk). The wait ends
  // on the signal (the file and the banner line), so a fast machine never waits this long.
  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wardflow dev exited with ${child.exitCode}:\n${output}`);
    const file = join(dataDir, 'endpoints.json');
    if (existsSync(file)) {
      const endpoints = readEndpointsFile(dataDir);
      if (endpoints.pid === child.pid && output.includes(START_BANNER_END)) {
        return {
          child,
          dataDir,
          basePort,
          endpoints,
          output: () => output,
          stop: async (signal = 'SIGINT') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        };
      }
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`wardflow dev did not get ready within ${READY_WITHIN_MS / 1000} s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs the CLI (`npm run wardflow -- ...`) against a data folder and returns its exit code and output. */
export function runCliProcess(args: string[], dataDir: string, input?: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', WARDFLOW, ...args, '--data-dir', dataDir], {
    cwd: ROOT,
    encoding: 'utf8',
    input,
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The step log the runtime wrote (Powertools JSON lines). */
export function stepLog(dataDir: string): string {
  const file = join(dataDir, 'logs', 'steps.log');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

/** Polls until `check` returns a value, or fails with `what`. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * A `startRuntimeProcess` for one test file whose runtimes are all killed, and their folders
 * removed, after the file's tests: a failed test leaves no `wardflow dev` behind.
 *
 * @example
 * const runtime = runtimesOfThisFile();
 * const r = await runtime({ examples: false });
 */
export function runtimesOfThisFile(): (options?: Parameters<typeof startRuntimeProcess>[0]) => Promise<RuntimeProcess> {
  const started: RuntimeProcess[] = [];
  afterAll(async () => {
    for (const r of started) {
      await r.stop('SIGKILL');
      rmSync(r.dataDir, { recursive: true, force: true });
    }
  });
  return async (options = {}) => {
    const r = await startRuntimeProcess(options);
    started.push(r);
    return r;
  };
}
