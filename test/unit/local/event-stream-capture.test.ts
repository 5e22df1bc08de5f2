import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { toItem } from '../../../functions/shared/events/dynamodb-item.js';
import { selectBatch } from '../../../lib/local/runtime/audit-stream/stream-capture.js';
import { insertRecord, localStreamIdentity } from '../../../lib/local/runtime/audit-stream/stream-records.js';
import { validStream } from '../events/event-fixtures.js';

type Item = Record<string, AttributeValue>;

function item(stream: string, version: number, time: string): Item {
  return { stream: { S: stream }, version: { N: String(version) }, time: { S: time } };
}

const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();
const keyOf = (i: Item) => `${i.stream?.S} v${i.version?.N}`;
const NOW = new Date(Date.UTC(2026, 0, 2));

describe('selectBatch: the next items for stream records', () => {
  it('keeps each stream in version order and merges streams by time, then stream name', () => {
    const fresh = new Map([
      ['execution#b', [item('execution#b', 1, at(1)), item('execution#b', 2, at(5))]],
      ['execution#a', [item('execution#a', 3, at(2)), item('execution#a', 4, at(1))]], // v4's clock went back: still after v3
      ['approval#c', [item('approval#c', 1, at(1))]],
    ]);
    const { items, deferred } = selectBatch(fresh, { 'execution#a': 2 }, new Set(), 100, NOW);
    expect(items.map(keyOf)).toEqual(['approval#c v1', 'execution#b v1', 'execution#a v3', 'execution#a v4', 'execution#b v2']);
    expect(deferred).toBe(false);
  });

  it('takes at most batchSize items', () => {
    const fresh = new Map([['execution#a', [1, 2, 3, 4].map((v) => item('execution#a', v, at(v)))]]);
    expect(selectBatch(fresh, {}, new Set(), 3, NOW).items.map(keyOf)).toEqual(['execution#a v1', 'execution#a v2', 'execution#a v3']);
  });

  it('leaves versions above a gap for the next scan, and takes them when that scan sees the same gap', () => {
    const fresh = new Map([['execution#a', [item('execution#a', 1, at(1)), item('execution#a', 3, at(3))]]]);
    const first = selectBatch(fresh, {}, new Set(), 100, NOW);
    expect(first.items.map(keyOf)).toEqual(['execution#a v1']);
    expect(first.deferred).toBe(true);

    const second = selectBatch(new Map([['execution#a', [item('execution#a', 3, at(3))]]]), { 'execution#a': 1 }, first.gaps, 100, NOW);
    expect(second.items.map(keyOf)).toEqual(['execution#a v3']);
    expect(second.deferred).toBe(false);
  });

  it('does not take a gap another scan saw at another place', () => {
    const fresh = new Map([['execution#a', [item('execution#a', 5, at(5))]]]);
    const { items, deferred } = selectBatch(fresh, { 'execution#a': 3 }, new Set(['execution#a@3>5']), 100, NOW);
    expect(items).toEqual([]);
    expect(deferred).toBe(true);
  });
});

describe('insertRecord: a table item as DynamoDB Streams carries it', () => {
  it('has every field Lambda sends, the item untouched as NewImage, and a 21-digit sequence number', async () => {
    const [event] = await validStream(1);
    const stored = toItem(event!);
    const identity = localStreamIdentity({ region: 'us-east-1', account: '000000000000', table: 'wardflow-local-events', createdAt: new Date('2026-03-01T10:20:30.456Z') });
    const record = insertRecord(stored, { identity, region: 'us-east-1', sequenceNumber: 100_000_000_000_000_000_007n, capturedAt: NOW });
    expect(record).toEqual({
      eventID: expect.stringMatching(/^[0-9a-f]{32}$/),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/wardflow-local-events/stream/2026-03-01T10:20:30.456',
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.parse(event!.time) / 1000),
        Keys: { stream: stored.stream, version: stored.version },
        NewImage: stored,
        SequenceNumber: '100000000000000000007',
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_IMAGE',
      },
    });
    expect(record.dynamodb.SizeBytes).toBeGreaterThan(Buffer.byteLength(event!.hash));
    expect(identity.shardId).toMatch(/^shardId-\d{20}-[0-9a-f]{8}$/);
  });

  it('gives an item without a readable time the capture time', () => {
    const identity = localStreamIdentity({ region: 'us-east-1', account: '000000000000', table: 't', createdAt: NOW });
    const record = insertRecord({ stream: { S: 'execution#x' }, version: { N: '1' } }, { identity, region: 'us-east-1', sequenceNumber: 1n, capturedAt: NOW });
    expect(record.dynamodb.ApproximateCreationDateTime).toBe(NOW.getTime() / 1000);
  });
});
