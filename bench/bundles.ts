/**
 * `npm run bench:bundles`: how long each Lambda bundle takes to load (the cold-start cost our
 * code adds before the first invocation), next to a bare handler.
 *
 *   npm run bench:bundles                    table on stdout, progress on stderr
 *   npm run bench:bundles -- --json          the same results as one JSON document
 *   npm run bench:bundles -- --samples 15    loads per bundle (default 9)
 *
 * Every functions/<folder>/handler.ts (nested folders included: workflows/<w>/<step>) is bundled with esbuild exactly as CDK's NodejsFunction
 * bundles it, from the settings the construct itself uses (HANDLER_BUNDLING, see
 * bench/cdk-bundling.ts), into a temporary folder. So is a bare handler that creates a DynamoDBClient and exports a handler doing
 * nothing: the least any of our steps could load. Each bundle is then imported in a fresh
 * `node` process with the functions' NODE_OPTIONS, several times, round robin (so a burst of
 * load from elsewhere on the machine hits every bundle alike); the table shows the median
 * import time (wall, and CPU, which other work on the machine disturbs less), its ratio to the
 * bare handler's, the size of index.mjs and of what is bundled beside it to load at first use.
 *
 * Prints numbers and exits 0; it never judges them (timing depends on the machine and on what
 * else runs on it). It writes nothing in the repository.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_FUNCTIONS_DIRECTORY, HANDLER_NODE_OPTIONS } from '../lib/constructs/handler-function.js';
import { bundleLikeCdk } from './cdk-bundling.js';
const BARE = 'bare (DynamoDBClient)';
const BARE_HANDLER = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async () => {};
`;
// Imports the bundle given as argument and prints how long the import took, in ms of wall time
// and of CPU time (all threads: V8 compiles and collects on helper threads too). Timed inside
// the process, so node's own start (the same for every bundle) is left out.
const LOADER = `const cpu = process.cpuUsage();
const start = performance.now();
await import(process.argv[2]);
const wallMs = performance.now() - start;
const { user, system } = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify([wallMs, (user + system) / 1000]));
`;

const json = process.argv.includes('--json');
const samplesFlag = process.argv.indexOf('--samples');
const SAMPLES = samplesFlag === -1 ? 9 : Number(process.argv[samplesFlag + 1]);
if (!Number.isInteger(SAMPLES) || SAMPLES < 1) throw new Error('--samples takes a whole number >= 1');
const progress = (line: string): void => void process.stderr.write(`${line}\n`);

interface Bundle {
  name: string;
  file: string;
  bytes: number;
  /** JavaScript bundled beside index.mjs (packages loaded at first use), not loaded with it. */
  besideBytes: number;
}

interface BundleResult {
  name: string;
  kilobytes: number;
  /** JavaScript beside index.mjs, loaded at first use only. */
  besideKilobytes: number;
  /** Median import time of the bundle, ms. */
  loadMs: number;
  /** Fastest and slowest sample, ms. */
  minMs: number;
  maxMs: number;
  /** loadMs over the bare handler's loadMs. */
  ratioToBare: number;
  /** Median CPU time of the import, ms: less disturbed than wall time by other work on the machine. */
  cpuMs: number;
  cpuRatioToBare: number;
  samplesMs: number[];
  cpuSamplesMs: number[];
}

/** Bundles one handler into `<folder>/<name>/` as CDK would (bench/cdk-bundling.ts). */
async function bundle(name: string, folder: string, entry: Parameters<typeof bundleLikeCdk>[0]): Promise<Bundle> {
  const outputDir = path.join(folder, name.replace(/\W+/g, '-'));
  const { file } = await bundleLikeCdk(entry, outputDir);
  const besideBytes = filesUnder(outputDir)
    .filter((f) => f !== file && /\.m?js$/.test(f))
    .reduce((sum, f) => sum + statSync(f).size, 0);
  return { name, file, bytes: statSync(file).size, besideBytes };
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

/** One import of `bundle` in a fresh node, with the functions' NODE_OPTIONS and a Lambda-like environment: [wall ms, CPU ms]. */
function loadOnce(loader: string, target: Bundle): [number, number] {
  const run = spawnSync(process.execPath, [loader, pathToFileURL(target.file).href], {
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      NODE_OPTIONS: HANDLER_NODE_OPTIONS,
      AWS_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: target.name,
      LOG_LEVEL: 'INFO',
      POWERTOOLS_SERVICE_NAME: 'wardflow',
    },
  });
  if (run.status !== 0) throw new Error(`loading ${target.name} failed (exit ${run.status}): ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(run.stdout) as [number, number];
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

const scratch = mkdtempSync(path.join(tmpdir(), 'wardflow-bench-bundles-'));
try {
  // Every handler folder, the platform's (record-start) and the workflows' (workflows/invoice-approval/pay-invoice).
  const names = readdirSync(DEFAULT_FUNCTIONS_DIRECTORY, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name === 'handler.ts')
    .map((entry) => path.relative(DEFAULT_FUNCTIONS_DIRECTORY, entry.parentPath).split(path.sep).join('/'))
    .filter((name) => name !== '' && !name.includes('shared'))
    .sort();
  progress(`bundling ${names.length} functions and the bare handler into ${scratch} ...`);
  const bundles: Bundle[] = [
    // Resolved from functions/, like a handler there, so it finds the same node_modules.
    await bundle(BARE, scratch, { contents: BARE_HANDLER, loader: 'ts', resolveDir: DEFAULT_FUNCTIONS_DIRECTORY, sourcefile: 'bare/handler.ts' }),
  ];
  for (const name of names) bundles.push(await bundle(name, scratch, path.join(DEFAULT_FUNCTIONS_DIRECTORY, name, 'handler.ts')));

  const loader = path.join(scratch, 'load.mjs');
  writeFileSync(loader, LOADER);
  progress('warming the file cache (one untimed load each) ...');
  for (const target of bundles) loadOnce(loader, target);
  const samples = new Map<string, { wall: number[]; cpu: number[] }>(bundles.map((b) => [b.name, { wall: [], cpu: [] }]));
  for (let i = 0; i < SAMPLES; i++) {
    progress(`  round ${i + 1} of ${SAMPLES} ...`);
    for (const target of bundles) {
      const [wallMs, cpuMs] = loadOnce(loader, target);
      samples.get(target.name)?.wall.push(wallMs);
      samples.get(target.name)?.cpu.push(cpuMs);
    }
  }

  const bare = samples.get(BARE) ?? { wall: [], cpu: [] };
  const bareMs = median(bare.wall);
  const bareCpuMs = median(bare.cpu);
  const results: BundleResult[] = bundles.map((b) => {
    const { wall: ms, cpu } = samples.get(b.name) ?? { wall: [], cpu: [] };
    const loadMs = median(ms);
    const cpuMs = median(cpu);
    return { name: b.name, kilobytes: b.bytes / 1024, besideKilobytes: b.besideBytes / 1024, loadMs, minMs: Math.min(...ms), maxMs: Math.max(...ms), ratioToBare: loadMs / bareMs, cpuMs, cpuRatioToBare: cpuMs / bareCpuMs, samplesMs: ms, cpuSamplesMs: cpu };
  });
  const machine = {
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    nodeOptions: HANDLER_NODE_OPTIONS,
    samples: SAMPLES,
  };
  if (json) {
    process.stdout.write(`${JSON.stringify({ machine, results }, null, 2)}\n`);
  } else {
    process.stdout.write(
      [
        '',
        `node ${machine.node}, NODE_OPTIONS=${machine.nodeOptions}; cpu: ${machine.cpu}, ${machine.cores} cores; load average (1 min) at the end: ${machine.loadAverage1m}`,
        `import of each bundle in a fresh node process: median of ${SAMPLES} samples (wall and CPU time), round robin, after one untimed load each`,
        '',
        table(results),
        '',
      ].join('\n'),
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

function table(rows: BundleResult[]): string {
  const header = ['function', 'KB', 'KB at first use', 'load ms', 'min-max ms', 'x bare', 'CPU ms', 'CPU x bare'];
  const body = rows.map((r) => [r.name, r.kilobytes.toFixed(0), r.besideKilobytes.toFixed(0), r.loadMs.toFixed(1), `${r.minMs.toFixed(0)}-${r.maxMs.toFixed(0)}`, r.ratioToBare.toFixed(2), r.cpuMs.toFixed(1), r.cpuRatioToBare.toFixed(2)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const format = (row: string[]): string =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(format)].join('\n');
}
