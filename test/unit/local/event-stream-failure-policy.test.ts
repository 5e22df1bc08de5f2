import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { afterInvocation, type StreamMappingSettings } from '../../../lib/local/runtime/audit-stream/stream-failure-policy.js';

/** Records with sequence numbers 101, 102, ... (only the position matters here). */
function records(count: number): DynamoDBRecord[] {
  return Array.from({ length: count }, (_, i) => ({ dynamodb: { SequenceNumber: String(101 + i) } }));
}

const settings: StreamMappingSettings = { batchSize: 10, maximumRetryAttempts: 2, bisectBatchOnFunctionError: true, reportBatchItemFailures: true };
const failure = (...sequenceNumbers: string[]) => ({ answered: { batchItemFailures: sequenceNumbers.map((itemIdentifier) => ({ itemIdentifier })) } });

describe('afterInvocation: what the event source mapping does after one invocation', () => {
  it('takes a batch without reported failures as archived and sizes the next batch from what is left', () => {
    for (const answered of [{ batchItemFailures: [] }, {}, null, { batchItemFailures: null }]) {
      expect(afterInvocation({ batch: records(4), pending: 30, retries: 1, invocations: 3 }, { answered }, settings)).toEqual({
        archived: 4,
        deadLettered: 0,
        delivering: 10,
        retries: 0,
        invocations: 0,
        backOff: false,
      });
    }
  });

  it('archives the records before the lowest reported failure and retries the rest of the batch from it', () => {
    const next = afterInvocation({ batch: records(6), pending: 6, retries: 0, invocations: 1 }, failure('105', '103'), settings);
    expect(next).toEqual({ archived: 2, deadLettered: 0, delivering: 4, retries: 0, invocations: 0, backOff: false });
  });

  it('ignores reported failures when ReportBatchItemFailures is off, as Lambda does', () => {
    const next = afterInvocation({ batch: records(3), pending: 3, retries: 0, invocations: 1 }, failure('102'), { ...settings, reportBatchItemFailures: false });
    expect(next.archived).toBe(3);
  });

  it('fails the whole batch for an empty or unknown itemIdentifier', () => {
    for (const identifier of ['', '999', null]) {
      const next = afterInvocation(
        { batch: records(1), pending: 1, retries: 0, invocations: 1 },
        { answered: { batchItemFailures: [{ itemIdentifier: identifier }] } },
        settings,
      );
      expect(next).toMatchObject({ archived: 0, deadLettered: 0, retries: 1, backOff: true });
    }
  });

  it('splits a failing batch in two before retrying it, without using a retry', () => {
    expect(afterInvocation({ batch: records(7), pending: 9, retries: 0, invocations: 1 }, { threw: 'S3ServiceException' }, settings)).toEqual({
      archived: 0,
      deadLettered: 0,
      delivering: 4,
      retries: 0,
      invocations: 1,
      backOff: true,
    });
    expect(afterInvocation({ batch: records(4), pending: 9, retries: 0, invocations: 2 }, failure('101'), settings).delivering).toBe(2);
  });

  it('retries a single failing record MaximumRetryAttempts times, then dead-letters it and goes on with the rest', () => {
    let state = { batch: records(1), pending: 5, retries: 0, invocations: 1 };
    const first = afterInvocation(state, failure('101'), settings);
    expect(first).toMatchObject({ deadLettered: 0, delivering: 1, retries: 1, backOff: true });
    state = { ...state, retries: first.retries, invocations: 2 };
    const second = afterInvocation(state, failure('101'), settings);
    expect(second).toMatchObject({ deadLettered: 0, retries: 2 });
    state = { ...state, retries: second.retries, invocations: 3 };
    expect(afterInvocation(state, failure('101'), settings)).toEqual({ archived: 0, deadLettered: 1, delivering: 4, retries: 0, invocations: 0, backOff: false });
  });

  it('without bisect, retries and then dead-letters the whole batch (a thrown error fails every record)', () => {
    const noBisect = { ...settings, bisectBatchOnFunctionError: false, maximumRetryAttempts: 1 };
    const once = afterInvocation({ batch: records(3), pending: 3, retries: 0, invocations: 1 }, { threw: 'Sandbox.Timedout' }, noBisect);
    expect(once).toMatchObject({ deadLettered: 0, delivering: 3, retries: 1 });
    expect(afterInvocation({ batch: records(3), pending: 3, retries: 1, invocations: 2 }, { threw: 'Sandbox.Timedout' }, noBisect)).toMatchObject({
      deadLettered: 3,
      delivering: 0,
    });
  });

  it('never dead-letters with MaximumRetryAttempts -1 (retry until the record expires, which it never does locally)', () => {
    const unlimited = { ...settings, maximumRetryAttempts: -1 };
    expect(afterInvocation({ batch: records(1), pending: 1, retries: 10_000, invocations: 10_001 }, { threw: 'Error' }, unlimited)).toMatchObject({
      deadLettered: 0,
      retries: 10_001,
    });
  });

  it('dead-letters at the first failure with MaximumRetryAttempts 0', () => {
    expect(afterInvocation({ batch: records(1), pending: 2, retries: 0, invocations: 1 }, { threw: 'Error' }, { ...settings, maximumRetryAttempts: 0 })).toMatchObject({
      deadLettered: 1,
      delivering: 1,
    });
  });
});
