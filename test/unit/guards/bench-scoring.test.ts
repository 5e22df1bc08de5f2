import { describe, expect, it } from 'vitest';
import { presidioCase, scorePii } from '../../../bench/guards/pii-eval.js';
import { syntheticSecretCases } from '../../../bench/guards/secrets-synth.js';
import { bucketOf, splitOf } from '../../../lib/guards-training/split.js';

describe('the guards bench\u2019s scoring', () => {
  it('converts presidio\u2019s code-point offsets to UTF-16 and keeps only our kinds', () => {
    const text = '😀 mail ana@example.org, Ana Lopez';
    const sentence = {
      full_text: text,
      masked: '',
      template_id: 1,
      spans: [
        { entity_type: 'EMAIL_ADDRESS', entity_value: 'ana@example.org', start_position: 7, end_position: 22 },
        { entity_type: 'PERSON', entity_value: 'Ana Lopez', start_position: 24, end_position: 33 },
      ],
    };
    const { expected } = presidioCase(sentence);
    expect(expected).toEqual([{ kind: 'EMAIL', start: 8, end: 23 }]);
    expect(text.slice(8, 23)).toBe('ana@example.org');
  });

  it('counts a found span as correct when it overlaps an expected span of the same kind', () => {
    const cases = [{ text: 'x'.repeat(40), expected: [{ kind: 'PHONE' as const, start: 5, end: 20 }] }];
    const [phone] = scorePii(cases, () => [{ kind: 'PHONE', start: 8, end: 22 }, { kind: 'PHONE', start: 30, end: 35 }], ['PHONE']);
    expect(phone).toMatchObject({ expected: 1, found: 2, recalled: 1, correct: 1, precision: 0.5, recall: 1 });
    const [card] = scorePii(cases, () => [{ kind: 'CARD', start: 5, end: 20 }], ['CARD']);
    expect(card).toMatchObject({ expected: 0, found: 1, correct: 0, precision: 0 });
  });

  it('generates the same secrets from the same seed, and other ones from another', () => {
    expect(syntheticSecretCases(7, 10)).toEqual(syntheticSecretCases(7, 10));
    expect(syntheticSecretCases(7, 10)).not.toEqual(syntheticSecretCases(8, 10));
  });

  it('splits by the text alone, about 70/30', () => {
    expect(splitOf('same text')).toBe(splitOf('same text'));
    const buckets = Array.from({ length: 2_000 }, (_, i) => bucketOf(`row ${i}`));
    const train = buckets.filter((b) => b <= 6).length / buckets.length;
    expect(train).toBeGreaterThan(0.65);
    expect(train).toBeLessThan(0.75);
  });
});
