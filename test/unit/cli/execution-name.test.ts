import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../lib/cli/errors.js';
import { parseCommandLine } from '../../../lib/cli/options.js';
import { describeExecutionName, EXECUTION_NAME, executionNameProblem } from '../../../lib/execution-name.js';
import { LocalEngine } from '../../../lib/local/runtime/engine/engine.js';

const MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:wardflow-test-names';
const dir = mkdtempSync(join(tmpdir(), 'wardflow-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const engine = new LocalEngine({
  dataDir: dir,
  stateMachines: [{ workflow: 'names', name: 'wardflow-test-names', arn: MACHINE_ARN, definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } } }],
  functions: [],
});

/** `start --name`: parsed, or refused as a usage error. (`--name=` form, so a name starting with `-` is a value, not an option.) */
function cliAccepts(name: string): boolean {
  try {
    parseCommandLine(['start', 'invoice-approval', '--input', 'x.json', `--name=${name}`]);
    return true;
  } catch (error) {
    if (error instanceof UsageError) return false;
    throw error;
  }
}

/**
 * The local endpoint's StartExecution: the name is checked before the input, so with an input
 * that is not JSON a good name gets InvalidExecutionInput and nothing starts.
 */
async function endpointAccepts(name: string): Promise<boolean> {
  try {
    await engine.startExecution({ stateMachineArn: MACHINE_ARN, name, input: '{' });
  } catch (error) {
    const refusal = (error as { name?: string }).name;
    if (refusal === 'InvalidName') return false;
    if (refusal === 'InvalidExecutionInput') return true;
    throw error;
  }
  throw new Error('an execution started: the test input must always be refused');
}

/** Names near the rule's edges: its own characters, the ones Step Functions allows and wardflow does not, and lengths around 80. */
const names = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'Z', '0', '9', '_', '-', '.', ' ', ':', '/', 'ä', '\n', '\u0000', '😀', '%'), maxLength: 90 }),
  fc.stringMatching(/^[A-Za-z0-9_-]{75,85}$/),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
);

describe('execution names: one rule for the CLI and the local endpoint', () => {
  it('the CLI accepts exactly the names the local endpoint accepts', async () => {
    await fc.assert(
      fc.asyncProperty(names, async (name) => {
        const cli = cliAccepts(name);
        expect(cli, JSON.stringify(name)).toBe(await endpointAccepts(name));
        expect(cli).toBe(EXECUTION_NAME.test(name));
      }),
      { numRuns: 1000 },
    );
  });

  it('says what is wrong with a name, never quoting it', () => {
    fc.assert(
      fc.property(names, (name) => {
        const problem = executionNameProblem(name);
        expect(problem === undefined).toBe(EXECUTION_NAME.test(name));
        // Fixed words and numbers only: nothing of the name can be in it.
        if (problem !== undefined) {
          expect(describeExecutionName(name)).toMatch(
            /^Execution names are 1 to 80 letters \(A-Z, a-z\), digits, hyphens and underscores; (it is empty|it is \d+ characters long|character \d+ is not a letter, digit, hyphen or underscore)\.$/,
          );
        }
      }),
      { numRuns: 1000 },
    );
    expect(describeExecutionName('inv 7')).toBe('Execution names are 1 to 80 letters (A-Z, a-z), digits, hyphens and underscores; character 4 is not a letter, digit, hyphen or underscore.');
  });
});
