import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler as recordStart } from '../../../functions/record-start/handler.js';
import { ValidationFailed } from '../../../functions/shared/errors.js';
import { openSealed } from '../../../functions/shared/events/open-sealed.js';
import { callStep, captureOutput, exampleInput, failureOf, stubStepEnvironment, undoTestStubs, useHandlerWorld } from './harness.js';

/**
 * ExecutionStarted names who started it: the platform's input field `wardflow: { startedBy }`
 * never reaches the workflow's input check or its sealed input; the account and principal type
 * stand in clear, the full principal (a role session named after a person) is sealed.
 */
const world = useHandlerWorld();
const SESSION = 'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Finance_5e6f/planted.jane.doe@example.com';
let output: string[] = [];
beforeEach(() => {
  stubStepEnvironment({ paymentsApiUrl: '' });
  output = captureOutput();
});
afterEach(() => undoTestStubs(world));

describe('record-start: who started the execution', () => {
  it('keeps the account and principal type in clear and seals the full principal beside the input, which stays the workflow\'s own', async () => {
    const { invoiceText } = exampleInput('invoice-small.json');
    expect(await callStep(recordStart, 'exec-started-by-aws', { invoiceText, wardflow: { startedBy: SESSION } })).toEqual({});
    const [started] = await world.executionEvents('exec-started-by-aws');
    expect(started!.data).toEqual({ workflow: 'invoice-approval', source: null, startedBy: 'aws:123456789012:assumed-role', startedThrough: 'wardflow' });
    expect(await openSealed(started!, world.deps.sealer)).toEqual({ input: { invoiceText }, startedBy: SESSION });
    // Planted: the session's name (a person's address) is nowhere in clear, nor in the logs.
    const clear = JSON.stringify({ actor: started!.actor, data: started!.data });
    expect(clear + output.join('')).not.toContain('planted.jane.doe');
  });

  it('records local starts as local, the user sealed', async () => {
    const { invoiceText } = exampleInput('invoice-small.json');
    await callStep(recordStart, 'exec-started-by-local', { invoiceText, wardflow: { startedBy: 'local:planteduser' } });
    const [started] = await world.executionEvents('exec-started-by-local');
    expect(started!.data).toMatchObject({ startedBy: 'local', startedThrough: 'wardflow' });
    expect(await openSealed(started!, world.deps.sealer)).toMatchObject({ startedBy: 'local:planteduser' });
    expect(JSON.stringify(started!.data) + output.join('')).not.toContain('planteduser');
  });

  it('records a start that did not say who (StartExecution called directly) as unknown, not through wardflow', async () => {
    const { invoiceText } = exampleInput('invoice-small.json');
    await callStep(recordStart, 'exec-started-by-nobody', { invoiceText });
    const [started] = await world.executionEvents('exec-started-by-nobody');
    expect(started!.data).toMatchObject({ startedBy: 'unknown', startedThrough: 'other' });
    expect(await openSealed(started!, world.deps.sealer)).toEqual({ input: { invoiceText } });
  });

  it.each([
    ['not a principal', { startedBy: 'planted-nobody' }],
    ['another key', { startedBy: 'local:jane', role: 'admin' }],
    ['not an object', 'planted-text'],
  ])('refuses a platform field that is %s, naming input.wardflow, nothing but the failure written', async (_, wardflow) => {
    const executionId = `exec-started-by-bad-${_.replace(/[^a-z]+/g, '-')}`;
    const { invoiceText } = exampleInput('invoice-small.json');
    const error = await failureOf(callStep(recordStart, executionId, { invoiceText, wardflow }));
    expect(error).toBeInstanceOf(ValidationFailed);
    expect((error as ValidationFailed).issues.every((i) => i.path.startsWith('input.wardflow'))).toBe(true);
    const events = await world.executionEvents(executionId);
    expect(events.map((e) => e.type)).toEqual(['ValidationFailed']);
    expect(JSON.stringify(events) + error.message + output.join('')).not.toContain('planted');
  });

  it('lets the store refuse a full principal in clear', async () => {
    const error = await failureOf(
      world.deps.store.append('execution#exec-started-by-store', 0, [{ type: 'ExecutionStarted', actor: 'step:record-start', data: { workflow: 'invoice-approval', startedBy: SESSION } }]),
    );
    expect(error).toBeInstanceOf(ValidationFailed);
    expect(error.message).not.toContain('planted');
  });
});
