/**
 * `npm run bench`: every wardflow benchmark in one run, one table of medians.
 *
 *   npm run bench            table on stdout, progress on stderr
 *   npm run bench -- --json  the same results as one JSON document on stdout
 *   npm run bench -- --archive-lag[=1000,10000]
 *                            only the local audit stream's lag behind a producer at full speed,
 *                            at those numbers of executions (cases/audit-stream-lag.ts); minutes
 *
 * Prints numbers and exits 0; it never judges them (timing depends on the machine). It
 * writes no files outside temporary folders it removes. About a minute and a half on 2 cores.
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { AUDIT_ROW, auditCases } from './cases/audit.js';
import { archiveLagLines, measureArchiveLag } from './cases/audit-stream-lag.js';
import { eventStoreCases, requestsPerExecution, startBenchDynamoDb, STORE_ROW } from './cases/event-store-requests.js';
import { middlewareCases } from './cases/middleware.js';
import { eventCases, ROW, SHA256_INPUT_BYTES } from './cases/events.js';
import { buildArchive } from './fixtures/events.js';
import { type BenchCase, type BenchResult, measure, REPETITIONS } from './harness.js';

const ARCHIVE_EVENTS = 100_000;
const json = process.argv.includes('--json');
const progress = (line: string): void => void process.stderr.write(`${line}\n`);

const machine = {
  node: process.version,
  v8: process.versions.v8,
  openssl: process.versions.openssl,
  platform: `${process.platform}/${process.arch}`,
  cpu: cpus()[0]?.model.trim() ?? 'unknown',
  cores: availableParallelism(),
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  gcBetweenRepetitions: typeof (globalThis as { gc?: unknown }).gc === 'function',
};

const lagOption = process.argv.find((arg) => arg === '--archive-lag' || arg.startsWith('--archive-lag='));
if (lagOption !== undefined) {
  const marks = lagOption.includes('=') ? lagOption.slice(lagOption.indexOf('=') + 1).split(',').map(Number) : [1_000, 10_000];
  if (marks.some((mark) => !Number.isInteger(mark) || mark < 1)) throw new RangeError(`--archive-lag takes whole numbers of executions, as in --archive-lag=1000,10000`);
  progress(`archive lag: appending ${Math.max(...marks).toLocaleString('en')} executions' events with the local audit stream running ...`);
  const report = await measureArchiveLag({ marks, progress });
  process.stdout.write(json ? `${JSON.stringify({ machine, archiveLag: report }, null, 2)}\n` : `\n${archiveLagLines(report).join('\n')}\n`);
  process.exit(0);
}

progress(`building an archive of ${ARCHIVE_EVENTS.toLocaleString('en')} events ...`);
const archive = buildArchive(ARCHIVE_EVENTS);

// Per-call sizes chosen so each repetition takes roughly 0.1-1 s on a 2-core machine.
const cases: BenchCase[] = [
  ...eventCases(archive, { appends: 10_000, sealedAppends: 500 }),
  ...auditCases(archive),
  ...middlewareCases().map(({ name, run }) => {
    const n = name.startsWith('Redactor') ? 20_000 : 2_000;
    return {
      name,
      n,
      setup: () => async () => {
        // Await only real promises: a microtask per synchronous call would be timed too.
        for (let i = 0; i < n; i++) {
          const pending = run();
          if (pending instanceof Promise) await pending;
        }
      },
    };
  }),
];

progress('starting dynalite (as the local runtime runs it) for the event store cases ...');
const dynamodb = await startBenchDynamoDb();
cases.push(...eventStoreCases(dynamodb, { executions: 100, puts: 1_200 }));

const results: BenchResult[] = [];
for (const bench of cases) {
  progress(`  ${bench.name} ...`);
  results.push(await measure(bench));
}
const requests = await requestsPerExecution(dynamodb);
await dynamodb.stop();

const rate = (name: string): number => results.find((r) => r.name === name)?.opsPerSecond ?? Number.NaN;
const ratios = {
  verifyOverSha256: rate(ROW.verify) / rate(ROW.sha256),
  parseVerifyOverSha256: rate(ROW.parseVerify) / rate(ROW.sha256),
  auditVerifyOverSha256: rate(AUDIT_ROW.verify) / rate(ROW.sha256),
  storeEventsOverRawPut: rate(STORE_ROW.shared) / rate(STORE_ROW.rawPut),
  coldStoreEventsOverRawPut: rate(STORE_ROW.cold) / rate(STORE_ROW.rawPut),
};

if (json) {
  process.stdout.write(
    `${JSON.stringify({ machine, repetitions: REPETITIONS, archive: { events: archive.events.length, streams: archive.streams.length, canonicalBytes: archive.canonicalBytes }, results, ratios, requestsPerExecution: requests }, null, 2)}\n`,
  );
} else {
  const { mean, min, max } = archive.canonicalBytes;
  const lines = [
    '',
    `node ${machine.node} (v8 ${machine.v8}, openssl ${machine.openssl}) on ${machine.platform}`,
    `cpu: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; gc between repetitions: ${machine.gcBetweenRepetitions ? 'yes' : 'no'}`,
    `archive: ${archive.events.length.toLocaleString('en')} events in ${archive.streams.length.toLocaleString('en')} streams; canonical size mean ${mean.toFixed(0)} B (min ${min}, max ${max}); sha256 input ${SHA256_INPUT_BYTES} B`,
    `median of ${REPETITIONS} repetitions after 1 warm-up; spread = (max - min) / median / 2`,
    '',
    table(results),
    '',
    `ratio verify-only / sha256:    ${ratios.verifyOverSha256.toFixed(3)}  (verifyChain runs at ${(ratios.verifyOverSha256 * 100).toFixed(1)}% of raw SHA-256 speed)`,
    `ratio parse+verify / sha256:   ${ratios.parseVerifyOverSha256.toFixed(3)}`,
    `ratio audit verify / sha256:   ${ratios.auditVerifyOverSha256.toFixed(3)}  (\`wardflow audit verify\` over ${archive.events.length.toLocaleString('en')} archived events: ${Math.round(rate(AUDIT_ROW.verify)).toLocaleString('en')} events/s on one core)`,
    `ratio store events / raw put:  ${ratios.storeEventsOverRawPut.toFixed(3)}  (one store; a new store per step: ${ratios.coldStoreEventsOverRawPut.toFixed(3)})`,
    `requests per invoice execution (12 events, counted by X-Amz-Target at dynalite): ${describeRequests(requests.shared)} with one store; ${describeRequests(requests.cold)} with a new store per step`,
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

function table(rows: BenchResult[]): string {
  const header = ['name', 'ops/s', 'ms/op', 'n', 'spread'];
  const body = rows.map((r) => [
    r.name,
    Math.round(r.opsPerSecond).toLocaleString('en'),
    r.msPerOp < 0.01 ? r.msPerOp.toExponential(2) : r.msPerOp.toFixed(4),
    r.n.toLocaleString('en'),
    `±${r.spreadPercent.toFixed(1)}%`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] as string).length)));
  const format = (row: string[]): string =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(format)].join('\n');
}

function describeRequests(counts: { total: number; byOperation: Record<string, number> }): string {
  const parts = Object.entries(counts.byOperation).sort(([a], [b]) => a.localeCompare(b)).map(([operation, n]) => `${n} ${operation}`);
  return `${counts.total} (${parts.join(', ')})`;
}
