import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadWorkflowExamples } from '../../lib/local/runtime/app/examples.js';

const ROOT = new URL('../../', import.meta.url).pathname;

describe('npm run demo', () => {
  it("runs the whole story and exits 0 with one row per example of every workflow, each as its expected.json says", () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/wardflow.ts', 'demo', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 170_000 });
    expect(run.status, run.stderr + run.stdout).toBe(0);
    const report = JSON.parse(run.stdout) as { ok: boolean; rows: { workflow: string; example: string; status: string; outcome: string; expected: string }[]; dataDir?: string };
    expect(report.ok).toBe(true);
    const examples = loadWorkflowExamples();
    expect(new Set(examples.map((e) => e.workflow))).toEqual(new Set(['invoice-approval', 'vendor-bank-details']));
    const key = (workflow: string, file: string) => `${workflow}/${file}`;
    expect(report.rows.map((r) => key(r.workflow, r.example)).sort()).toEqual(examples.map((e) => key(e.workflow, e.file)).sort());
    for (const example of examples) {
      const row = report.rows.find((r) => r.workflow === example.workflow && r.example === example.file)!;
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
