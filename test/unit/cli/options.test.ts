import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../lib/cli/errors.js';
import { CLI_USAGE, runCli } from '../../../lib/cli/main.js';
import { parseCommandLine, parseDateOption } from '../../../lib/cli/options.js';
import { runCliCaptured } from './cli-harness.js';

function usageErrorOf(argv: string[]): UsageError {
  try {
    parseCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`expected a usage error for ${argv.join(' ')}`);
}

describe('parseCommandLine', () => {
  it('reads each command with its own options, local mode by default', () => {
    expect(parseCommandLine(['executions', '--status', 'running', '--limit', '5', '--json'])).toEqual({
      command: 'executions',
      args: [],
      json: true,
      limit: 5,
      status: 'RUNNING',
      target: { mode: 'local', dataDir: undefined },
    });
    expect(parseCommandLine(['start', 'invoice-approval', '--input', '-', '--name', 'run-1', '--data-dir', '/tmp/d'])).toMatchObject({
      command: 'start',
      args: ['invoice-approval'],
      input: '-',
      name: 'run-1',
      target: { mode: 'local', dataDir: '/tmp/d' },
    });
    expect(parseCommandLine(['executions', '--limit', '100000', '--next-token', 'wf1.abc_-']).nextToken).toBe('wf1.abc_-');
    expect(parseCommandLine(['executions', '--limit', '100000']).limit).toBe(100_000);
    expect(parseCommandLine(['status', 'arn:aws:states:us-east-1:123456789012:execution:invoice-approval:e-1']).args).toEqual([
      'arn:aws:states:us-east-1:123456789012:execution:invoice-approval:e-1',
    ]);
  });

  it('selects AWS mode with --profile or --region, environment dev unless --env names another', () => {
    expect(parseCommandLine(['approvals', '--profile', 'ops']).target).toEqual({ mode: 'aws', profile: 'ops', region: undefined, environment: 'dev' });
    expect(parseCommandLine(['approvals', '--region', 'eu-west-1', '--env', 'prod']).target).toEqual({ mode: 'aws', profile: undefined, region: 'eu-west-1', environment: 'prod' });
  });

  it.each([
    [['start', 'invoice-approval'], /--input/],
    [['start', '--input', 'x.json'], /takes <workflow>; got none/],
    [['status'], /takes <execution-id>/],
    [['status', 'a', 'b'], /got "a b"/],
    // `<workflow>:<name>` is an execution id; a workflow that is not kebab-case, or a second ':', is not.
    [['status', 'Bad:name'], /execution id as `wardflow executions` lists it \(<workflow>:<name>\), an execution name, or an execution ARN/],
    [['status', 'invoice-approval:a:b'], /execution id as `wardflow executions` lists it/],
    [['status', 'arn:aws:states:us-east-1:123456789012:stateMachine:invoice-approval'], /execution ARN/],
    [['executions', 'extra'], /takes no arguments/],
    [['executions', '--limit', '0'], /--limit must be a whole number from 1 to 100000; got "0"/],
    [['executions', '--limit', '2.5'], /--limit/],
    [['executions', '--limit', '100001'], /--limit must be a whole number from 1 to 100000; got "100001"/],
    [['executions', '--next-token', 'has space'], /^--next-token must be a token as `wardflow executions` printed it\.$/],
    [['executions', '--next-token', `wf1.${'A'.repeat(20_000)}`], /^--next-token must be a token as `wardflow executions` printed it\.$/],
    [['approvals', '--next-token', 'wf1.x'], /--next-token is an option of `executions`, not of `approvals`/],
    [['executions', '--status', 'DONE'], /--status must be one of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED; got "DONE"/],
    [['executions', '--input', 'x.json'], /--input is an option of `start`, not of `executions`/],
    [['approvals', '--limit', '3'], /--limit is an option of `executions`, not of `approvals`/],
    [['start', 'invoice-approval', '--input', 'x', '--name', 'has space'], /^--name must be 1 to 80 letters \(A-Z, a-z\), digits, hyphens and underscores: character 4 is not a letter, digit, hyphen or underscore\.$/],
    [['start', 'invoice-approval', '--input', 'x', '--name', 'a'.repeat(81)], /^--name must be 1 to 80 letters .*: it is 81 characters long\.$/],
    // Step Functions would take these; the local runtime and wardflow's streams do not, so neither does the CLI.
    [['start', 'invoice-approval', '--input', 'x', '--name', 'inv.7'], /--name must be .*: character 4 is not/],
    [['start', 'invoice-approval', '--input', 'x', '--name', 'rechnung-ä'], /--name must be .*: character 10 is not/],
    [['start', 'invoice-approval', '--input', 'x', '--name='], /--name (must be .*: it is empty|needs a value)/],
    [['executions', '--env', 'prod'], /--env picks a deployed environment: give --profile or --region/],
    [['executions', '--region', 'eu-west-1', '--data-dir', 'd'], /--data-dir is for the local runtime/],
    [['executions', '--region', 'Europe'], /--region must be an AWS region name/],
    [['executions', '--profile', 'p', '--env', 'Prod!'], /--env must be an environment name/],
    [['executions', '--verbose'], /--verbose/],
    [['executions', '--data-dir'], /--data-dir/],
  ])('refuses %j, naming what is wrong', (argv, message) => {
    expect(usageErrorOf(argv).message).toMatch(message);
  });
});

describe('parseCommandLine: audit', () => {
  it('reads `audit verify` with its window and --archive-only, dates as UTC days or zoned times', () => {
    expect(parseCommandLine(['audit', 'verify']).audit).toEqual({ action: 'verify', archiveOnly: false });
    const line = parseCommandLine(['audit', 'verify', '--from', '2026-11-01', '--to', '2026-11-25T15:30:00+01:00', '--archive-only', '--json']);
    expect(line).toMatchObject({ command: 'audit', args: ['verify'], json: true, target: { mode: 'local' } });
    expect(line.audit).toEqual({ action: 'verify', archiveOnly: true, from: new Date('2026-11-01T00:00:00.000Z'), to: new Date('2026-11-25T14:30:00.000Z') });
    expect(parseCommandLine(['audit', 'verify', '--to', '2026-02-28T23:59:59.999Z', '--region', 'eu-west-1']).audit).toEqual({ action: 'verify', archiveOnly: false, to: new Date('2026-02-28T23:59:59.999Z') });
  });

  it('reads `audit export` with exactly one subject and an optional folder', () => {
    expect(parseCommandLine(['audit', 'export', '--execution', 'invoice-large-1']).audit).toEqual({ action: 'export', execution: 'invoice-large-1' });
    expect(parseCommandLine(['audit', 'export', '--approval', 'ap-1', '--out', 'reports']).audit).toEqual({ action: 'export', approval: 'ap-1', out: 'reports' });
  });

  it.each([
    [['audit'], /`audit` needs a subcommand: `audit verify` or `audit export`/],
    [['audit', 'verfy'], /unknown `audit` subcommand "verfy": use `audit verify` or `audit export`/],
    [['audit', 'verify', 'now'], /`audit verify` takes no further arguments; got "now"/],
    [['audit', 'verify', '--from', 'yesterday'], /--from must be a day \(YYYY-MM-DD, midnight UTC\) or an ISO-8601 time with its zone .*; got "yesterday"/],
    [['audit', 'verify', '--from', '2026-02-30'], /--from must be a day/],
    [['audit', 'verify', '--to', '2026-11-25T10:00:00'], /--to must be a day .* with its zone/],
    [['audit', 'verify', '--to', '2026-11-25T24:00:00Z'], /--to must be/],
    [['audit', 'verify', '--from', '2026-11-25', '--to', '2026-11-01'], /--from must be before --to .*got 2026-11-25T00:00:00.000Z and 2026-11-01T00:00:00.000Z/],
    [['audit', 'verify', '--from', '2026-11-25', '--to', '2026-11-25'], /--from must be before --to/],
    [['audit', 'verify', '--execution', 'e-1'], /--execution is an option of `audit export`, not of `audit verify`/],
    [['audit', 'export', '--archive-only', '--execution', 'e-1'], /--archive-only is an option of `audit verify`, not of `audit export`/],
    [['audit', 'export'], /`audit export` needs exactly one of --execution ID and --approval ID/],
    [['audit', 'export', '--execution', 'e-1', '--approval', 'a-1'], /exactly one of --execution ID and --approval ID/],
    [['audit', 'export', '--execution'], /--execution/],
    [['executions', '--from', '2026-11-01'], /--from is an option of `audit`, not of `executions`/],
  ])('refuses %j, naming what is wrong', (argv, message) => {
    expect(usageErrorOf(argv).message).toMatch(message);
  });

  it('exits 2 for a bad audit command line, with nothing on stdout', async () => {
    const run = await runCliCaptured(['audit', 'verify', '--from', '2026-13-01']);
    expect(run.code).toBe(2);
    expect(run.out).toEqual([]);
    expect(run.err[0]).toMatch(/^wardflow: --from must be a day/);
  });

  it('parses dates strictly: real days only, a zone always', () => {
    expect(parseDateOption('2028-02-29')?.toISOString()).toBe('2028-02-29T00:00:00.000Z');
    expect(parseDateOption('2026-11-25T10:00Z')?.toISOString()).toBe('2026-11-25T10:00:00.000Z');
    expect(parseDateOption('2026-11-25T10:00:00.5-02:30')?.toISOString()).toBe('2026-11-25T12:30:00.500Z');
    for (const bad of ['2026-02-29', '2026-04-31', '2026-00-10', '2026-11-25 10:00Z', '2026-11-25T10:60:00Z', '2026-11-25T10:00:00+25:00', '20261125', '']) {
      expect(parseDateOption(bad)).toBeUndefined();
    }
  });
});

describe('runCli usage errors and help', () => {
  it('prints the usage on stderr and exits 2 for an unknown command, with nothing on stdout', async () => {
    const run = await runCliCaptured(['deploy']);
    expect(run.code).toBe(2);
    expect(run.out).toEqual([]);
    expect(run.stderr).toContain('unknown command "deploy"');
    expect(run.stderr).toContain(CLI_USAGE);
  });

  it('exits 2 with the usage when no command is given', async () => {
    const run = await runCliCaptured([]);
    expect(run.code).toBe(2);
    expect(run.out).toEqual([]);
    expect(run.stderr).toContain(CLI_USAGE);
  });

  it('names a bad option without the whole usage, and exits 2', async () => {
    const run = await runCliCaptured(['executions', '--limit', 'many']);
    expect(run.code).toBe(2);
    expect(run.out).toEqual([]);
    expect(run.err).toEqual(['wardflow: --limit must be a whole number from 1 to 100000; got "many".', 'Run `wardflow help` for the commands and their options.']);
  });

  it('prints the usage on stdout for help, -h and --help, and exits 0', async () => {
    for (const argv of [['help'], ['-h'], ['status', '--help']]) {
      const run = await runCliCaptured(argv);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(CLI_USAGE);
      expect(run.err).toEqual([]);
    }
  });

  it('prints the caller\'s usage instead when given one', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (line: string) => out.push(line), err: (line: string) => err.push(line) };
    expect(await runCli(['help'], io, { usage: 'Usage: wardflow dev|demo|start ...' })).toBe(0);
    expect(await runCli(['deploy'], io, { usage: 'Usage: wardflow dev|demo|start ...' })).toBe(2);
    expect(out).toEqual(['Usage: wardflow dev|demo|start ...']);
    expect(err).toEqual(['wardflow: unknown command "deploy".', '\nUsage: wardflow dev|demo|start ...']);
  });

  it('documents every command and option it accepts', () => {
    for (const word of ['start <workflow>', 'executions', 'status <execution-id>', 'approvals', 'audit verify', '--from DATE', '--to DATE', '--archive-only', 'audit export', '--execution ID', '--approval ID', '--out DIR', '--data-dir', '--json', '--profile', '--region', '--env', '--input', '--name', '--limit', '--status', '--next-token', 'WARDFLOW_DATA_DIR']) {
      expect(CLI_USAGE).toContain(word);
    }
  });
});

describe('runCli on any command line', () => {
  it('always settles with 0, 1 or 2, and prints nothing on stdout when it fails', async () => {
    // Local mode only (no --profile/--region: no network), against a folder with no runtime.
    const word = fc.constantFrom('start', 'executions', 'status', 'approvals', 'audit', 'verify', 'export', '--from', '--to', '--archive-only', '2026-11-01', '--execution', 'help', 'invoice-approval', 'e-1', 'a:b', '-', '--json', '--input', '--name', '--limit', '--status', '--env', '--data-dir', '-h', '5', 'RUNNING', '', 'x y');
    await fc.assert(
      fc.asyncProperty(fc.array(word, { maxLength: 7 }), async (argv) => {
        const run = await runCliCaptured([...argv, '--data-dir', '/nonexistent/wardflow-cli-fuzz']);
        expect([0, 1, 2]).toContain(run.code);
        if (run.code !== 0) {
          expect(run.out).toEqual([]);
          expect(run.err.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
