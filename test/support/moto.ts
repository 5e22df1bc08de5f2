import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';

/**
 * moto (Python) is the second judge of our AWS calls: an emulator nobody here wrote.
 * CI installs and starts nothing for it: the suite starts `python3 -m moto.server` on a
 * free port per test file. Where moto is missing, `motoAvailability()` says why, and the
 * suites that need it report that plainly (a skipped suite with the reason in its name)
 * unless WARDFLOW_REQUIRE_MOTO=1, which CI sets so that a missing moto fails the run.
 */
export interface Moto {
  endpoint: string;
  stop(): Promise<void>;
}

export function motoAvailability(): { available: true } | { available: false; reason: string } {
  const probe = spawnSync('python3', ['-c', 'import moto.server, moto; print(moto.__version__)'], { encoding: 'utf8' });
  if (probe.error) return { available: false, reason: `python3 not found (${probe.error.message})` };
  if (probe.status !== 0) return { available: false, reason: `python3 cannot import moto.server: ${probe.stderr.trim().split('\n').pop()}` };
  const major = Number(probe.stdout.trim().split('.')[0]);
  if (major < 5) return { available: false, reason: `moto ${probe.stdout.trim()} is older than 5` };
  return { available: true };
}

/** True when moto-backed suites must run (CI); a missing moto then fails instead of skipping. */
export const motoRequired = process.env.WARDFLOW_REQUIRE_MOTO === '1';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.ok || res.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto did not start within 30 s on port ${port}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    endpoint,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * A describe block that runs against moto. Where moto is missing it shows up as skipped,
 * with the reason in its title, and prints the reason; under WARDFLOW_REQUIRE_MOTO=1 it fails.
 */
export function describeWithMoto(title: string, body: (moto: () => Moto) => void): void {
  const availability = motoAvailability();
  if (!availability.available) {
    if (motoRequired) {
      describe(title, () => {
        it('needs moto (WARDFLOW_REQUIRE_MOTO=1)', () => {
          throw new Error(`moto is required but unavailable: ${availability.reason}`);
        });
      });
      return;
    }
    console.warn(`[moto] ${title}: NOT RUN, moto unavailable: ${availability.reason}`);
    describe.skipIf(true)(`${title} [NOT RUN: moto unavailable: ${availability.reason}]`, () => {
      it('runs against moto', () => undefined);
    });
    return;
  }
  describe(`${title} (against moto)`, () => {
    let moto: Moto | undefined;
    beforeAll(async () => {
      moto = await startMoto();
    }, 60_000);
    afterAll(async () => {
      await moto?.stop();
    });
    body(() => {
      if (!moto) throw new Error('moto has not started');
      return moto;
    });
  });
}
