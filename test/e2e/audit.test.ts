import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, runCliProcess, runtimesOfThisFile, type RuntimeProcess } from '../support/local-runtime.js';
import { approveBankChange } from '../support/vendor-register.js';

/**
 * The audit archive driven like a user: `wardflow dev` as its own process archives what the
 * examples append; `wardflow audit verify` and `audit export` run as processes against it; the
 * archive's files are altered on disk (s3rver keeps objects as files, and locally nothing stops
 * that: docs/local-runtime.md says so) and verify must name the damage; and the runtime is killed while it
 * archives, and loses and duplicates nothing.
 */
const runtime = runtimesOfThisFile();

interface VerifyReport {
  ok: boolean;
  objects: number;
  events: number;
  streams: number;
  duplicates: number;
  pending: number;
  store: { compared: boolean; events: number };
  firstProblem: { stream: string; version: number; reason: string } | null;
}

function verify(dataDir: string): { code: number | null; report: VerifyReport } {
  const { code, stdout } = runCliProcess(['audit', 'verify', '--json'], dataDir);
  return { code, report: JSON.parse(stdout) as VerifyReport };
}

/** Verify, once every event the store holds is archived (the stream lags the appends by a moment). */
async function settledVerify(dataDir: string, atLeast: number): Promise<VerifyReport> {
  return eventually(() => {
    const { code, report } = verify(dataDir);
    if (code !== 0) throw new Error(`audit verify failed: ${JSON.stringify(report.firstProblem)}`);
    return report.pending === 0 && report.store.events >= atLeast && report.events === report.store.events ? report : undefined;
  }, `the archive to hold at least ${atLeast} events`);
}

/** The s3rver files of the archive objects, in key order. */
function archiveFiles(dataDir: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.json._S3rver_object')) files.push(path);
    }
  };
  walk(join(dataDir, 's3', 'wardflow-local-audit', 'events'));
  return files.sort();
}

function exampleExecution(r: RuntimeProcess, example: string): string {
  const match = new RegExp(`started example invoice-approval/${example} as execution (\\S+)`).exec(r.output());
  if (match?.[1] === undefined) throw new Error(`example ${example} was not started:\n${r.output()}`);
  return match[1];
}

describe('the audit archive of the local runtime', { timeout: 600_000 }, () => {
  it('archives every event the examples append; verify proves it, export reports one execution, and altered files are named', async () => {
    const r = await runtime();
    // The small invoice starts once Acme's bank change is approved (the vendor register decides auto-approval).
    const acme = /started example vendor-bank-details\/bank-change-acme\.json as execution (\S+)/.exec(r.output())?.[1];
    expect(await approveBankChange(r.endpoints, acme!)).toBe('SUCCEEDED');
    await eventually(() => (/started example invoice-approval\/invoice-small\.json /.test(r.output()) ? true : undefined), 'the small invoice to start');
    // The two examples that end without a human: 12 events (small, with its auto-approval) and the malformed one's.
    const settled = await settledVerify(r.dataDir, 14);
    expect(settled).toMatchObject({ ok: true, duplicates: 0, store: { compared: true } });
    expect(settled.events).toBe(settled.store.events);

    const human = runCliProcess(['audit', 'verify'], r.dataDir);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Audit archive verified: every chain is complete and unaltered\./);

    const small = exampleExecution(r, 'invoice-small.json');
    // Its streams are keyed by `<workflow>:<name>`; export takes the bare name too, found in the one workflow that has it.
    const id = `invoice-approval:${small}`;
    const markdown = await eventually(() => {
      const answer = runCliProcess(['audit', 'export', '--execution', small], r.dataDir);
      return answer.stdout.includes('| ExecutionSucceeded |') ? answer : undefined;
    }, 'the small invoice to be archived to its end');
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toContain(`# Audit report: execution ${id}`);
    expect(markdown.stdout).toContain(`### execution#${id}: verified`);
    const exported = runCliProcess(['audit', 'export', '--execution', id, '--json'], r.dataDir);
    expect(exported.code).toBe(0);
    const report = JSON.parse(exported.stdout) as { verified: boolean; streams: Array<{ stream: string }> };
    expect(report.verified).toBe(true);
    expect(report.streams.map((s) => s.stream)).toEqual([`execution#${id}`, `approval#${id}-1`]);

    // One byte of an archived event, changed on disk: the JSON still parses, the hash does not hold.
    const [file] = archiveFiles(r.dataDir);
    const original = readFileSync(file!, 'utf8');
    const altered = original.replace('"actor":"step:record-start"', '"actor":"step:record-stArt"');
    expect(altered).not.toBe(original);
    writeFileSync(file!, altered);
    const caught = runCliProcess(['audit', 'verify'], r.dataDir);
    expect(caught.code).toBe(1);
    expect(caught.stdout).toMatch(/^FAILED: execution#\S+ v\d+ \(object events\/\S+\.json\): hash mismatch: content changed/);
    writeFileSync(file!, original);
    expect(runCliProcess(['audit', 'verify'], r.dataDir).code).toBe(0);

    // The first object dropped: it holds the examples' first events, whose later versions are archived after it.
    const [oldest] = archiveFiles(r.dataDir);
    renameSync(oldest!, `${oldest}.aside`);
    const dropped = runCliProcess(['audit', 'verify'], r.dataDir);
    expect(dropped.code).toBe(1);
    expect(dropped.stdout).toMatch(/^FAILED: execution#\S+ v1 \(object events\/\S+\.json\): versions? 1 (to \d+ )?missing/);
    renameSync(`${oldest}.aside`, oldest!);
  });

  it('loses and duplicates nothing when the runtime is killed while it archives, and archives the rest after a restart', async () => {
    const first = await runtime();
    // kill -9 right after start: the examples are still appending and the stream still archiving.
    await first.stop('SIGKILL');
    const again = await runtime({ dataDir: first.dataDir, basePort: first.basePort });
    const report = await settledVerify(again.dataDir, 14);
    expect(report).toMatchObject({ ok: true, duplicates: 0 });
    expect(report.events).toBe(report.store.events);
  });
});
