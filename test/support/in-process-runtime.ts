import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, vi } from 'vitest';
import { localEventReader } from '../../lib/local/runtime/app/event-reader.js';
import { freeBasePort } from '../../lib/local/runtime/services/free-ports.js';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../lib/local/runtime/app/runtime.js';

/** A local runtime in this test process, with what the tests read it through. */
export interface InProcessRuntime {
  runtime: LocalRuntime;
  reader: ReturnType<typeof localEventReader>;
  /** The invoice workflow's state machine. */
  stateMachineArn: string;
  dataDir: string;
}

/**
 * Starts one local runtime in this process before the file's tests (in a fresh data folder on
 * free ports, handler log lines silenced) and stops it, removing the folder, after them.
 * Read the returned getter inside tests, once beforeAll has run.
 *
 * @example
 * const local = inProcessRuntimeOfThisFile('wardflow-ends-');
 * it('...', async () => { await local().runtime.engine.startExecution({ stateMachineArn: local().stateMachineArn }); });
 */
export function inProcessRuntimeOfThisFile(prefix: string, options: Pick<LocalRuntimeOptions, 'workflows' | 'workflowSettings' | 'clockOffsetMs'> = {}): () => InProcessRuntime {
  let started: InProcessRuntime | undefined;
  beforeAll(async () => {
    // Handler log lines are not these tests' business.
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const dataDir = mkdtempSync(join(tmpdir(), prefix));
    const runtime = await startLocalRuntime({ dataDir, basePort: await freeBasePort(), ...options });
    started = { runtime, reader: localEventReader(runtime.endpoints), stateMachineArn: runtime.endpoints.resources.stateMachines['invoice-approval']!, dataDir };
  }, 240_000);
  afterAll(async () => {
    started?.reader.close();
    await started?.runtime.stop();
    vi.restoreAllMocks();
    if (started !== undefined) rmSync(started.dataDir, { recursive: true, force: true });
  });
  return () => {
    if (started === undefined) throw new Error('the in-process runtime is not started yet: read it inside a test');
    return started;
  };
}
