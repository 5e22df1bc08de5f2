/**
 * `npm run bench:bundles`: how long each Lambda bundle takes to load (the cold-start cost our
 * code adds before the first invocation), next to a bare handler.
 *
 *   npm run bench:bundles                    table on stdout, progress on stderr
 *   npm run bench:bundles -- --json          the same results as one JSON document
 *   npm run bench:bundles -- --samples 15    loads per bundle (default 9)
 *
 * Every functions/<name>/handler.ts is bundled with esbuild exactly as CDK's NodejsFunction
 * bundles it, from the settings the construct itself uses (HANDLER_BUNDLING), into a temporary
 * folder. So is a bare handler that creates a DynamoDBClient and exports a handler doing
 * nothing: the least any of our steps could load. Each bundle is then imported in a fresh
 * `node` process with the functions' NODE_OPTIONS, several times, round robin (so a burst of
 * load from elsewhere on the machine hits every bundle alike); the table shows the median
 * import time, its ratio to the bare handler's, and the bundle's size.
 *
 * Prints numbers and exits 0; it never judges them (timing depends on the machine and on what
 * else runs on it). It writes nothing in the repository.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, build } from 'esbuild';
import { DEFAULT_FUNCTIONS_DIRECTORY, HANDLER_BUNDLING, HANDLER_NODE_OPTIONS } from '../lib/constructs/handler-function.js';

const REPOSITORY_ROOT = path.dirname(DEFAULT_FUNCTIONS_DIRECTORY);
const BARE = 'bare (DynamoDBClient)';
const BARE_HANDLER = `import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async () => {};
`;
// Imports the bundle given as argument and prints how long the import took, in ms. Timed
// inside the process, so node's own start (the same for every bundle) is left out.
const LOADER = `const start = performance.now();
await import(process.argv[2]);
process.stdout.write(String(performance.now() - start));
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
}

interface BundleResult {
  name: string;
  kilobytes: number;
  /** Median import time of the bundle, ms. */
  loadMs: number;
  /** Fastest and slowest sample, ms. */
  minMs: number;
  maxMs: number;
  /** loadMs over the bare handler's loadMs. */
  ratioToBare: number;
  samplesMs: number[];
}

/**
 * The esbuild options CDK's NodejsFunction derives from `bundling` (aws-cdk-lib's
 * Bundling.buildEsbuildArgs turns them into CLI flags; these are the same settings for esbuild's
 * API). Options this does not map make it throw rather than build something CDK would not.
 *
 * @example
 * await build({ ...esbuildOptionsFor(HANDLER_BUNDLING), entryPoints: ['functions/record-start/handler.ts'], outdir });
 */
function esbuildOptionsFor(bundling: Readonly<BundlingOptions>): BuildOptions {
  const mapped = new Set(['format', 'target', 'minify', 'sourceMap', 'sourceMapMode', 'sourcesContent', 'mainFields', 'banner', 'footer', 'externalModules', 'loader', 'define', 'keepNames', 'tsconfig', 'inject']);
  const unmapped = Object.keys(bundling).filter((key) => !mapped.has(key) && bundling[key as keyof BundlingOptions] !== undefined);
  if (unmapped.length > 0) throw new Error(`bench/bundles.ts does not map the bundling option(s) ${unmapped.join(', ')} to esbuild yet; add them as CDK does`);
  // CDK's default externals depend on the runtime and feature flags; ours are always explicit.
  if (bundling.externalModules === undefined) throw new Error('HANDLER_BUNDLING must set externalModules for the bench to match CDK');
  if (bundling.target === undefined) throw new Error('HANDLER_BUNDLING must set target for the bench to match CDK');
  const sourcemap = bundling.sourceMapMode ?? bundling.sourceMap;
  return {
    bundle: true,
    platform: 'node',
    target: bundling.target,
    ...(bundling.format === undefined ? {} : { format: bundling.format as BuildOptions['format'] }),
    minify: bundling.minify ?? false,
    // CDK's SourceMapMode.DEFAULT is esbuild's plain --sourcemap (a linked .map file).
    sourcemap: sourcemap === undefined || sourcemap === false ? false : sourcemap === true || sourcemap === 'default' ? true : (sourcemap as BuildOptions['sourcemap']),
    sourcesContent: bundling.sourcesContent ?? true,
    external: [...bundling.externalModules],
    loader: { ...(bundling.loader as BuildOptions['loader']) },
    define: { ...bundling.define },
    keepNames: bundling.keepNames ?? false,
    ...(bundling.tsconfig === undefined ? {} : { tsconfig: bundling.tsconfig }),
    ...(bundling.banner === undefined ? {} : { banner: { js: bundling.banner } }),
    ...(bundling.footer === undefined ? {} : { footer: { js: bundling.footer } }),
    ...(bundling.mainFields === undefined ? {} : { mainFields: [...bundling.mainFields] }),
    ...(bundling.inject === undefined ? {} : { inject: [...bundling.inject] }),
    // CDK runs esbuild in the project root.
    absWorkingDir: REPOSITORY_ROOT,
    logLevel: 'warning',
  };
}

/** Bundles one handler into `<folder>/<name>/index.mjs` (or index.js), as CDK names it. */
async function bundle(name: string, folder: string, entry: BuildOptions['stdin'] | string): Promise<Bundle> {
  const options = esbuildOptionsFor(HANDLER_BUNDLING);
  const file = path.join(folder, name.replace(/\W+/g, '-'), options.format === 'esm' ? 'index.mjs' : 'index.js');
  await build({ ...options, ...(typeof entry === 'string' ? { entryPoints: [entry] } : { stdin: entry }), outfile: file });
  return { name, file, bytes: statSync(file).size };
}

/** One import of `bundle` in a fresh node, with the functions' NODE_OPTIONS and a Lambda-like environment. */
function loadOnce(loader: string, target: Bundle): number {
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
  const ms = Number(run.stdout);
  if (run.status !== 0 || !Number.isFinite(ms)) throw new Error(`loading ${target.name} failed (exit ${run.status}): ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return ms;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

const scratch = mkdtempSync(path.join(tmpdir(), 'wardflow-bench-bundles-'));
try {
  const names = readdirSync(DEFAULT_FUNCTIONS_DIRECTORY, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(DEFAULT_FUNCTIONS_DIRECTORY, entry.name, 'handler.ts')))
    .map((entry) => entry.name)
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
  const samples = new Map<string, number[]>(bundles.map((b) => [b.name, []]));
  for (let i = 0; i < SAMPLES; i++) {
    progress(`  round ${i + 1} of ${SAMPLES} ...`);
    for (const target of bundles) samples.get(target.name)?.push(loadOnce(loader, target));
  }

  const bareMs = median(samples.get(BARE) ?? []);
  const results: BundleResult[] = bundles.map((b) => {
    const ms = samples.get(b.name) ?? [];
    const loadMs = median(ms);
    return { name: b.name, kilobytes: b.bytes / 1024, loadMs, minMs: Math.min(...ms), maxMs: Math.max(...ms), ratioToBare: loadMs / bareMs, samplesMs: ms };
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
        `import of each bundle in a fresh node process: median of ${SAMPLES} samples, round robin, after one untimed load each`,
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
  const header = ['function', 'KB', 'load ms', 'min-max ms', 'x bare'];
  const body = rows.map((r) => [r.name, r.kilobytes.toFixed(0), r.loadMs.toFixed(1), `${r.minMs.toFixed(0)}-${r.maxMs.toFixed(0)}`, r.ratioToBare.toFixed(2)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const format = (row: string[]): string =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(format)].join('\n');
}
