import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../functions/shared/events/event.js';
import { runCli } from '../../../lib/cli/main.js';
import { inProcessRuntimeOfThisFile } from '../../support/in-process-runtime.js';
import { eventually } from '../../support/local-runtime.js';

/**
 * ExecutionStarted names who started it, end to end in the local runtime: `wardflow start` (in
 * process, against the runtime's endpoints) sends `local:<OS user>` in the platform's input field;
 * RecordStart records `local` in clear; a StartExecution that does not say who is `unknown`, not
 * through wardflow. The workflow runs on as usual either way.
 */
const local = inProcessRuntimeOfThisFile('wardflow-started-by-');
const INPUT = readFileSync('statemachines/invoice-approval/examples/invoice-small.json', 'utf8');

async function startedEventOf(name: string): Promise<StoredEvent> {
  return eventually<StoredEvent>(
    async () => (await local().reader.execution(`invoice-approval:${name}`)).find((e) => e.type === 'ExecutionStarted'),
    `ExecutionStarted of ${name}`,
    120_000,
  );
}

describe('who started an execution', { timeout: 240_000 }, () => {
  it('is the local user when started with wardflow start; unknown when StartExecution is called directly', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['start', 'invoice-approval', '--data-dir', local().dataDir, '--input', '-', '--name', 'started-by-cli'], {
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      stdin: Readable.from([Buffer.from(INPUT)]),
    });
    expect(code, err.join('\n')).toBe(0);
    expect(out).toEqual(['invoice-approval:started-by-cli']);
    const byCli = await startedEventOf('started-by-cli');
    expect(byCli.data).toMatchObject({ workflow: 'invoice-approval', startedBy: 'local', startedThrough: 'wardflow' });

    await local().runtime.engine.startExecution({ stateMachineArn: local().stateMachineArn, name: 'started-directly', input: INPUT });
    const direct = await startedEventOf('started-directly');
    expect(direct.data).toMatchObject({ workflow: 'invoice-approval', startedBy: 'unknown', startedThrough: 'other' });

    // The platform's field took nothing from the workflow: both runs go past RecordStart to the workflow's first step.
    for (const name of ['started-by-cli', 'started-directly']) {
      await eventually(
        async () => ((await local().reader.execution(`invoice-approval:${name}`)).some((e) => e.type === 'StepSucceeded' && e.actor !== 'step:record-start') ? true : undefined),
        `a workflow step of ${name}`,
        120_000,
      );
    }
  });
});
