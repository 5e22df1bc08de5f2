import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findPii, redactPii, restorePlaceholders } from '../../../functions/shared/guards/pii.js';
import { type PiiKind, type PiiSpan, PII_KINDS } from '../../../functions/shared/guards/types.js';
import { naughtyStrings } from '../../support/datasets.js';

/** A text built from plain parts and [kind, value] parts, with the spans the values must be found at. */
function textWith(...parts: (string | [PiiKind, string])[]): { text: string; expected: PiiSpan[] } {
  let text = '';
  const expected: PiiSpan[] = [];
  for (const part of parts) {
    if (typeof part === 'string') text += part;
    else {
      expected.push({ kind: part[0], start: text.length, end: text.length + part[1].length });
      text += part[1];
    }
  }
  return { text, expected };
}

const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n-----END RSA PRIVATE KEY-----';

describe('findPii: each kind, at its exact UTF-16 offsets', () => {
  it.each<[string, ReturnType<typeof textWith>]>([
    ['an e-mail address', textWith('Write to ', ['EMAIL', 'ana.lopez+inv@example.co.uk'], ' today.')],
    ['an international phone number', textWith('Call ', ['PHONE', '+41 (0)62 585 51 90'], ' now')],
    ['a US phone number', textWith('Desk: ', ['PHONE', '(602)272-9781'], '\n')],
    ['a UK mobile number', textWith('mobile ', ['PHONE', '07700 900 123'], '.')],
    ['a card number in groups', textWith('card ', ['CARD', '4111 1111 1111 1111'], ' cvv 123')],
    ['a card number in one run', textWith('Amex ', ['CARD', '378282246310005'], '')],
    ['an IBAN in groups', textWith('IBAN ', ['IBAN', 'GB82 WEST 1234 5698 7654 32'], ' and more words')],
    ['a compact IBAN', textWith('pay to ', ['IBAN', 'DE89370400440532013000'], '.')],
    ['a US SSN', textWith('SSN ', ['NATIONAL_ID', '123-45-6789'], '.')],
    ['a UK National Insurance number', textWith('NINO ', ['NATIONAL_ID', 'AB 12 34 56 C'], '.')],
    ['an IPv4 address', textWith('from ', ['IP', '203.0.113.42'], ' at noon')],
    ['an IPv6 address', textWith('from ', ['IP', '2001:db8::8a2e:370:7334'], ' at noon')],
    ['an AWS access key id and its secret', textWith('key ', ['AWS_KEY', 'AKIAIOSFODNN7EXAMPLE'], ' secret ', ['AWS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'], '.')],
    ['a labelled AWS secret access key alone', textWith('aws_secret_access_key = ', ['AWS_KEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'], '\n')],
    ['a JWT', textWith('Bearer ', ['JWT', JWT], ' expired')],
    ['a PEM private key', textWith('key:\n', ['PRIVATE_KEY', PEM], '\nbye')],
    ['offsets after characters outside the BMP', textWith('😀😀 é ', ['EMAIL', 'a@example.org'], ' 😀')],
  ])('%s', (_what, { text, expected }) => {
    expect(findPii(text)).toEqual(expected);
  });

  it('finds nothing in ordinary numbers and words that only look similar', () => {
    const text = 'Order 2024-01-02, total 1234.56, version 1.2.3, SKU 4111111111111112, std::vector, 10:30:00, GB83WEST12345698765432, AKIA is a prefix.';
    expect(findPii(text)).toEqual([]);
  });

  it('does not take a 40-character secret without a key id or a label nearby', () => {
    expect(findPii('attachment wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY was scanned')).toEqual([]);
  });

  it('does not take a JWT-shaped token whose header is not JSON with alg', () => {
    const header = Buffer.from('{"typ":"JWT"}').toString('base64url');
    expect(findPii(`token ${header}.eyJzdWIiOiIxIn0.c2ln`)).toEqual([]);
  });

  it('reports a phone number that overlaps a card number as the card, and narrows by kind without relabelling', () => {
    const text = 'card 4111 1111 1111 1111';
    expect(findPii(text).map((s) => s.kind)).toEqual(['CARD']);
    expect(findPii(text, ['PHONE'])).toEqual([]);
  });

  it('returns spans in order, without overlaps, inside the text', () => {
    const { text } = textWith('a@b.io 203.0.113.1 +1-604-696-5272 GB82WEST12345698765432 ', ['JWT', JWT]);
    const spans = findPii(text);
    expect(spans.length).toBe(5);
    spans.forEach((span, i) => {
      expect(span.start).toBeLessThan(span.end);
      if (i > 0) expect(span.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
    });
  });
});

describe('redactPii and restorePlaceholders', () => {
  it('replaces each value with a typed placeholder, the same value with the same one', () => {
    const redaction = redactPii('ana@example.org wrote to bo@example.org, cc ana@example.org, card 4111111111111111');
    expect(redaction.text).toBe('[EMAIL_1] wrote to [EMAIL_2], cc [EMAIL_1], card [CARD_1]');
    expect(redaction.originals).toEqual({ '[EMAIL_1]': 'ana@example.org', '[EMAIL_2]': 'bo@example.org', '[CARD_1]': '4111111111111111' });
  });

  it('skips a placeholder the text already contains, so restoring cannot turn the author\u2019s text into data', () => {
    const redaction = redactPii('literal [EMAIL_1] and ana@example.org');
    expect(redaction.text).toBe('literal [EMAIL_1] and [EMAIL_2]');
    expect(restorePlaceholders(redaction.text, redaction.originals)).toBe('literal [EMAIL_1] and ana@example.org');
  });

  it('restores only the kinds asked for', () => {
    const redaction = redactPii('ana@example.org 4111111111111111');
    expect(restorePlaceholders(redaction.text, redaction.originals, ['EMAIL'])).toBe('ana@example.org [CARD_1]');
  });

  const piiValues = ['ana@example.org', '+41 (0)62 585 51 90', '4111 1111 1111 1111', 'GB82 WEST 1234 5698 7654 32', '123-45-6789', 'AB123456C', '203.0.113.42', '2001:db8::1', 'AKIAIOSFODNN7EXAMPLE', JWT, PEM, '[EMAIL_1]', '[PHONE_2]'];
  it('redact then restore gives back the original text, for any mix of text and PII of every kind (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary' }), fc.constantFrom(...piiValues), fc.constantFrom(' ', '\n', ', ')), { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        const redaction = redactPii(text);
        expect(restorePlaceholders(redaction.text, redaction.originals)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves none of the values in the redacted text when they stand apart (property)', () => {
    const secrets = piiValues.filter((value) => !value.startsWith('['));
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...secrets), { minLength: 1, maxLength: 8 }), fc.constantFrom(' | ', '\n', '; '), (values, separator) => {
        const redacted = redactPii(`start${separator}${values.join(separator)}${separator}end`).text;
        for (const value of values) expect(redacted).not.toContain(value);
      }),
      { numRuns: 200 },
    );
  });
});

describe('findPii never throws and stays linear', () => {
  it('on any string (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
        const spans = findPii(text);
        for (const span of spans) {
          expect(PII_KINDS).toContain(span.kind);
          expect(span.start).toBeGreaterThanOrEqual(0);
          expect(span.end).toBeLessThanOrEqual(text.length);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('on every string of the Big List of Naughty Strings', () => {
    for (const text of naughtyStrings()) expect(() => redactPii(text)).not.toThrow();
  });

  it('on long inputs made of the patterns\u2019 own pieces, which would take hours with a backtracking pattern (property)', () => {
    const pieces = ['a', 'A', '1', '9', '.', '@', '-', ' ', ':', '+', '(', ')', '/', '=', 'x', 'AKIA', 'eyJ', 'GB82', '-----BEGIN PRIVATE KEY-----', '\n', '_', 'f'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 8 }), fc.integer({ min: 2_000, max: 20_000 }), (unit, repeats) => {
        const text = unit.join('').repeat(Math.ceil(repeats / unit.join('').length));
        expect(Array.isArray(findPii(text))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    ['a run of e-mail characters with no @', 'a.'.repeat(100_000)],
    ['digits and spaces', '1 '.repeat(100_000)],
    ['digits and dashes', '12-'.repeat(70_000)],
    ['hex and colons', 'ab:'.repeat(70_000)],
    ['base64 without an end', 'eyJ'.repeat(70_000)],
    ['BEGIN lines without END', '-----BEGIN PRIVATE KEY-----\n'.repeat(5_000)],
    ['letters then digits', 'GB82'.repeat(50_000)],
  ])('on 200 KB of %s', (_what, text) => {
    expect(Array.isArray(findPii(text))).toBe(true);
  });
});
