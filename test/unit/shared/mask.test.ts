import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { maskEmail, maskEmails, maskJson } from '../../../lib/shared/mask.js';

describe('masking addresses', () => {
  it('keeps the first character and the domain', () => {
    expect(maskEmail('alice@example.com')).toBe('a•••@example.com');
    expect(maskEmails('user:Bob.Smith@corp.example')).toBe('user:B•••@corp.example');
    expect(maskEmails('approvers a@x.io, carol@y.org')).toBe('approvers a•••@x.io, c•••@y.org');
    expect(maskEmails('no address here')).toBe('no address here');
  });

  it('masks inside any JSON value, keys included', () => {
    expect(maskJson({ approvers: ['dana@example.org'], nested: { 'eve@example.org': 'actor user:eve@example.org' }, n: 1 })).toEqual({
      approvers: ['d•••@example.org'],
      nested: { 'e•••@example.org': 'actor user:e•••@example.org' },
      n: 1,
    });
  });

  it('never leaves an address whole, wherever it sits in a text', () => {
    const address = fc.tuple(fc.stringMatching(/^[a-z0-9._%+-]{2,20}$/), fc.stringMatching(/^[a-z0-9-]{1,15}\.[a-z]{2,6}$/)).map(([local, domain]) => `${local}@${domain}`);
    fc.assert(
      fc.property(address, fc.constantFrom('', 'user:', 'to ', '<', '['), fc.constantFrom('', ' ', '>', ',', ']'), (email, before, after) => {
        const masked = maskEmails(`${before}${email}${after}`);
        expect(masked).not.toContain(email);
        expect(masked).toContain(`•••@${email.split('@')[1]}`);
      }),
      { numRuns: 2000 },
    );
  });
});
