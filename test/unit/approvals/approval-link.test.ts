import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  approvalLinkUrl,
  encodeLink,
  linkExpiry,
  linkMessage,
  MAC_BYTES,
  MAX_APPROVER_INDEX,
  parseLink,
  signApprovalLink,
  verifyApprovalLink,
  type LinkClaims,
} from '../../../functions/shared/approvals/approval-link.js';
import { HmacLinkSigner } from '../../../functions/shared/approvals/link-signer.js';
import { naughtyStrings } from '../../support/datasets.js';

/**
 * Approval links: a round trip keeps the claims, and any change to the link text (claims or
 * MAC) is refused by a real HMAC. The signer is the in-process HMAC stand-in for KMS, so
 * the MAC check here is as strict as KMS VerifyMac's.
 */
const KEY = Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + 3) % 256);
const signer = new HmacLinkSigner(KEY);
const naughty = naughtyStrings();

const claimsArb: fc.Arbitrary<LinkClaims> = fc.record({
  approvalId: fc.stringMatching(/^[A-Za-z0-9_:-]{1,100}$/),
  approverIndex: fc.integer({ min: 0, max: MAX_APPROVER_INDEX }),
  expiresAt: fc.integer({ min: 0, max: 253_402_300_799 }),
});
const BEFORE_ANY_EXPIRY = new Date(-1000);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/%';
const sample: LinkClaims = { approvalId: 'exec-42-1', approverIndex: 0, expiresAt: 1_796_201_940 };

describe('approval link round trip', () => {
  it('parses back to the claims it was signed with, and verifies before its expiry', async () => {
    await fc.assert(
      fc.asyncProperty(claimsArb, async (claims) => {
        const link = await signApprovalLink(claims, signer);
        const parsed = parseLink(link);
        expect(parsed).toMatchObject({ ok: true, claims });
        expect(await verifyApprovalLink(link, signer, BEFORE_ANY_EXPIRY)).toEqual({ ok: true, claims });
      }),
      { numRuns: 300 },
    );
  });

  it('is URL-safe and carries no address: only base64url and one dot', async () => {
    const link = await signApprovalLink(sample, signer);
    expect(link).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(JSON.parse(Buffer.from(link.split('.')[0]!, 'base64url').toString('utf8'))).toEqual({ v: 1, a: 'exec-42-1', i: 0, e: 1_796_201_940 });
    expect(approvalLinkUrl('http://127.0.0.1:7700/', link)).toBe(`http://127.0.0.1:7700/approvals/${link}`);
  });
});

describe('a changed link', () => {
  it('fails verification when any one character of the payload or the MAC is changed', async () => {
    await fc.assert(
      fc.asyncProperty(claimsArb, fc.nat(), fc.constantFrom(...ALPHABET), async (claims, at, replacement) => {
        const link = await signApprovalLink(claims, signer);
        const position = at % link.length;
        fc.pre(link[position] !== replacement);
        const changed = link.slice(0, position) + replacement + link.slice(position + 1);
        const check = await verifyApprovalLink(changed, signer, BEFORE_ANY_EXPIRY);
        expect(check.ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('fails verification when any byte of the decoded claims or MAC is changed and re-encoded', async () => {
    await fc.assert(
      fc.asyncProperty(claimsArb, fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 255 }), async (claims, inPayload, at, flip) => {
        const [payload, mac] = (await signApprovalLink(claims, signer)).split('.') as [string, string];
        const bytes = Buffer.from(inPayload ? payload : mac, 'base64url');
        bytes[at % bytes.length]! ^= flip;
        const changed = inPayload ? `${bytes.toString('base64url')}.${mac}` : `${payload}.${bytes.toString('base64url')}`;
        const check = await verifyApprovalLink(changed, signer, BEFORE_ANY_EXPIRY);
        expect(check.ok).toBe(false);
        // A readable change in the claims is a forgery; unreadable ones are malformed. Never expired or ok.
        expect(['forged', 'malformed']).toContain(check.ok ? 'ok' : check.problem);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses another key, truncation, extension, and non-canonical text that spells the same claims', async () => {
    const link = await signApprovalLink(sample, signer);
    const other = new HmacLinkSigner(Uint8Array.from(KEY, (b) => b ^ 1));
    expect(await verifyApprovalLink(link, other, BEFORE_ANY_EXPIRY)).toEqual({ ok: false, problem: 'forged' });
    expect((await verifyApprovalLink(link.slice(0, -1), signer, BEFORE_ANY_EXPIRY)).ok).toBe(false);
    expect((await verifyApprovalLink(`${link}A`, signer, BEFORE_ANY_EXPIRY)).ok).toBe(false);
    expect((await verifyApprovalLink(`${link}.x`, signer, BEFORE_ANY_EXPIRY)).ok).toBe(false);

    const mac = link.split('.')[1]!;
    for (const json of [
      '{ "v":1,"a":"exec-42-1","i":0,"e":1796201940}',
      '{"a":"exec-42-1","v":1,"i":0,"e":1796201940}',
      '{"v":1,"a":"exec\\u002d42-1","i":0,"e":1796201940}',
      '{"v":1,"a":"exec-42-1","i":0,"e":1796201940,"x":1}',
      '{"v":1,"a":"exec-42-1","i":0.0,"e":1796201940}',
    ]) {
      expect(parseLink(`${Buffer.from(json).toString('base64url')}.${mac}`), json).toEqual({ ok: false, reason: 'claims' });
    }
    // Padding is not canonical base64url either.
    expect(parseLink(`${link.split('.')[0]}=.${mac}`)).toEqual({ ok: false, reason: 'encoding' });
  });

  it('is domain-separated: a MAC over the claims JSON itself does not verify', async () => {
    const payload = Buffer.from(JSON.stringify({ v: 1, a: sample.approvalId, i: 0, e: sample.expiresAt }));
    const macOverJson = await signer.sign(payload);
    const forged = `${payload.toString('base64url')}.${Buffer.from(macOverJson).toString('base64url')}`;
    expect(await verifyApprovalLink(forged, signer, BEFORE_ANY_EXPIRY)).toEqual({ ok: false, problem: 'forged' });
    expect(new TextDecoder().decode(linkMessage(sample))).toBe('wardflow/approval-link/v1\nexec-42-1\n0\n1796201940');
  });
});

describe('expiry', () => {
  it('expires at the claimed second exactly, and only a genuine link is called expired', async () => {
    const link = await signApprovalLink(sample, signer);
    expect((await verifyApprovalLink(link, signer, new Date(sample.expiresAt * 1000 - 1))).ok).toBe(true);
    expect(await verifyApprovalLink(link, signer, new Date(sample.expiresAt * 1000))).toEqual({ ok: false, problem: 'expired', claims: sample });
    const other = new HmacLinkSigner(new Uint8Array(32).fill(9));
    expect(await verifyApprovalLink(link, other, new Date(sample.expiresAt * 1000 + 1))).toEqual({ ok: false, problem: 'forged' });
  });

  it('rounds the approval expiry down to whole seconds, so a link never outlives its approval', () => {
    expect(linkExpiry('2026-12-02T08:59:00.999Z')).toBe(Date.parse('2026-12-02T08:59:00.000Z') / 1000);
    expect(() => linkExpiry('not a date')).toThrow(RangeError);
  });
});

describe('parseLink on garbage', () => {
  it('never throws on naughty strings or random values, and reads none of them as a link', async () => {
    for (const value of naughty) expect(parseLink(value).ok).toBe(false);
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), fc.stringMatching(/^[A-Za-z0-9_-]{0,80}\.[A-Za-z0-9_-]{0,60}$/)), (value) => {
        expect(parseLink(value).ok).toBe(false);
      }),
      { numRuns: 2000 },
    );
    expect(parseLink('x'.repeat(10_000))).toEqual({ ok: false, reason: 'too-long' });
    expect(await verifyApprovalLink(undefined, signer, BEFORE_ANY_EXPIRY)).toEqual({ ok: false, problem: 'malformed', reason: 'not-a-string' });
  });

  it('refuses claims out of range when encoding (a caller bug), and MACs of the wrong length', () => {
    const mac = new Uint8Array(MAC_BYTES);
    expect(() => encodeLink({ ...sample, approvalId: 'has space' }, mac)).toThrow(RangeError);
    expect(() => encodeLink({ ...sample, approverIndex: MAX_APPROVER_INDEX + 1 }, mac)).toThrow(RangeError);
    expect(() => encodeLink(sample, new Uint8Array(31))).toThrow(RangeError);
    const short = `${encodeLink(sample, mac).split('.')[0]}.${Buffer.alloc(16).toString('base64url')}`;
    expect(parseLink(short)).toEqual({ ok: false, reason: 'mac-length' });
  });
});

describe('level links (policy gates)', () => {
  const levelClaims: fc.Arbitrary<LinkClaims> = fc.record({
    approvalId: fc.stringMatching(/^[A-Za-z0-9_:-]{1,100}$/),
    approverIndex: fc.integer({ min: 0, max: MAX_APPROVER_INDEX }),
    expiresAt: fc.integer({ min: 0, max: 253_402_300_799 }),
    level: fc.integer({ min: 0, max: 4 }),
  });

  it('round-trips the level and verifies', async () => {
    await fc.assert(
      fc.asyncProperty(levelClaims, async (claims) => {
        const link = await signApprovalLink(claims, signer);
        const check = await verifyApprovalLink(link, signer, BEFORE_ANY_EXPIRY);
        expect(check).toEqual({ ok: true, claims });
      }),
      { numRuns: 200 },
    );
  });

  it('signs a level into another message than the same claims without one, so a level cannot be added, dropped or changed', async () => {
    const withLevel = { ...sample, level: 1 };
    expect(Buffer.from(linkMessage(withLevel)).equals(Buffer.from(linkMessage(sample)))).toBe(false);
    const levelLink = await signApprovalLink(withLevel, signer);
    const plainLink = await signApprovalLink(sample, signer);
    const [, levelMac] = levelLink.split('.');
    const [, plainMac] = plainLink.split('.');
    // Claims of one kind with the MAC of the other: refused as forged both ways.
    const plainClaimsLevelMac = `${plainLink.split('.')[0]}.${levelMac}`;
    const levelClaimsPlainMac = `${levelLink.split('.')[0]}.${plainMac}`;
    expect(await verifyApprovalLink(plainClaimsLevelMac, signer, BEFORE_ANY_EXPIRY)).toEqual({ ok: false, problem: 'forged' });
    expect(await verifyApprovalLink(levelClaimsPlainMac, signer, BEFORE_ANY_EXPIRY)).toEqual({ ok: false, problem: 'forged' });
    const otherLevel = await signApprovalLink({ ...sample, level: 2 }, signer);
    const movedLevel = `${otherLevel.split('.')[0]}.${levelMac}`;
    expect(await verifyApprovalLink(movedLevel, signer, BEFORE_ANY_EXPIRY)).toEqual({ ok: false, problem: 'forged' });
  });

  it('refuses a level out of range, and a level in a version 1 link', () => {
    const mac = new Uint8Array(MAC_BYTES);
    const encode = (claims: object) => `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${Buffer.from(mac).toString('base64url')}`;
    expect(parseLink(encode({ v: 2, a: 'exec-42-1', i: 0, e: 1, l: 5 }))).toEqual({ ok: false, reason: 'claims' });
    expect(parseLink(encode({ v: 1, a: 'exec-42-1', i: 0, e: 1, l: 0 }))).toEqual({ ok: false, reason: 'claims' });
    expect(parseLink(encode({ v: 2, a: 'exec-42-1', i: 0, e: 1 }))).toEqual({ ok: false, reason: 'claims' });
    expect(parseLink(encode({ v: 2, a: 'exec-42-1', i: 0, e: 1, l: 0 })).ok).toBe(true);
    expect(() => encodeLink({ ...sample, level: 7 }, mac)).toThrow(RangeError);
  });
});
