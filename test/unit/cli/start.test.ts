import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { PassThrough } from 'node:stream';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { executionArn, INVOICE_MACHINE_ARN, localRuntimeFolder, runCliCaptured } from './cli-harness.js';

const sfn = mockClient(SFNClient);
const folder = localRuntimeFolder();
afterAll(() => folder.remove());
const STARTED = new Date('2026-12-01T09:00:00.000Z');
const EXAMPLE = 'statemachines/invoice-approval/examples/invoice-small.json';

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
    // The file's input, and who starts it in the platform's field (the local runtime: the OS user).
    expect(JSON.parse(call.input!)).toEqual({ ...JSON.parse(readFileSync(EXAMPLE, 'utf8')), wardflow: { startedBy: `local:${userInfo().username}` } });
    // No name given: a fresh UUID, the execution name; the id its streams are keyed by is `<workflow>:<name>`.
    expect(call.name).toMatch(/^[0-9a-f-]{36}$/);
    const id = `invoice-approval:${call.name}`;
    expect(run.out).toEqual([id]);
    expect(run.err).toEqual([`Started invoice-approval execution ${id} on the local runtime of ${folder.dir}. Follow it with: wardflow status ${id}`]);
  });

  it('uses --name as the execution name, and prints one JSON document with --json', async () => {
    const run = await start('--input', EXAMPLE, '--name', 'invoice-small-1', '--json');
    expect(run.code).toBe(0);
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.name).toBe('invoice-small-1');
    expect(JSON.parse(run.stdout)).toEqual({
      executionId: 'invoice-approval:invoice-small-1',
      executionName: 'invoice-small-1',
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
    expect(run.out).toEqual(['invoice-approval:piped']);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand).at(-1)!.args[0].input.input!)).toEqual({ invoiceText: 'Total due: EUR 10.00', wardflow: { startedBy: `local:${userInfo().username}` } });
  });

  it('refuses input marked as real data on the local runtime (never prod), naming the field, without starting anything; takes synthetic', async () => {
    const refused = await runCliCaptured(['start', 'invoice-approval', '--data-dir', folder.dir, '--input', '-'], { stdin: '{"invoiceText": "Jane Doe owes 10", "classification": "real"}' });
    expect(refused.code).toBe(1);
    expect(refused.err).toEqual([
      'wardflow: the input from standard input is marked as real data and cannot start invoice-approval here: input.classification: expected "synthetic" or nothing: this environment (tier dev) refuses input marked as real data; start it in a prod environment, or use synthetic data.',
    ]);
    expect(refused.stderr).not.toContain('Jane');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    const taken = await runCliCaptured(['start', 'invoice-approval', '--data-dir', folder.dir, '--input', '-', '--name', 'synthetic-1'], { stdin: '{"invoiceText": "Total due: EUR 10.00", "classification": "synthetic"}' });
    expect(taken.code).toBe(0);
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

  it.each([
    ['null', 'null'],
    ['a string', '"Jane Doe owes 10"'],
    ['a number', '4711'],
    ['an array', '[{"invoiceText": "Jane Doe owes 10"}]'],
  ])('refuses %s as input with exit 1, naming what it is, without starting anything or echoing it', async (_, text) => {
    const run = await runCliCaptured(['start', 'invoice-approval', '--data-dir', folder.dir, '--input', '-'], { stdin: text });
    expect(run.code).toBe(1);
    expect(run.out).toEqual([]);
    expect(run.stderr).toMatch(/^wardflow: the input from standard input is (null|a JSON string|a JSON number|a JSON array); an execution's input must be a JSON object/);
    expect(run.stderr).not.toMatch(/Jane|4711/);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('refuses input nested deeper than 64 levels, and a 100,000-deep one just as fast', async () => {
    for (const depth of [65, 100_000]) {
      const run = await runCliCaptured(['start', 'invoice-approval', '--data-dir', folder.dir, '--input', '-', '--json'], { stdin: `{"invoiceText":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}` });
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stderr)).toEqual({
        error: { name: 'InputInvalid', message: 'the input from standard input nests objects and arrays more than 64 levels deep; wardflow accepts at most 64.' },
      });
    }
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it.each([
    ['no invoiceText', { source: 'inbox' }, 'invoiceText: expected a string'],
    ['an empty invoiceText', { invoiceText: '' }, 'invoiceText: expected a string of at least 1 characters'],
    ['a number as invoiceText', { invoiceText: 4711 }, 'invoiceText: expected a string'],
    ['a source that is not a label', { invoiceText: 'Total due: EUR 10.00', source: 'from jane.doe@example.org' }, 'source: expected a label of at most 200 letters'],
  ])('refuses an invoice-approval input with %s, naming the field and what it expects, never the value', async (_, input, expected) => {
    const piped = await runCliCaptured(['start', 'invoice-approval', '--data-dir', folder.dir, '--input', '-'], { stdin: JSON.stringify(input) });
    expect(piped.code).toBe(1);
    expect(piped.out).toEqual([]);
    expect(piped.err).toHaveLength(1);
    expect(piped.err[0]).toMatch(/^wardflow: the input from standard input is not a valid invoice-approval input: /);
    expect(piped.err[0]).toContain(expected);
    expect(piped.stderr).not.toMatch(/jane|4711/);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('leaves the input of a workflow it has no schema for to that workflow', async () => {
    const other = localRuntimeFolder({ stateMachines: { 'expense-report': INVOICE_MACHINE_ARN.replace('invoice-approval', 'expense-report') } });
    try {
      const run = await runCliCaptured(['start', 'expense-report', '--data-dir', other.dir, '--input', '-'], { stdin: '{"amount": 12}' });
      expect(run.code).toBe(0);
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    } finally {
      other.remove();
    }
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

describe('wardflow start: the workflow\'s declared input', () => {
  it('refuses a field the workflow does not take, as the platform\'s record-start would, naming it and starting nothing', async () => {
    const run = await runCliCaptured(['start', 'invoice-approval', '--data-dir', folder.dir, '--input', '-'], { stdin: '{"invoiceText":"x","sneaky":"planted-extra-value"}' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not a valid invoice-approval input: \(root\): expected/);
    expect(run.stderr).not.toContain('planted-extra-value');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});

describe('wardflow start: the platform field', () => {
  it('refuses an input that already has a "wardflow" field, without starting anything', async () => {
    const run = await runCliCaptured(['start', 'invoice-approval', '--data-dir', folder.dir, '--input', '-'], { stdin: '{"invoiceText": "Total due: EUR 10.00", "wardflow": {"startedBy": "arn:aws:iam::123456789012:root"}}' });
    expect(run.code).toBe(1);
    expect(run.err).toEqual(['wardflow: the input from standard input has a field "wardflow", which the platform reserves (who started the execution); rename it.']);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
