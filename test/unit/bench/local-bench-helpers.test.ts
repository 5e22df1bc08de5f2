import { describe, expect, it } from 'vitest';
import { coveredMs } from '../../../bench/local/approval-probe.js';
import { archivedEvents } from '../../../bench/local/archive-watch.js';
import { parseLocalBenchArgs } from '../../../bench/local/options.js';
import { itemBytes } from '../../../bench/local/raw-puts.js';
import { percentile, perUnit, summarize } from '../../../bench/local/stats.js';

const pad = (n: number) => String(n).padStart(40, '0');

describe('bench:local options', () => {
  it('defaults to the issue numbers: 10,000 executions, lag at 1,000 and 10,000, RSS to 20,000', () => {
    const options = parseLocalBenchArgs([]);
    expect(options).toMatchObject({ json: false, executions: 10_000, lagAt: [1000, 10_000], rssAt: [1000, 10_000, 20_000], concurrency: 40, approvals: 100 });
  });

  it('scales the checkpoints with --executions and reads --flag=value', () => {
    const options = parseLocalBenchArgs(['--executions', '300', '--rss-to=0', '--json']);
    expect(options).toMatchObject({ json: true, executions: 300, lagAt: [30, 300], rssAt: [30, 300] });
  });

  it('refuses what it does not know, with the usage', () => {
    expect(() => parseLocalBenchArgs(['--executoins', '3'])).toThrow(/unknown argument --executoins[\s\S]*usage/);
    expect(() => parseLocalBenchArgs(['--executions', 'many'])).toThrow(/whole number/);
    expect(() => parseLocalBenchArgs(['--puts'])).toThrow(/whole number, not nothing/);
  });
});

describe('bench:local statistics', () => {
  it('takes nearest-rank percentiles: p99 of 100 values is the second slowest', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(summarize([12, 30, 18])).toEqual({ n: 3, p50: 18, p99: 30, max: 30 });
    expect(summarize([]).p50).toBeNaN();
  });

  it('divides counts per execution, sorted by name', () => {
    expect(Object.entries(perUnit({ Query: 40, PutItem: 120 }, 10))).toEqual([
      ['PutItem', 12],
      ['Query', 4],
    ]);
  });
});

describe('bench:local probes', () => {
  it('counts the events of an archive object from its key, and nothing else', () => {
    expect(archivedEvents(`/wardflow-local-audit/events/2026/11/26/10/20261126T101500Z-${pad(101)}-${pad(187)}.json?x-id=PutObject`)).toBe(87);
    expect(archivedEvents(`/wardflow-local-audit/events/2026/11/26/10/20261126T101500Z-${pad(5)}-${pad(5)}.json`)).toBe(1);
    expect(archivedEvents('/wardflow-local-audit/something-else.json')).toBe(0);
  });

  it('measures the union of request intervals', () => {
    expect(coveredMs([])).toBe(0);
    expect(
      coveredMs([
        { startedAt: 20, finishedAt: 21 },
        { startedAt: 0, finishedAt: 10 },
        { startedAt: 5, finishedAt: 12 },
      ]),
    ).toBe(13);
  });

  it('sizes an item as DynamoDB does, closely enough', () => {
    expect(itemBytes({ stream: { S: 'execution#a' }, version: { N: '1' } })).toBe(25);
  });
});
