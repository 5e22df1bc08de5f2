import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The local data folder: everything the local runtime keeps lives here, never only in memory.
 *
 *   <folder>/dynamodb/          dynalite's LevelDB files (the event store)
 *   <folder>/s3/                s3rver's objects (the audit bucket)
 *   <folder>/executions/        one JSON record per execution (status, input, where to resume)
 *   <folder>/inbox.jsonl        the approval emails the local SES received, one per line
 *   <folder>/keys/kms.json      the local KMS keys (sealing key, approval-link HMAC key), 0600
 *   <folder>/keys/sealing.key   a local 256-bit key; secret version ids are derived from it, 0600
 *   <folder>/secrets.json       the local stand-ins for Secrets Manager secrets, 0600
 *   <folder>/logs/steps.log     every handler's JSON log lines
 *   <folder>/endpoints.json     while a runtime runs: its endpoints (lib/local/runtime/services/endpoints-file.ts)
 *
 * Keys and secrets are created on first use with owner-only permissions (0600). Deleting the
 * folder deletes the data for good: without keys/kms.json the sealed fields cannot be opened.
 */
export interface DataFolder {
  root: string;
  dynamodbPath: string;
  sealingKey: Buffer;
  secrets: Record<string, string>;
}

export const DEFAULT_DATA_FOLDER = '.wardflow';

/**
 * `--data-dir` wins over WARDFLOW_DATA_DIR, which wins over `.wardflow/` in the working folder.
 * An empty value counts as unset: resolving '' would make the working folder itself the data folder.
 */
export function resolveDataFolder(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(flag || env.WARDFLOW_DATA_DIR || DEFAULT_DATA_FOLDER);
}

/** Opens (or on first use creates) the data folder with its key and local secrets. */
export function openDataFolder(root: string, secretIds: readonly string[]): DataFolder {
  const dynamodbPath = join(root, 'dynamodb');
  mkdirSync(dynamodbPath, { recursive: true, mode: 0o700 });
  mkdirSync(join(root, 'keys'), { recursive: true, mode: 0o700 });

  const keyFile = join(root, 'keys', 'sealing.key');
  if (!existsSync(keyFile)) writePrivate(keyFile, randomBytes(32).toString('base64'));
  const sealingKey = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
  if (sealingKey.length !== 32) {
    throw new Error(`${keyFile} does not hold a 256-bit base64 key. Restore it from a backup, or delete the whole data folder to start over.`);
  }

  const secretsFile = join(root, 'secrets.json');
  const secrets: Record<string, string> = existsSync(secretsFile) ? (JSON.parse(readFileSync(secretsFile, 'utf8')) as Record<string, string>) : {};
  let added = false;
  for (const id of secretIds) {
    if (secrets[id] === undefined) {
      // A random value per folder: nothing in the repository is a usable secret.
      secrets[id] = `local-${randomBytes(18).toString('base64url')}`;
      added = true;
    }
  }
  if (added) writePrivate(secretsFile, `${JSON.stringify(secrets, null, 2)}\n`);
  return { root, dynamodbPath, sealingKey, secrets };
}

function writePrivate(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}
