import { createServer } from 'node:net';
import { PORT_OFFSETS } from './endpoints-file.js';

const SPAN = Math.max(...Object.values(PORT_OFFSETS)) + 1;

function isFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A base port whose whole block (base .. base + offsets) is free right now: for the demo and
 * tests, which must not collide with a runtime already on the default ports.
 *
 * @example
 * const basePort = await freeBasePort('127.0.0.1');
 */
export async function freeBasePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    let free = true;
    for (let offset = 0; offset < SPAN && free; offset += 1) free = await isFree(base + offset, host);
    if (free) return base;
  }
  throw new Error(`found no block of ${SPAN} free ports on ${host}`);
}

/**
 * Refuses a base port whose block is partly taken, naming each taken port and the server it
 * was meant for, before anything starts (EADDRINUSE halfway through would say much less).
 *
 * @example
 * await assertPortsFree('127.0.0.1', 7700);
 */
export async function assertPortsFree(host: string, basePort: number): Promise<void> {
  const taken: string[] = [];
  for (const [server, offset] of Object.entries(PORT_OFFSETS)) {
    if (!(await isFree(basePort + offset, host))) taken.push(`${basePort + offset} (${server})`);
  }
  if (taken.length > 0) {
    throw new Error(
      `port ${taken.join(', ')} on ${host} is already in use (another wardflow runtime or another program). Choose another base port with --port or WARDFLOW_PORT; the runtime uses ${basePort} to ${basePort + SPAN - 1}.`,
    );
  }
}
