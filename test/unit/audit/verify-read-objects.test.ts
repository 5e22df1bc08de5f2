import { S3Client } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** readArchiveObject's answers, by key: a text after a delay, or a failure. */
const answers = new Map<string, { delayMs: number; text?: string; error?: Error }>();
vi.mock('../../../lib/audit/archive-reader.js', () => ({
  readArchiveObject: async (_s3: unknown, _bucket: string, key: string) => {
    const answer = answers.get(key) ?? { delayMs: 0, text: key };
    await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    if (answer.error !== undefined) throw answer.error;
    return { key, text: answer.text };
  },
}));
const { readArchiveObjects } = await import('../../../lib/audit/read-archive-objects.js');

const s3 = new S3Client({ region: 'us-east-1' });
const collect = async (keys: string[], concurrency?: number) => {
  const outcomes = [];
  for await (const outcome of readArchiveObjects(s3, 'bucket', keys, concurrency)) outcomes.push(outcome);
  return outcomes;
};

afterEach(() => answers.clear());

describe('readArchiveObjects', () => {
  it('reads several at a time but yields in key order', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `events/k${String(i).padStart(2, '0')}`);
    keys.forEach((key, i) => answers.set(key, { delayMs: (i * 7) % 5, text: `text of ${key}` }));
    const outcomes = await collect(keys, 4);
    expect(outcomes.map((o) => o.key)).toEqual(keys);
    expect(outcomes.every((o) => 'object' in o && o.object.text === `text of ${o.key}`)).toBe(true);
  });

  it('turns a checksum mismatch or a vanished object into an unreadable object, and goes on', async () => {
    answers.set('events/b', { delayMs: 0, error: new Error('Checksum mismatch: expected "abc=" but received "def=" in response header "x-amz-checksum-sha256".') });
    answers.set('events/c', { delayMs: 0, error: Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' }) });
    const outcomes = await collect(['events/a', 'events/b', 'events/c', 'events/d']);
    expect(outcomes).toEqual([
      { key: 'events/a', object: { key: 'events/a', text: 'events/a' } },
      { key: 'events/b', unreadable: 'its bytes do not match the SHA-256 checksum S3 keeps with it since it was written' },
      { key: 'events/c', unreadable: 'it was listed but is gone when read (deleted during the run?)' },
      { key: 'events/d', object: { key: 'events/d', text: 'events/d' } },
    ]);
  });

  it('ends with any other failure, even one that settles while an earlier read is awaited (no unhandled rejection)', async () => {
    answers.set('events/a', { delayMs: 30, text: 'a' });
    answers.set('events/b', { delayMs: 0, error: Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }) });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const outcome of readArchiveObjects(s3, 'bucket', ['events/a', 'events/b', 'events/c'], 3)) seen.push(outcome.key);
      })(),
    ).rejects.toThrow('Access Denied');
    expect(seen).toEqual(['events/a']);
  });
});
