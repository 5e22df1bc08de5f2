#!/usr/bin/env -S npx tsx
import { parseArgs } from 'node:util';
import { CLI_COMMANDS_HELP, CLI_OPTIONS_HELP, runCli } from '../lib/cli/main.js';
import { resolveDataFolder } from '../lib/local/data-folder.js';
import { formatDemoTable, runDemo } from '../lib/local/runtime/app/demo.js';
import { runDev } from '../lib/local/runtime/app/dev.js';
import { parseClockOffset } from '../lib/local/scheduler/clock-offset.js';
import { DEFAULT_BASE_PORT } from '../lib/local/runtime/services/endpoints-file.js';
import { divertProcessOutput, toTerminal } from '../lib/local/runtime/lambda/step-log.js';

const USAGE = `Usage: wardflow <command> [options]
       (in a checkout: npm run wardflow -- <command> [options]; npm start is wardflow dev)

Local runtime:
  dev           Start the embedded local runtime and keep it running until Ctrl-C. On the
                first start of a data folder it runs every workflow's examples.
                --port N (default $WARDFLOW_PORT or ${DEFAULT_BASE_PORT}; servers use N to N+4),
                --data-dir DIR, --no-examples, --clock-offset D (run as if D later:
                90m, 25h, 3d; handlers' clocks and approval timers, to try deadlines)
  demo          The whole story once, in a temporary folder on free ports: exits 0 only if
                every workflow's example ends as its expected.json says (npm run demo). --keep, --json

Workflows:
${CLI_COMMANDS_HELP}

Options:
${CLI_OPTIONS_HELP}

Without --profile or --region the commands talk to the local runtime, found through
<data folder>/endpoints.json. With them they use the AWS SDK's credential chain and the outputs
of the CloudFormation stack wardflow-<env>. Exit codes: 0 ok, 1 failed, 2 usage error.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'dev') return dev(rest);
  if (command === 'demo') return demo(rest);
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command === undefined ? 2 : 0;
  }
  return runCli(argv, undefined, { usage: USAGE });
}

async function dev(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { port: { type: 'string' }, 'data-dir': { type: 'string' }, 'no-examples': { type: 'boolean', default: false }, 'clock-offset': { type: 'string' } },
  });
  // An empty WARDFLOW_PORT counts as unset, like an empty WARDFLOW_DATA_DIR.
  const portText = values.port || process.env.WARDFLOW_PORT || String(DEFAULT_BASE_PORT);
  const basePort = Number(portText);
  if (!Number.isInteger(basePort) || basePort < 1024 || basePort > 65_530) {
    console.error(`wardflow dev: --port must be a whole number from 1024 to 65530 (got "${portText}")`);
    return 2;
  }
  let clockOffsetMs = 0;
  try {
    clockOffsetMs = values['clock-offset'] === undefined ? 0 : parseClockOffset(values['clock-offset']);
  } catch (error) {
    console.error(`wardflow dev: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  return runDev({ dataDir: resolveDataFolder(values['data-dir']), basePort, examples: !values['no-examples'], clockOffsetMs });
}

async function demo(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { keep: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
  let print: (line: string) => void = (line) => console.log(line);
  const { rows, dataDir, ok } = await runDemo({
    keep: values.keep,
    print: (line) => {
      if (!values.json) print(line);
    },
    stepLogFile: (folder) => {
      print = divertProcessOutput(`${folder}/logs/steps.log`);
    },
  });
  if (values.json) print(JSON.stringify({ ok, rows, dataDir: ok && !values.keep ? undefined : dataDir }, null, 2));
  else {
    print('');
    for (const line of formatDemoTable(rows)) print(line);
    print('');
    print(ok ? "Every execution ended as its workflow's examples/expected.json says." : `Not every execution ended as expected; the data folder is kept: ${dataDir}`);
  }
  return ok ? 0 : 1;
}

// `wardflow audit verify | head -1`: a reader that closes the pipe early has all it wants. Without
// this, the next write throws EPIPE as an unhandled error with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    // exitCode, not exit(): a large --json document on a pipe must be written out in full.
    process.exitCode = code;
    // The runtime's servers are closed by now; anything still holding the loop would be a leak, not work.
    setTimeout(() => process.exit(code), 2_000).unref();
  },
  (error: unknown) => {
    toTerminal(`wardflow: ${error instanceof Error ? error.message : String(error)}`, 'stderr');
    process.exit(1);
  },
);
