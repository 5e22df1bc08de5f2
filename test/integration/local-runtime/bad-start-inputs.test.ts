import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../functions/shared/events/event.js';
import { inProcessRuntimeOfThisFile } from '../../support/in-process-runtime.js';
import { eventually } from '../../support/local-runtime.js';

/**
 * Issue 12: every bad start ends on the record. Input that is not an object, nested too deep or
 * not valid for the workflow reaches RecordStart, which records ValidationFailed; the failure
 * path then records ExecutionFailed. Input the engine cannot run (over 256 KB, over 1,000 levels)
 * is refused at StartExecution with a reason, so no execution exists to record. `null` is covered
 * by execution-ends.test.ts (it fails before RecordStart; record-execution-end records it).
 */
const local = inProcessRuntimeOfThisFile('wardflow-bad-starts-');

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

const RECORDED: Array<[string, string, string]> = [
  ['a JSON string', '"an invoice"', 'input'],
  ['a number', '42', 'input'],
  ['an array', '[{"invoiceText":"x"}]', 'input'],
  ['an object without invoiceText', '{"source":"mail"}', 'input.invoiceText'],
  ['an object nested 65 levels deep', `{"invoiceText":"Invoice 1","extra":${nested(64)}}`, 'input'],
  ['an object nested 900 levels deep', `{"invoiceText":"Invoice 1","extra":${nested(899)}}`, 'input'],
  // The local runtime is dev: it refuses input marked as real data (issue 15).
  ['an input marked as real data', '{"invoiceText":"Invoice 1","classification":"real"}', 'input.classification'],
];

describe('a bad start input', { timeout: 240_000 }, () => {
  it.each(RECORDED)('%s ends FAILED with ValidationFailed and ExecutionFailed on the record', async (label, input, path) => {
    const name = `bad-${label.replace(/[^a-z0-9]+/gi, '-')}`;
    const { executionArn } = await local().runtime.engine.startExecution({ stateMachineArn: local().stateMachineArn, name, input });
    expect(await local().runtime.engine.waitUntilEnded(executionArn, 120_000)).toMatchObject({ status: 'FAILED', error: 'ValidationFailed' });
    const events = await eventually<StoredEvent[]>(
      async () => {
        const stream = await local().reader.execution(`invoice-approval:${name}`);
        return stream.some((e) => e.type === 'ExecutionFailed') ? stream : undefined;
      },
      `ExecutionFailed of ${name}`,
      120_000,
    );
    // RecordStart's refusal, then RecordFailure's ending (and that step's own StepSucceeded).
    expect(events.map((e) => e.type).slice(0, 2)).toEqual(['ValidationFailed', 'ExecutionFailed']);
    const issues = (events[0]!.data as { issues: Array<{ path: string }> }).issues;
    expect(issues.map((issue) => issue.path)).toContain(path);
  });

  it('over 256 KB or deeper than the engine can run is refused at StartExecution, naming why', async () => {
    const large = JSON.stringify({ invoiceText: 'x'.repeat(300 * 1024) });
    await expect(local().runtime.engine.startExecution({ stateMachineArn: local().stateMachineArn, name: 'bad-large', input: large })).rejects.toMatchObject({
      name: 'InvalidExecutionInput',
      message: 'The input is larger than 256 KB.',
    });
    const deep = `{"invoiceText":"x","d":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    await expect(local().runtime.engine.startExecution({ stateMachineArn: local().stateMachineArn, name: 'bad-deep', input: deep })).rejects.toMatchObject({
      name: 'InvalidExecutionInput',
      message: 'The input is nested deeper than 1000 levels.',
    });
    await expect(local().runtime.engine.describeExecution({ executionArn: `${local().stateMachineArn.replace(':stateMachine:', ':execution:')}:bad-deep` })).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
    });
  });
});
