import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECORDER_ACTOR } from '../../../functions/record-execution-end/ending.js';
import type { StoredEvent } from '../../../functions/shared/events/event.js';
import { executionState } from '../../../functions/shared/events/fold.js';
import { INVOICE_EXAMPLES as EXAMPLES_FOLDER } from '../../support/examples.js';
import { waitForApprovalLink } from '../../../lib/local/runtime/services/inbox-client.js';
import { inProcessRuntimeOfThisFile } from '../../support/in-process-runtime.js';
import { eventually } from '../../support/local-runtime.js';

/**
 * Endings the state machine's failure path never records, in the whole local runtime: the engine
 * tells execution-events.ts, which invokes the real record-execution-end (found in the synthesized
 * template like every function) with EventBridge's event, and the stream ends on the record.
 */
const local = inProcessRuntimeOfThisFile('wardflow-ends-');

/** The stream once it ends (ExecutionSucceeded or ExecutionFailed), read by signal, with a generous limit. */
function endedStream(name: string): Promise<StoredEvent[]> {
  return eventually(
    async () => {
      const events = await local().reader.execution(`invoice-approval:${name}`); // the execution id steps key the stream by
      return events.some((e) => e.type === 'ExecutionFailed' || e.type === 'ExecutionSucceeded') ? events : undefined;
    },
    `the end of execution ${name} in the event store`,
    60_000,
  );
}

describe('the local runtime records endings the workflow could not', () => {
  it('an input of null (States.Runtime before RecordStart): the empty stream gets ExecutionFailed naming FAILED and the error', async () => {
    const { executionArn } = await local().runtime.engine.startExecution({ stateMachineArn: local().stateMachineArn, name: 'ends-null-input', input: 'null' });
    const described = await local().runtime.engine.waitUntilEnded(executionArn, 60_000);
    expect(described).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });

    const events = await endedStream('ends-null-input');
    expect(events.map((e) => [e.version, e.type, e.actor])).toEqual([[1, 'ExecutionFailed', RECORDER_ACTOR]]);
    expect(events[0]!.data).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(executionState(events).status).toBe('failed');
    // The cause (which names the path expression) is not recorded.
    expect(JSON.stringify(events)).not.toContain('Path expression');
  }, 120_000);

  it('StopExecution while waiting for approval: the stream ends with ExecutionFailed naming ABORTED', async () => {
    const input = readFileSync(join(EXAMPLES_FOLDER, 'invoice-large.json'), 'utf8');
    const { executionArn } = await local().runtime.engine.startExecution({ stateMachineArn: local().stateMachineArn, name: 'ends-stopped', input });
    await waitForApprovalLink(local().runtime.endpoints.endpoints.inbox, 'invoice-approval:ends-stopped', Date.now() + 60_000);
    // The email goes out before request-approval's audit middleware records the request on the execution
    // stream (after the handler returns): on a loaded machine the inbox can be first, so wait for the stream.
    const waiting = await eventually(async () => {
      const { status } = executionState(await local().reader.execution('invoice-approval:ends-stopped'));
      return status === 'waiting-for-approval' ? status : undefined;
    }, 'the execution stream to record that it waits for approval', 60_000);
    expect(waiting).toBe('waiting-for-approval');

    await local().runtime.engine.stopExecution({ executionArn });
    expect((await local().runtime.engine.waitUntilEnded(executionArn, 60_000)).status).toBe('ABORTED');

    const events = await endedStream('ends-stopped');
    const end = events.at(-1)!;
    expect(end).toMatchObject({ type: 'ExecutionFailed', actor: RECORDER_ACTOR, data: { status: 'ABORTED', error: 'ExecutionAborted' } });
    expect(events.filter((e) => e.type === 'ExecutionFailed')).toHaveLength(1);
    expect(events.some((e) => e.type === 'ApprovalRequested')).toBe(true);
    expect(executionState(events)).toMatchObject({ status: 'failed', lastError: 'ExecutionAborted' });
  }, 120_000);
});
