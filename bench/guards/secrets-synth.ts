import type { PiiSpan } from '../../functions/shared/guards/types.js';
import type { PiiCase } from './pii-eval.js';

/**
 * presidio's synthetic data has no AWS keys, JWTs or private keys, so the bench makes its own:
 * sentences with generated (never real) credentials, and as many distractors of the same shapes
 * that are NOT secrets (hex hashes, UUIDs, unlabelled base64, dotted identifiers), from a fixed
 * seed so every run sees the same set. Made by this bench, not public data: it checks the
 * detectors find what they are built for, it does not measure them against anyone's real text.
 */
export const SECRETS_SEED = 20261203;
export const SECRETS_SENTENCES = 120;

export function syntheticSecretCases(seed = SECRETS_SEED, count = SECRETS_SENTENCES): PiiCase[] {
  const random = mulberry32(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const chars = (alphabet: string, length: number) => Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  const base32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const base64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const base64url = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const accessKeyId = () => pick(['AKIA', 'ASIA']) + chars(base32, 16);
  const secretKey = () => {
    let key = chars(base64, 40);
    // The detector expects the mix a real key has; force it so no generated key is unfair to it.
    key = `${key.slice(0, 37)}a${pick(['B', 'Q'])}${pick(['3', '7'])}`;
    return key;
  };
  const jwt = () => {
    const header = Buffer.from(JSON.stringify({ alg: pick(['HS256', 'RS256', 'ES256']), typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: chars('0123456789', 8), iat: 1_700_000_000 + Math.floor(random() * 1e7) })).toString('base64url');
    return `${header}.${payload}.${chars(base64url, 43)}`;
  };
  const pem = () => {
    const label = pick(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY']);
    const lines = Array.from({ length: 3 + Math.floor(random() * 5) }, () => chars(base64, 64));
    return `-----BEGIN ${label}-----\n${lines.join('\n')}\n${chars(base64, 20)}==\n-----END ${label}-----`;
  };
  const distractor = () =>
    pick([
      () => `commit ${chars('0123456789abcdef', 40)} fixed the build`,
      () => `request id ${chars('0123456789abcdef', 8)}-${chars('0123456789abcdef', 4)}-4${chars('0123456789abcdef', 3)}-a${chars('0123456789abcdef', 3)}-${chars('0123456789abcdef', 12)}`,
      () => `attachment ${chars(base64, 40)} was scanned`,
      () => `see package com.example.${chars('abcdefghij', 6)}.${chars('abcdefghij', 5)} for details`,
      () => `the key id AKIA is a prefix, not a key; order ${chars(base32, 16)}`,
      () => `-----BEGIN CERTIFICATE-----\n${chars(base64, 64)}\n-----END CERTIFICATE-----`,
    ])();
  const cases: PiiCase[] = [];
  for (let i = 0; i < count; i++) {
    const parts: { text: string; kind?: PiiSpan['kind'] }[] = [];
    switch (i % 5) {
      case 0:
        parts.push({ text: 'aws_access_key_id = ' }, { text: accessKeyId(), kind: 'AWS_KEY' }, { text: '\naws_secret_access_key = ' }, { text: secretKey(), kind: 'AWS_KEY' }, { text: '\n' });
        break;
      case 1:
        parts.push({ text: 'The build failed with key ' }, { text: accessKeyId(), kind: 'AWS_KEY' }, { text: ', please rotate it.' });
        break;
      case 2:
        parts.push({ text: 'Authorization: Bearer ' }, { text: jwt(), kind: 'JWT' }, { text: ' was rejected.' });
        break;
      case 3:
        parts.push({ text: 'Here is the deploy key:\n' }, { text: pem(), kind: 'PRIVATE_KEY' }, { text: '\nthanks' });
        break;
      default:
        parts.push({ text: distractor() });
    }
    let text = '';
    const expected: PiiSpan[] = [];
    for (const part of parts) {
      if (part.kind) expected.push({ kind: part.kind, start: text.length, end: text.length + part.text.length });
      text += part.text;
    }
    cases.push({ text, expected });
  }
  return cases;
}

/** A small seeded PRNG (public domain): the same seed gives the same set on every machine. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
