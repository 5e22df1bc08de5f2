#!/usr/bin/env -S npx tsx
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { resolveDataFolder } from '../lib/local/data-folder.js';
import { runWalkthrough } from '../lib/local/walkthrough.js';

const USAGE = `Usage: wardflow <command> [options]

Commands:
  walkthrough   Run the example invoices through the real step handlers on an embedded
                DynamoDB (dynalite), print what happened, and check it against
                examples/expected.json. (What \`npm start\` runs.)

Options:
  --data-dir DIR   where local data lives (default: $WARDFLOW_DATA_DIR or .wardflow/)
  --json           machine-readable output
  -h, --help       this text`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'data-dir': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  const [command] = positionals;
  if (values.help || command === undefined) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  if (command !== 'walkthrough') {
    console.error(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }

  const examplesDir = new URL('../examples/', import.meta.url).pathname;
  const expected = JSON.parse(readFileSync(join(examplesDir, 'expected.json'), 'utf8')) as Record<string, string>;
  const examples = readdirSync(examplesDir)
    .filter((f) => f in expected)
    .sort()
    .map((f) => join(examplesDir, f));
  const results = await runWalkthrough({
    dataFolder: resolveDataFolder(values['data-dir']),
    examples,
    print: values.json ? () => undefined : (line) => console.log(line),
  });
  const mismatches = results.filter((r) => expected[r.example] !== r.outcome);
  if (values.json) {
    console.log(JSON.stringify({ results, mismatches: mismatches.map((m) => m.example) }, null, 2));
  } else if (mismatches.length === 0) {
    console.log(`\nAll ${results.length} examples ended as examples/expected.json says.`);
    console.log('Invoices that need a human stop at waiting-for-approval: emailed approval links and resuming');
    console.log('executions come with the embedded local runtime. Each execution\'s events are in the data folder.');
  } else {
    for (const m of mismatches) console.error(`${m.example}: expected ${expected[m.example]}, got ${m.outcome} (events: ${m.events.join(', ')})`);
  }
  return mismatches.length === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`wardflow: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
