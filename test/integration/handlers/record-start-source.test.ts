import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler as recordStart } from '../../../functions/record-start/handler.js';
import { ValidationFailed } from '../../../functions/shared/errors.js';
import { callStep, captureOutput, exampleInput, failureOf, stubStepEnvironment, undoTestStubs, useHandlerWorld } from './harness.js';

const world = useHandlerWorld();
let output: string[] = [];
beforeEach(() => {
  stubStepEnvironment({ paymentsApiUrl: '' });
  output = captureOutput();
});
afterEach(() => undoTestStubs(world));

describe('record-start: the source label', () => {
  it('refuses a source with an address in it: ValidationFailed naming input.source, no ExecutionStarted, the address nowhere', async () => {
    const address = 'planted.person+source@example.org';
    const { invoiceText } = exampleInput('invoice-small.json');
    const error = await failureOf(callStep(recordStart, 'exec-source-address', { invoiceText, source: `forwarded by ${address}` }));
    expect(error).toBeInstanceOf(ValidationFailed);
    expect((error as ValidationFailed).issues.map((i) => i.path)).toEqual(['input.source']);
    expect(error.message).toContain('input.source');

    const events = await world.executionEvents('exec-source-address');
    expect(events.map((e) => e.type)).toEqual(['ValidationFailed']);
    expect(events[0]!.data).toMatchObject({ step: 'record-start', issues: [{ path: 'input.source' }] });
    expect(JSON.stringify(events)).not.toContain(address);
    expect(output.join('\n')).not.toContain(address);
    expect(error.message).not.toContain(address);
  });

  it('records a label in clear on ExecutionStarted', async () => {
    const { invoiceText } = exampleInput('invoice-small.json');
    expect(await callStep(recordStart, 'exec-source-label', { invoiceText, source: 's3://intake/2026/11/inv-7.pdf' })).toEqual({});
    const [started] = await world.executionEvents('exec-source-label');
    expect(started).toMatchObject({ type: 'ExecutionStarted', data: { workflow: 'invoice-approval', source: 's3://intake/2026/11/inv-7.pdf' } });
  });
});

describe("record-start: the workflow's input schema (WORKFLOW_INPUT_SCHEMA, from the workflow's declaration)", () => {
  it.each([
    ['a missing field', { source: 'upload' }, ['input.invoiceText']],
    ['a field of the wrong type', { invoiceText: 42 }, ['input.invoiceText']],
    ['an empty document', { invoiceText: '' }, ['input.invoiceText']],
    ['a field the workflow does not take', { invoiceText: 'x', sneaky: 'planted-extra-value' }, ['input']],
  ])('refuses %s with ValidationFailed naming the field, and writes no ExecutionStarted', async (what, input, paths) => {
    const executionId = `exec-schema-${what.replace(/[^a-z]+/gi, '-')}`;
    const error = await failureOf(callStep(recordStart, executionId, input));
    expect(error).toBeInstanceOf(ValidationFailed);
    expect((error as ValidationFailed).issues.map((i) => i.path)).toEqual(paths);
    const events = await world.executionEvents(executionId);
    expect(events.map((e) => e.type)).toEqual(['ValidationFailed']);
    expect(JSON.stringify(events) + error.message + output.join('\n')).not.toContain('planted-extra-value');
  });
});

describe('record-start: input marked as real data (classification)', () => {
  it.each([
    ['a dev environment', 'dev'],
    ['an environment that does not say its tier (fail closed)', undefined],
  ])('refuses "real" in %s: ValidationFailed naming input.classification, nothing else written, the document nowhere', async (_, tier) => {
    if (tier !== undefined) vi.stubEnv('ENVIRONMENT_TIER', tier);
    const { invoiceText } = exampleInput('invoice-small.json');
    const executionId = `exec-real-${tier ?? 'unset'}`;
    const error = await failureOf(callStep(recordStart, executionId, { invoiceText, classification: 'real' }));
    expect(error).toBeInstanceOf(ValidationFailed);
    expect((error as ValidationFailed).issues.map((i) => i.path)).toEqual(['input.classification']);
    expect(error.message).toContain('refuses input marked as real data');
    const events = await world.executionEvents(executionId);
    expect(events.map((e) => e.type)).toEqual(['ValidationFailed']);
    expect(JSON.stringify(events) + error.message + output.join('\n')).not.toContain(invoiceText.slice(0, 40));
  });

  it('takes "real" in prod and "synthetic" anywhere, keeping the mark in clear on ExecutionStarted; refuses another word', async () => {
    const { invoiceText } = exampleInput('invoice-small.json');
    vi.stubEnv('ENVIRONMENT_TIER', 'dev');
    expect(await callStep(recordStart, 'exec-synthetic', { invoiceText, classification: 'synthetic' })).toEqual({});
    expect((await world.executionEvents('exec-synthetic'))[0]).toMatchObject({ type: 'ExecutionStarted', data: { classification: 'synthetic' } });
    const other = await failureOf(callStep(recordStart, 'exec-other-word', { invoiceText, classification: 'secret' }));
    expect((other as ValidationFailed).issues.map((i) => i.path)).toEqual(['input.classification']);
    vi.stubEnv('ENVIRONMENT_TIER', 'prod');
    expect(await callStep(recordStart, 'exec-real-prod', { invoiceText, classification: 'real' })).toEqual({});
    expect((await world.executionEvents('exec-real-prod'))[0]).toMatchObject({ type: 'ExecutionStarted', data: { classification: 'real' } });
  });
});
