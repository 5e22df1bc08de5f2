/**
 * The command line of `npm run bench:local`. Every count can be made smaller for a quick look
 * (`-- --executions 300`) or larger; the defaults are the numbers issue 12 asks about.
 */
export interface LocalBenchOptions {
  json: boolean;
  /** Leave the scratch folder (the steps' log, the data folders) in place and say where. */
  keep: boolean;
  /** Executions of the measured run (executions/s, events/s, requests per execution). */
  executions: number;
  /** Run sizes at which the archive's lag is measured: a tenth of the run, and the whole run. */
  lagAt: number[];
  /** Run sizes at which RSS is measured after a GC: a tenth of the run, the whole run, and `--rss-to`. */
  rssAt: number[];
  /** Executions in flight at once during the run and the load (and raw PutItem clients). */
  concurrency: number;
  /** Auto-approved executions run before anything is measured, so every Lambda environment is loaded. */
  warmup: number;
  /** Large invoices approved at rest, and as many again under load. */
  approvals: number;
  /** Raw conditional PutItem requests. */
  puts: number;
  /** Runtime starts for the ready time: the first is cold, the rest warm. */
  starts: number;
}

export const USAGE = `usage: npm run bench:local -- [--json] [--keep] [--executions N] [--rss-to N] [--concurrency N]
                               [--warmup N] [--approvals N] [--puts N] [--starts N]
  --executions N   executions in the measured run (default 10000); archive lag and RSS at N/10 and N
  --rss-to N       keep running to N executions for a last RSS reading (default 2 x --executions; 0: stop at --executions)
  --concurrency N  executions in flight at once, and raw PutItem clients (default 40)
  --warmup N       auto-approved executions before anything is measured (default 200)
  --approvals N    large invoices approved at rest, and as many under load (default 100)
  --puts N         raw conditional PutItem requests (default 4000)
  --starts N       runtime starts for the ready time, the first cold (default 3)
  --json           one JSON document on stdout instead of the table
  --keep           keep the scratch folder (steps.log, data folders) and print its path on stderr`;

const COUNTS = ['executions', 'rss-to', 'concurrency', 'warmup', 'approvals', 'puts', 'starts'] as const;
type CountFlag = (typeof COUNTS)[number];

/**
 * Reads the arguments after `npm run bench:local --`. Throws with the usage on anything it
 * does not know, rather than running for half an hour with a typo ignored.
 *
 * @example
 * parseLocalBenchArgs(['--executions', '300']).lagAt; // [30, 300]
 */
export function parseLocalBenchArgs(args: readonly string[]): LocalBenchOptions {
  const counts: Partial<Record<CountFlag, number>> = {};
  let json = false;
  let keep = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--json' || arg === '--keep') {
      if (arg === '--json') json = true;
      else keep = true;
      continue;
    }
    const [flag, inline] = arg.split('=', 2) as [string, string | undefined];
    const name = flag.replace(/^--/, '') as CountFlag;
    if (!flag.startsWith('--') || !COUNTS.includes(name)) throw new Error(`unknown argument ${arg}\n${USAGE}`);
    const text = inline ?? args[++i];
    const value = Number(text);
    if (text === undefined || !Number.isInteger(value) || value < 0) throw new Error(`${flag} takes a whole number, not ${text ?? 'nothing'}\n${USAGE}`);
    counts[name] = value;
  }
  const executions = Math.max(1, counts.executions ?? 10_000);
  const tenth = Math.max(1, Math.round(executions / 10));
  const rssTo = counts['rss-to'] ?? 2 * executions;
  return {
    json,
    keep,
    executions,
    lagAt: unique([tenth, executions]),
    rssAt: unique([tenth, executions, ...(rssTo > executions ? [rssTo] : [])]),
    concurrency: Math.max(1, counts.concurrency ?? 40),
    warmup: counts.warmup ?? 200,
    approvals: counts.approvals ?? 100,
    puts: counts.puts ?? 4000,
    starts: Math.max(1, counts.starts ?? 3),
  };
}

function unique(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}
