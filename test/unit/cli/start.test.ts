import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { executionArn, INVOICE_MACHINE_ARN, localRuntimeFolder, runCliCaptured } from './cli-harness.js';

const sfn = mockClient(SFNClient);
const folder = localRuntimeFolder();
afterAll(() => folder.remove());
const STARTED = new Date('2026-12-01T09:00:00.000Z');
const EXAMPLE = 'examples/invoice-small.json';

beforeEach(() => {
  sfn.reset();
  sfn.on(StartExecutionCommand).callsFake((input: { name: string }) => ({ executionArn: executionArn(input.name), startDate: STARTED }));
});

const start = (...args: string[]) => runCliCaptured(['start', 'invoice-approval', '--data-dir', folder.dir, ...args]);

describe('wardflow start', () => {
  it('starts the workflow with the file as input and prints the execution id alone on stdout', async () => {
    const run = await start('--input', EXAMPLE);
    expect(run.code).toBe(0);
    const call = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(call.stateMachineArn).toBe(INVOICE_MACHINE_ARN);
    expect(call.input).toBe(readFileSync(EXAMPLE, 'utf8'));
    // No name given: a fresh UUID, which is the execution id.
    expect(call.name).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.out).toEqual([call.name]);
    expect(run.err).toEqual([`Started invoice-approval execution ${call.name} on the local runtime of ${folder.dir}. Follow it with: wardflow status ${call.name}`]);
  });

  it('uses --name as the execution name, and prints one JSON document with --json', async () => {
    const run = await start('--input', EXAMPLE, '--name', 'invoice-small-1', '--json');
    expect(run.code).toBe(0);
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.name).toBe('invoice-small-1');
    expect(JSON.parse(run.stdout)).toEqual({
      executionId: 'invoice-small-1',
      executionArn: executionArn('invoice-small-1'),
      workflow: 'invoice-approval',
      startDate: STARTED.toISOString(),
    });
    expect(run.err).toEqual([]);
  });

  it('reads the input from standard input with --input -', async () => {
    // Chunks arrive one by one, as from a pipe: the CLI reads to the end before it starts anything.
    const run = await runCliCaptured(['start', 'invoice-approval', '--data-dir', folder.dir, '--input', '-', '--name', 'piped'], { stdin: piped('{"invoiceText": "Total due: ', 'EUR 10.00"}') });
    expect(run.code).toBe(0);
    expect(run.out).toEqual(['piped']);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand).at(-1)!.args[0].input.input!)).toEqual({ invoiceText: 'Total due: EUR 10.00' });
  });

  it('refuses an unknown workflow, naming the known ones, without starting anything', async () => {
    const run = await runCliCaptured(['start', 'expense-report', '--data-dir', folder.dir, '--input', EXAMPLE]);
    expect(run.code).toBe(1);
    expect(run.out).toEqual([]);
    expect(run.err).toEqual(['wardflow: unknown workflow "expense-report". Known workflows: invoice-approval.']);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('refuses input that is not JSON, saying where, without starting anything or echoing it', async () => {
    const run = await runCliCaptured(['start', 'invoice-approval', '--data-dir', folder.dir, '--input', '-'], { stdin: '{"invoiceText": "Jane Doe owes 10"\n"source": 1}' });
    expect(run.code).toBe(1);
    expect(run.out).toEqual([]);
    expect(run.err).toEqual(['wardflow: the input from standard input is not valid JSON at line 2, column 1: expected "," or "}" after the property value.']);
    expect(run.stderr).not.toContain('Jane');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('says when the execution name is taken', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('Execution Already Exists'), { name: 'ExecutionAlreadyExists' }));
    const run = await start('--input', EXAMPLE, '--name', 'taken', '--json');
    expect(run.code).toBe(1);
    expect(run.out).toEqual([]);
    expect(JSON.parse(run.stderr)).toEqual({
      error: { name: 'ExecutionNameTaken', message: 'an execution named "taken" already exists in this workflow. Pick another --name, or leave it out for a random one.' },
    });
  });
});

/** A stream that delivers its chunks one by one, as a pipe does. */
function piped(...chunks: string[]): NodeJS.ReadableStream {
  const stream = new PassThrough();
  let next = 0;
  const push = () => {
    if (next < chunks.length) {
      stream.write(chunks[next++]);
      setImmediate(push);
    } else {
      stream.end();
    }
  };
  setImmediate(push);
  return stream;
}
