import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** `npm start` as a newcomer runs it: the CLI in a child process, on its own data folder. */
const dataDir = mkdtempSync(join(tmpdir(), 'wardflow-walkthrough-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function walkthrough() {
  const run = spawnSync('npx', ['tsx', 'bin/wardflow.ts', 'walkthrough', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, WARDFLOW_DATA_DIR: dataDir },
    timeout: 60_000,
  });
  return { ...run, json: JSON.parse(run.stdout) as { results: { example: string; outcome: string; events: string[] }[]; mismatches: string[] } };
}

describe('wardflow walkthrough (npm start)', () => {
  it('runs every example to the outcome examples/expected.json names, and keeps the data across runs', () => {
    const first = walkthrough();
    expect(first.status).toBe(0);
    const expected = JSON.parse(readFileSync('examples/expected.json', 'utf8')) as Record<string, string>;
    expect(Object.fromEntries(first.json.results.map((r) => [r.example, r.outcome]))).toEqual(expected);
    const small = first.json.results.find((r) => r.example === 'invoice-small.json');
    expect(small?.events).toContain('PaymentRecorded');
    // StepSucceeded is each step's commit marker, written after its facts.
    expect(small?.events.slice(-2)).toEqual(['ExecutionSucceeded', 'StepSucceeded']);

    // A second run finds the same folder (table, key, secrets) and adds executions beside the first ones.
    const second = walkthrough();
    expect(second.status).toBe(0);
    expect(second.json.mismatches).toEqual([]);
  });

  it('never writes the local payments secret, or any invoice text, to its output or the step logs', () => {
    const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;
    const planted = Object.values(secrets);
    expect(planted.length).toBeGreaterThan(0);
    const run = walkthrough();
    const logs = readFileSync(join(dataDir, 'logs', 'steps.log'), 'utf8');
    expect(logs.length).toBeGreaterThan(0);
    // A line of document text that is no extracted field: it may only ever be stored sealed.
    const documentLine = 'Quarterly coffee and pantry supply contract, Q1 2027';
    expect(readFileSync('examples/invoice-large.json', 'utf8')).toContain(documentLine);
    for (const output of [run.stdout, run.stderr, logs]) {
      for (const secret of planted) expect(output).not.toContain(secret);
      expect(output).not.toContain(documentLine);
    }
  });
});
