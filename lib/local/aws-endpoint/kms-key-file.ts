import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * `<data folder>/keys/kms.json`: the local KMS keys, with their key material. The folder is
 * 0700 and the file 0600; whoever can read it can open everything sealed locally, and
 * whoever deletes it can open nothing sealed before (there is no other copy).
 *
 * The file is created on first open with the keys the local runtime needs and never
 * rewritten after that except to add a missing default key, so keys (and every ciphertext
 * made with them) survive restarts.
 */
export const KMS_KEY_FILE = join('keys', 'kms.json');

export type SymmetricKeySpec = 'SYMMETRIC_DEFAULT';
export type HmacKeySpec = 'HMAC_224' | 'HMAC_256' | 'HMAC_384' | 'HMAC_512';
export type LocalKeySpec = SymmetricKeySpec | HmacKeySpec;

/** Key material length in bytes per key spec, as AWS KMS generates it. */
export const KEY_MATERIAL_BYTES: Readonly<Record<LocalKeySpec, number>> = {
  SYMMETRIC_DEFAULT: 32,
  HMAC_224: 28,
  HMAC_256: 32,
  HMAC_384: 48,
  HMAC_512: 64,
};

const KeySpecSchema = z.enum(['SYMMETRIC_DEFAULT', 'HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512']);

const KeyRecordSchema = z
  .object({
    keyId: z.uuid(),
    alias: z.string().regex(/^alias\/[a-zA-Z0-9/_-]{1,250}$/),
    keySpec: KeySpecSchema,
    description: z.string(),
    creationDate: z.iso.datetime(),
    material: z.base64(),
  })
  .refine((key) => Buffer.from(key.material, 'base64').byteLength === KEY_MATERIAL_BYTES[key.keySpec], {
    message: 'key material has the wrong length for its key spec',
    path: ['material'],
  });

const KeyFileSchema = z
  .object({ format: z.literal(1), keys: z.array(KeyRecordSchema) })
  .refine((file) => new Set(file.keys.map((k) => k.keyId)).size === file.keys.length, { message: 'duplicate keyId', path: ['keys'] })
  .refine((file) => new Set(file.keys.map((k) => k.alias)).size === file.keys.length, { message: 'duplicate alias', path: ['keys'] });

/** One key as stored: its id, its one alias, its spec and its material (base64). */
export type LocalKeyRecord = z.infer<typeof KeyRecordSchema>;

/** A key the local runtime needs, created on first open when no key has its alias. */
export interface DefaultKey {
  alias: string;
  keySpec: LocalKeySpec;
  description: string;
}

/**
 * Reads `<dataDir>/keys/kms.json`, creating it (or adding missing default keys) first.
 * Throws a clear error, naming only the failing fields, when the file is not a key file.
 *
 * @example
 * const keys = openKmsKeyFile('.wardflow', [{ alias: 'alias/wardflow-local-sealing', keySpec: 'SYMMETRIC_DEFAULT', description: 'seals' }]);
 */
export function openKmsKeyFile(dataDir: string, defaults: readonly DefaultKey[]): LocalKeyRecord[] {
  const keysDir = join(dataDir, 'keys');
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  chmodSync(keysDir, 0o700);
  const file = join(dataDir, KMS_KEY_FILE);

  // Exclusive create: if another process created the file first, its keys win and we read them.
  if (!existsSync(file)) writeKeyFile(file, defaults.map(newKey), 'create');
  const keys = readKeyFile(file);
  const missing = defaults.filter((d) => !keys.some((k) => k.alias === d.alias));
  if (missing.length === 0) {
    chmodSync(file, 0o600);
    return keys;
  }
  const completed = [...keys, ...missing.map(newKey)];
  writeKeyFile(file, completed, 'replace');
  return completed;
}

function newKey({ alias, keySpec, description }: DefaultKey): LocalKeyRecord {
  return {
    keyId: randomUUID(),
    alias,
    keySpec,
    description,
    creationDate: new Date().toISOString(),
    material: randomBytes(KEY_MATERIAL_BYTES[keySpec]).toString('base64'),
  };
}

function readKeyFile(file: string): LocalKeyRecord[] {
  const text = readFileSync(file, 'utf8');
  const fixIt = 'Restore it from a backup, or delete the whole data folder to start over (everything sealed with these keys is then lost).';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not JSON. ${fixIt}`);
  }
  const parsed = KeyFileSchema.safeParse(json);
  // Paths only: zod's messages may quote the value, and a value here is key material.
  if (!parsed.success) throw new Error(`${file} is not a local KMS key file (${parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ')}). ${fixIt}`);
  return parsed.data.keys;
}

/**
 * Writes the whole file under a temporary name first, so no reader ever sees half a file.
 * 'create' then links it into place only if no file exists yet (link fails on an existing
 * name, atomically); 'replace' renames it over the old file.
 */
function writeKeyFile(file: string, keys: readonly LocalKeyRecord[], mode: 'create' | 'replace'): void {
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ format: 1, keys }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  if (mode === 'replace') {
    renameSync(temporary, file);
    return;
  }
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
}
