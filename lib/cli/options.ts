import { parseArgs } from 'node:util';
import { ENVIRONMENT_NAME } from '../../functions/shared/config.js';
import { EXECUTION_NAME_RULE, executionNameProblem } from '../execution-name.js';
import { UsageError } from './errors.js';
import { EXECUTION_NAME } from '../shared/execution-arn.js';
import { isExecutionId } from '../../functions/shared/events/execution-id.js';
import { SCAN_GUARDS, type ScanGuard } from './commands/guard-scan.js';

export const CLI_COMMANDS = ['start', 'executions', 'status', 'approvals', 'audit', 'docs', 'doctor', 'guard', 'help'] as const;
export type CliCommand = (typeof CLI_COMMANDS)[number];

export const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type ExecutionStatusFilter = (typeof EXECUTION_STATUSES)[number];

/** The subcommands of `audit`. */
export const AUDIT_ACTIONS = ['verify', 'export'] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * `audit verify`: the window [from, to) of event times to check (unbounded where absent) and
 * whether to skip the comparison with the event store. `audit export`: exactly one of
 * `execution` and `approval`, and the folder to write the report to.
 */
export type AuditCommandLine =
  | { action: 'verify'; from?: Date; to?: Date; archiveOnly: boolean }
  | { action: 'export'; execution?: string; approval?: string; out?: string };

/**
 * `executions` lists this many unless --limit says otherwise. A larger --limit is read page by
 * page (ListExecutions pages hold at most 1000); the cap keeps one listing's memory and time
 * bounded, and --next-token goes on from where it stopped.
 */
export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100_000;
/** A --next-token is what `executions` printed: ours is far shorter, Step Functions' own tokens are at most 1024 characters each. */
const MAX_NEXT_TOKEN_LENGTH = 16_384;
export const DEFAULT_ENVIRONMENT = 'dev';

/** Where the CLI connects: the local runtime of a data folder, or a deployed environment. */
export type Target =
  | { mode: 'local'; dataDir: string | undefined }
  | { mode: 'aws'; profile: string | undefined; region: string | undefined; environment: string };

export interface CommandLine {
  command: CliCommand;
  /** Positionals after the command. */
  args: string[];
  json: boolean;
  target: Target;
  /** start */
  input?: string;
  name?: string;
  /** executions */
  limit: number;
  status?: ExecutionStatusFilter;
  /** executions: where an earlier listing stopped, as it printed it. */
  nextToken?: string;
  /** audit verify | audit export */
  audit?: AuditCommandLine;
  /** docs: the folder to write the pages to (default: docs/workflows of this checkout), or only compare with it. */
  docs?: { out?: string; check: boolean };
  /** guard scan: the JSON Lines file and which guard to run over it. */
  guardScan?: { file: string; guard: ScanGuard };
}

const OPTIONS = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  profile: { type: 'string' },
  region: { type: 'string' },
  env: { type: 'string' },
  input: { type: 'string' },
  name: { type: 'string' },
  limit: { type: 'string' },
  status: { type: 'string' },
  'next-token': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  'archive-only': { type: 'boolean' },
  execution: { type: 'string' },
  approval: { type: 'string' },
  out: { type: 'string' },
  check: { type: 'boolean' },
  jsonl: { type: 'string' },
  guard: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
type OptionName = keyof typeof OPTIONS;

const COMMON: readonly OptionName[] = ['data-dir', 'json', 'profile', 'region', 'env', 'help'];
/** Options that only make sense for one command, and how many positionals each command takes. */
const COMMAND_SHAPES: Record<CliCommand, { options: readonly OptionName[]; positionals: readonly string[] }> = {
  start: { options: ['input', 'name'], positionals: ['<workflow>'] },
  executions: { options: ['limit', 'status', 'next-token'], positionals: [] },
  status: { options: [], positionals: ['<execution-id>'] },
  approvals: { options: [], positionals: [] },
  audit: { options: ['from', 'to', 'archive-only', 'execution', 'approval', 'out'], positionals: ['<verify|export>'] },
  docs: { options: ['out', 'check'], positionals: [] },
  doctor: { options: [], positionals: [] },
  guard: { options: ['jsonl', 'guard'], positionals: ['scan'] },
  help: { options: [], positionals: [] },
};
/** Which `audit` subcommand each audit option belongs to. */
const AUDIT_OPTIONS: Record<AuditAction, readonly OptionName[]> = {
  verify: ['from', 'to', 'archive-only'],
  export: ['execution', 'approval', 'out'],
};

/**
 * Parses and checks a command line: the command, its positionals, and options that belong to
 * it. Anything wrong is a `UsageError` that names the option and what was expected.
 * `-h`/`--help` anywhere parses as the `help` command; no command at all is a usage error.
 *
 * @example
 * parseCommandLine(['executions', '--status', 'RUNNING', '--json']);
 * // { command: 'executions', args: [], json: true, limit: 20, status: 'RUNNING', target: { mode: 'local', dataDir: undefined } }
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  let parsed: { values: Partial<Record<OptionName, string | boolean>>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // node's messages name the option and what is wrong with it; they quote only the command line.
    throw new UsageError(error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, '.') : 'cannot parse the command line');
  }
  const { values, positionals } = parsed;
  const [first, ...args] = positionals;
  if (values.help === true) return { command: 'help', args: [], json: values.json === true, target: { mode: 'local', dataDir: undefined }, limit: DEFAULT_LIMIT };
  if (first === undefined) throw new UsageError('no command given.', { showUsage: true });
  if (!isCommand(first)) throw new UsageError(`unknown command "${first}".`, { showUsage: true });
  const command = first;
  const shape = COMMAND_SHAPES[command];
  // Checked before the options, so `audit` alone or `audit verfy` says which subcommands exist.
  if (command === 'audit') checkAuditAction(args);

  for (const option of Object.keys(values) as OptionName[]) {
    if (!COMMON.includes(option) && !shape.options.includes(option)) {
      const owners = (Object.keys(COMMAND_SHAPES) as CliCommand[]).filter((c) => COMMAND_SHAPES[c].options.includes(option));
      throw new UsageError(`--${option} is an option of \`${owners.join('`, `')}\`, not of \`${command}\`.`);
    }
  }
  if (args.length !== shape.positionals.length) {
    const expected = shape.positionals.length === 0 ? 'no arguments' : shape.positionals.join(' ');
    throw new UsageError(`\`${command}\` takes ${expected}; got ${args.length === 0 ? 'none' : `"${args.join(' ')}"`}.`);
  }

  const line: CommandLine = { command, args, json: values.json === true, target: targetOf(values), limit: DEFAULT_LIMIT };
  if (command === 'start') {
    if (typeof values.input !== 'string' || values.input === '') throw new UsageError('`start` needs --input FILE (or --input - to read standard input).');
    line.input = values.input;
    if (typeof values.name === 'string') {
      // The rule the local runtime and wardflow's streams use (lib/execution-name.ts), so no name passes here that the endpoint refuses.
      const problem = executionNameProblem(values.name);
      if (problem !== undefined) throw new UsageError(`--name must be ${EXECUTION_NAME_RULE}: ${problem}.`);
      line.name = values.name;
    }
  }
  if (command === 'status' && !isExecutionRef(args[0] as string)) {
    throw new UsageError('<execution-id> must be an execution id as `wardflow executions` lists it (<workflow>:<name>), an execution name, or an execution ARN.');
  }
  if (command === 'audit') line.audit = auditOf(args[0] as AuditAction, values);
  if (command === 'docs') {
    // The pages come from this checkout's declarations and cdk.json: no runtime or stack is asked.
    for (const option of ['profile', 'region', 'env', 'data-dir'] as const) {
      if (values[option] !== undefined) throw new UsageError(`\`docs\` reads this checkout's workflow declarations and cdk.json; it talks to no runtime or stack, so --${option} does not apply.`);
    }
    const out = stringOption(values, 'out');
    line.docs = { check: values.check === true, ...(out === undefined ? {} : { out }) };
  }
  if (command === 'guard') line.guardScan = guardScanOf(args, values);
  if (command === 'doctor' && (line.target.mode !== 'aws' || values.env === undefined)) {
    // Named explicitly: a doctor run that silently checked dev when prod was meant would say "ok" about the wrong stack.
    throw new UsageError('`doctor` checks a deployed stack from the outside: give --env NAME (the stack wardflow-<env>) and --profile or --region.');
  }
  if (typeof values.limit === 'string') line.limit = limitOf(values.limit);
  if (typeof values.status === 'string') line.status = statusOf(values.status);
  const nextToken = stringOption(values, 'next-token');
  if (nextToken !== undefined) {
    // Never quoted back: a token is opaque, and a pasted one may be long.
    if (nextToken.length > MAX_NEXT_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(nextToken)) throw new UsageError('--next-token must be a token as `wardflow executions` printed it.');
    line.nextToken = nextToken;
  }
  return line;
}

/** `guard scan --jsonl FILE [--guard injection|pii]`: local files only, so the options of a connection are refused. */
function guardScanOf(args: readonly string[], values: Partial<Record<OptionName, string | boolean>>): { file: string; guard: ScanGuard } {
  if (args[0] !== 'scan') throw new UsageError(`unknown \`guard\` subcommand "${args[0]}": use \`guard scan\`.`);
  for (const option of ['profile', 'region', 'env', 'data-dir'] as const) {
    if (values[option] !== undefined) throw new UsageError(`\`guard scan\` reads a local file with this checkout's guards; it talks to no runtime or stack, so --${option} does not apply.`);
  }
  const file = stringOption(values, 'jsonl');
  if (file === undefined) throw new UsageError('`guard scan` needs --jsonl FILE: a JSON Lines file, one {"text": "..."} per line.');
  const guard = stringOption(values, 'guard') ?? 'injection';
  if (!(SCAN_GUARDS as readonly string[]).includes(guard)) throw new UsageError(`--guard must be ${SCAN_GUARDS.join(' or ')}; got "${guard}".`);
  return { file, guard: guard as ScanGuard };
}

function isCommand(value: string): value is CliCommand {
  return (CLI_COMMANDS as readonly string[]).includes(value);
}

function isExecutionRef(value: string): boolean {
  if (value.startsWith('arn:')) return /^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:execution:[^:\s]+:[^:\s]+$/.test(value);
  // `<workflow>:<name>` as `executions` lists it and `start` prints, or a bare name (looked up in every workflow).
  return isExecutionId(value) || EXECUTION_NAME.test(value);
}

/** Local mode unless --profile or --region asks for AWS; the options of the other mode are refused, not ignored. */
function targetOf(values: Partial<Record<OptionName, string | boolean>>): Target {
  const profile = stringOption(values, 'profile');
  const region = stringOption(values, 'region');
  const environment = stringOption(values, 'env');
  const dataDir = stringOption(values, 'data-dir');
  if (profile === undefined && region === undefined) {
    if (environment !== undefined) throw new UsageError('--env picks a deployed environment: give --profile or --region with it (without them the CLI talks to the local runtime).');
    return { mode: 'local', dataDir };
  }
  if (dataDir !== undefined) throw new UsageError('--data-dir is for the local runtime; it cannot be combined with --profile or --region (AWS mode).');
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region)) throw new UsageError(`--region must be an AWS region name such as eu-west-1; got "${region}".`);
  if (environment !== undefined && !ENVIRONMENT_NAME.test(environment)) {
    throw new UsageError('--env must be an environment name as cdk.json defines them: a lowercase letter, then up to 30 lowercase letters, digits or dashes.');
  }
  return { mode: 'aws', profile, region, environment: environment ?? DEFAULT_ENVIRONMENT };
}

function stringOption(values: Partial<Record<OptionName, string | boolean>>, name: OptionName): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} needs a value.`);
  return value;
}

function limitOf(raw: string): number {
  const limit = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}; got "${raw}".`);
  return limit;
}

function checkAuditAction(args: readonly string[]): void {
  const [action, ...extra] = args;
  const known = AUDIT_ACTIONS.map((a) => `\`audit ${a}\``).join(' or ');
  if (action === undefined) throw new UsageError(`\`audit\` needs a subcommand: ${known}.`);
  if (!(AUDIT_ACTIONS as readonly string[]).includes(action)) throw new UsageError(`unknown \`audit\` subcommand "${action}": use ${known}.`);
  if (extra.length > 0) throw new UsageError(`\`audit ${action}\` takes no further arguments; got "${extra.join(' ')}".`);
}

function auditOf(action: AuditAction, values: Partial<Record<OptionName, string | boolean>>): AuditCommandLine {
  for (const option of AUDIT_OPTIONS[action === 'verify' ? 'export' : 'verify']) {
    if (values[option] !== undefined) throw new UsageError(`--${option} is an option of \`audit ${action === 'verify' ? 'export' : 'verify'}\`, not of \`audit ${action}\`.`);
  }
  if (action === 'verify') {
    const from = dateOption(values, 'from');
    const to = dateOption(values, 'to');
    if (from !== undefined && to !== undefined && from.getTime() >= to.getTime()) {
      throw new UsageError(`--from must be before --to (the window is from --from up to, not including, --to); got ${from.toISOString()} and ${to.toISOString()}.`);
    }
    return { action, archiveOnly: values['archive-only'] === true, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
  }
  const execution = stringOption(values, 'execution');
  const approval = stringOption(values, 'approval');
  const out = stringOption(values, 'out');
  if ((execution === undefined) === (approval === undefined)) {
    throw new UsageError('`audit export` needs exactly one of --execution ID and --approval ID.');
  }
  return { action, ...(execution === undefined ? {} : { execution }), ...(approval === undefined ? {} : { approval }), ...(out === undefined ? {} : { out }) };
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/i;

/**
 * A --from/--to value: `YYYY-MM-DD` (midnight UTC) or an ISO-8601 time with its zone
 * (`2026-11-25T14:30:00Z`, `2026-11-25T15:30+01:00`). A time without a zone is refused rather
 * than read in the machine's zone, and so is a day that does not exist (Date would roll
 * 2026-02-30 over to March).
 */
export function parseDateOption(raw: string): Date | undefined {
  const day = DAY.exec(raw);
  const time = day === null ? TIME.exec(raw) : null;
  const fields = day ?? time;
  if (fields === null) return undefined;
  const [year, month, date] = [Number(fields[1]), Number(fields[2]), Number(fields[3])];
  if (month < 1 || month > 12 || date < 1 || date > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  if (time !== null) {
    const [hour, minute, second] = [Number(time[4]), Number(time[5]), Number(time[6] ?? 0)];
    const [zoneHour, zoneMinute] = [Number(time[7] ?? 0), Number(time[8] ?? 0)];
    if (hour > 23 || minute > 59 || second > 59 || zoneHour > 23 || zoneMinute > 59) return undefined;
  }
  const parsed = new Date(day === null ? raw : `${raw}T00:00:00.000Z`);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}

function dateOption(values: Partial<Record<OptionName, string | boolean>>, name: 'from' | 'to'): Date | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  const date = parseDateOption(raw);
  if (date === undefined) {
    throw new UsageError(`--${name} must be a day (YYYY-MM-DD, midnight UTC) or an ISO-8601 time with its zone (2026-11-25T14:30:00Z); got "${raw}".`);
  }
  return date;
}

function statusOf(raw: string): ExecutionStatusFilter {
  const status = EXECUTION_STATUSES.find((s) => s === raw.toUpperCase());
  if (status === undefined) throw new UsageError(`--status must be one of ${EXECUTION_STATUSES.join(', ')}; got "${raw}".`);
  return status;
}
