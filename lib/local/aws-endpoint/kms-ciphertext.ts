import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The local KMS's ciphertext blob (our own format; AWS's is opaque and undocumented):
 *
 *   'WK' | version 0x01 | key id (16 bytes, the UUID) | IV (12) | GCM tag (16) | AES-256-GCM ciphertext
 *
 * The additional authenticated data is the blob's header (magic, version, key id) followed by
 * the canonical encryption context, so a changed key id, a changed context or any altered
 * byte fails to open, exactly as KMS refuses a Decrypt whose context differs from Encrypt's.
 */
const MAGIC = Buffer.from('WK', 'latin1');
const VERSION = 0x01;
const KEY_ID_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.byteLength + 1 + KEY_ID_BYTES;
const MIN_BLOB_BYTES = HEADER_BYTES + IV_BYTES + TAG_BYTES + 1;

/** Why a blob could not be opened; the caller maps both to InvalidCiphertextException. */
export type BlobOpenFailure = 'malformed' | 'unauthentic';

/**
 * The encryption context in one unambiguous form: entries sorted by key, as JSON pairs.
 * (Concatenating keys and values would let {"ab":"c"} and {"a":"bc"} collide.)
 *
 * @example
 * canonicalContext({ b: '2', a: '1' }).toString(); // '[["a","1"],["b","2"]]'
 */
export function canonicalContext(context: Readonly<Record<string, string>>): Buffer {
  const entries = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(entries), 'utf8');
}

/**
 * Encrypts `plaintext` under `material` for the key `keyId` (a UUID), bound to `context`.
 *
 * @example
 * const blob = sealBlob({ keyId, material, plaintext: Buffer.from('hi'), context: { stream: 'a' } });
 */
export function sealBlob(input: { keyId: string; material: Buffer; plaintext: Buffer; context: Readonly<Record<string, string>> }): Buffer {
  const header = Buffer.concat([MAGIC, Buffer.of(VERSION), uuidBytes(input.keyId)]);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', input.material, iv);
  cipher.setAAD(Buffer.concat([header, canonicalContext(input.context)]));
  const ciphertext = Buffer.concat([cipher.update(input.plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext]);
}

/**
 * The key id (UUID) a blob names, or undefined when the blob is not in this format.
 *
 * @example
 * const keyId = blobKeyId(blob); // '1b4e28ba-2fa1-41d2-883f-0016d3cca427'
 */
export function blobKeyId(blob: Buffer): string | undefined {
  if (blob.byteLength < MIN_BLOB_BYTES || !blob.subarray(0, MAGIC.byteLength).equals(MAGIC) || blob[MAGIC.byteLength] !== VERSION) {
    return undefined;
  }
  const hex = blob.subarray(MAGIC.byteLength + 1, HEADER_BYTES).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Decrypts a blob made by `sealBlob` with the same key material and context.
 *
 * @example
 * const opened = openBlob({ blob, material, context: { stream: 'a' } });
 * if ('plaintext' in opened) use(opened.plaintext);
 */
export function openBlob(input: { blob: Buffer; material: Buffer; context: Readonly<Record<string, string>> }): { plaintext: Buffer } | { failure: BlobOpenFailure } {
  const { blob } = input;
  if (blobKeyId(blob) === undefined) return { failure: 'malformed' };
  const header = blob.subarray(0, HEADER_BYTES);
  const iv = blob.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
  const tag = blob.subarray(HEADER_BYTES + IV_BYTES, HEADER_BYTES + IV_BYTES + TAG_BYTES);
  const ciphertext = blob.subarray(HEADER_BYTES + IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', input.material, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([header, canonicalContext(input.context)]));
    decipher.setAuthTag(tag);
    return { plaintext: Buffer.concat([decipher.update(ciphertext), decipher.final()]) };
  } catch {
    return { failure: 'unauthentic' };
  }
}

function uuidBytes(uuid: string): Buffer {
  const bytes = Buffer.from(uuid.replaceAll('-', ''), 'hex');
  if (bytes.byteLength !== KEY_ID_BYTES) throw new Error('a local KMS key id must be a UUID');
  return bytes;
}
