import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadExamples } from '../../lib/local/runtime/app/examples.js';

const ROOT = new URL('../../', import.meta.url).pathname;

describe('npm run demo', () => {
  it('runs the whole story and exits 0 with one row per example, each as expected.json says', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/wardflow.ts', 'demo', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
    expect(run.status, run.stderr + run.stdout).toBe(0);
    const report = JSON.parse(run.stdout) as { ok: boolean; rows: { example: string; status: string; outcome: string; expected: string }[]; dataDir?: string };
    expect(report.ok).toBe(true);
    const examples = loadExamples();
    expect(report.rows.map((r) => r.example).sort()).toEqual(examples.map((e) => e.file).sort());
    for (const example of examples) {
      const row = report.rows.find((r) => r.example === example.file)!;
      expect(row.outcome, example.file).toBe(example.expected.outcome);
      expect(row.status, example.file).toMatch(example.expected.outcome.startsWith('succeeded') ? /^SUCCEEDED$/ : /^FAILED$/);
    }
    // A demo that passed leaves nothing behind.
    expect(report.dataDir).toBeUndefined();
  }, 180_000);

  it('keeps its data folder with --keep, for a look afterwards', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/wardflow.ts', 'demo', '--json', '--keep'], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
    expect(run.status, run.stderr).toBe(0);
    const { dataDir } = JSON.parse(run.stdout) as { dataDir: string };
    expect(existsSync(`${dataDir}/executions`)).toBe(true);
    expect(existsSync(`${dataDir}/endpoints.json`)).toBe(false);
    spawnSync('rm', ['-rf', dataDir]);
  }, 180_000);
});
