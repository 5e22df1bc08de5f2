import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STREAM_PATTERN } from '../../../../functions/shared/events/event-validation.js';
import {
  MAX_VENDOR_SLUG_CHARS,
  normalizeVendorName,
  VENDOR_ID_PATTERN,
  VENDOR_STREAM_KIND,
  vendorIdOf,
  vendorStreamOf,
} from '../../../../functions/workflows/vendor-bank-details/domain/vendor-id.js';

const sha8 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 8);

describe('vendorIdOf', () => {
  it('is a readable slug and a hash of the normalised name', () => {
    expect(vendorIdOf('Vandelay Industries GmbH')).toBe(`vandelay-industries-gmbh-${sha8('vandelay industries gmbh')}`);
  });

  // Pinned as literals: a change to the id function moves every vendor to a new, empty stream.
  it('is stable across releases', () => {
    expect(vendorIdOf('Vandelay Industries GmbH')).toBe('vandelay-industries-gmbh-d5e2f71a');
    expect(vendorIdOf('Kramerica Industries GmbH')).toBe('kramerica-industries-gmbh-280a3562');
  });

  it('is the same for the same name in another case, spacing or compatibility form', () => {
    const id = vendorIdOf('Vandelay Industries GmbH');
    for (const written of ['VANDELAY INDUSTRIES GMBH', '  vandelay   industries\tgmbh ', 'Ｖａｎｄｅｌａｙ Industries GmbH']) {
      expect(vendorIdOf(written), written).toBe(id);
    }
  });

  it('keeps names apart that slug the same', () => {
    const names = ['Acme Ltd', 'Acme Ltd.', 'Acme-Ltd', 'ACME (Ltd)', 'Acmé Ltd', 'Acme & Ltd'];
    const ids = names.map(vendorIdOf);
    for (const id of ids) expect(id.startsWith('acme-ltd-')).toBe(true);
    expect(new Set(ids).size).toBe(names.length);
  });

  it('drops accents from the slug and keeps them in the hash', () => {
    expect(vendorIdOf('Müller & Söhne GmbH')).toBe(`muller-sohne-gmbh-${sha8('müller & söhne gmbh')}`);
    expect(vendorIdOf('Ésprit Café')).toMatch(/^esprit-cafe-[0-9a-f]{8}$/);
  });

  it('is the hash alone for a name with nothing in a-z or 0-9', () => {
    expect(vendorIdOf('東京商事株式会社')).toBe(sha8('東京商事株式会社'));
    expect(vendorIdOf('---')).toBe(sha8('---'));
  });

  it('cuts the slug at 64 characters, never ending on a dash', () => {
    const id = vendorIdOf(`${'a'.repeat(63)} ${'b'.repeat(100)}`);
    expect(id).toMatch(new RegExp(`^a{63}-[0-9a-f]{8}$`));
    expect(vendorIdOf('x'.repeat(500)).length).toBe(MAX_VENDOR_SLUG_CHARS + 9);
  });

  it('refuses a name that is only whitespace', () => {
    expect(() => vendorIdOf('   ')).toThrow(RangeError);
    expect(() => vendorIdOf('')).toThrow(RangeError);
  });

  it('always matches VENDOR_ID_PATTERN and makes a stream name the event store accepts', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme' }), (name) => {
        fc.pre(name.trim() !== '' && normalizeVendorName(name) !== '');
        const id = vendorIdOf(name);
        expect(id).toMatch(VENDOR_ID_PATTERN);
        expect(id).toMatch(/^[a-z0-9-]+$/);
        expect(vendorStreamOf(name)).toBe(`vendor#${id}`);
        expect(vendorStreamOf(name)).toMatch(STREAM_PATTERN);
      }),
      { numRuns: 2_000 },
    );
  });

  it('has no IAM wildcard or separator in any id', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 100 }), (name) => {
        fc.pre(normalizeVendorName(name) !== '');
        expect(vendorIdOf(name)).not.toMatch(/[*?#/:$\s]/);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('VENDOR_ID_PATTERN', () => {
  it.each(['acme-ltd-0a1b2c3d', '0a1b2c3d', 'a'])('accepts %s', (id) => expect(id).toMatch(VENDOR_ID_PATTERN));
  it.each(['', 'Acme', 'acme--ltd', '-acme', 'acme-', 'acme ltd', 'acme*', 'vendor#acme', 'a'.repeat(74)])('refuses %j', (id) => {
    expect(id).not.toMatch(VENDOR_ID_PATTERN);
  });
});

describe('vendorStreamOf', () => {
  it('is the vendor stream kind and the id', () => {
    expect(VENDOR_STREAM_KIND).toBe('vendor');
    expect(vendorStreamOf('Vandelay Industries GmbH')).toBe(`vendor#vandelay-industries-gmbh-${sha8('vandelay industries gmbh')}`);
  });
});
