import { once } from 'node:events';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
// dynalite and s3rver ship no types; dynalite returns an http.Server.
// @ts-expect-error no declaration file
import dynalite from 'dynalite';
// @ts-expect-error no declaration file
import S3rver from 's3rver';
import sesLocal from 'aws-ses-v2-local';
import { getStoreReadonly, saveEmail, type Email } from 'aws-ses-v2-local/dist/store.js';
import { writeFileAtomically } from '../../atomic-file.js';
import { DynamoDbWriteLog } from '../audit-stream/dynamodb-write-log.js';

export interface RunningService {
  url: string;
  stop(): Promise<void>;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

/**
 * DynamoDB: dynalite with its LevelDB files in the data folder, and its write log beside them
 * (`<path>-writes.jsonl`, dynamodb-write-log.ts), from which the local audit stream reads new
 * events. The log is attached before the server listens, so no put escapes it.
 *
 * @example
 * const dynamodb = await startDynamoDb({ host: '127.0.0.1', port: 7702, path: '.wardflow/dynamodb' });
 */
export async function startDynamoDb(options: { host: string; port: number; path: string }): Promise<RunningService & { writeLog: DynamoDbWriteLog }> {
  const server: Server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const writeLog = DynamoDbWriteLog.attach(server, `${options.path}-writes.jsonl`, options.port);
  try {
    server.listen(options.port, options.host);
    await once(server, 'listening');
  } catch (error) {
    writeLog.close();
    throw error;
  }
  return {
    url: `http://${options.host}:${options.port}`,
    writeLog,
    stop: async () => {
      await closeServer(server);
      writeLog.close();
    },
  };
}

interface S3rverAccounts {
  DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
}

/** The credentials every local client signs with; the local servers accept nothing else that matters. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/**
 * S3: s3rver with its objects in the data folder, creating the given buckets on start.
 * It keeps no Object Lock: retention is enforced only on AWS (docs/local-runtime.md says so).
 */
export async function startS3(options: { host: string; port: number; directory: string; buckets: string[] }): Promise<RunningService> {
  mkdirSync(options.directory, { recursive: true, mode: 0o700 });
  // s3rver checks signatures against its own key pairs (S3RVER/S3RVER). Every local client signs
  // with the runtime's credentials (endpoints.json, the handlers' environment), so they are added.
  // Its account registry has no public API (nor types): loaded by path, typed by what is used.
  const accounts = createRequire(import.meta.url)('s3rver/lib/models/account.js') as S3rverAccounts;
  accounts.DUMMY_ACCOUNT.createKeyPair(LOCAL_CREDENTIALS.accessKeyId, LOCAL_CREDENTIALS.secretAccessKey);
  const s3 = new S3rver({
    address: options.host,
    port: options.port,
    directory: options.directory,
    silent: true,
    configureBuckets: options.buckets.map((name) => ({ name, configs: [] })),
  });
  await s3.run();
  return {
    url: `http://${options.host}:${options.port}`,
    stop: () => new Promise<void>((resolve) => s3.close(() => resolve())),
  };
}

/**
 * SES: aws-ses-v2-local, whose page at `/` is the inbox where approval emails appear and whose
 * `GET /store` lists them. It keeps mail in memory only, so each email is appended to
 * `<data>/inbox.jsonl` (one JSON line per email) after every request that may add one, and the
 * file is loaded again at start: a restart keeps the approval emails already sent. Appending,
 * not rewriting: rewriting the whole inbox after every email made a restart that re-sends 1,000
 * approval emails write gigabytes. A line cut off by kill -9 is skipped at the next start (its
 * gate emails again when resumed). A `<data>/inbox.json` of an older runtime is read too.
 * (aws-ses-v2-local has one store per process, so one inbox per process.)
 *
 * @example
 * const ses = await startInbox({ host: '127.0.0.1', port: 7701, file: '.wardflow/inbox.jsonl' });
 */
export async function startInbox(options: { host: string; port: number; file: string }): Promise<RunningService> {
  const known = new Set(getStoreReadonly().emails.map((email) => email.messageId));
  for (const email of savedEmails(options.file)) {
    if (known.has(email.messageId)) continue;
    known.add(email.messageId);
    saveEmail(email);
  }
  // A CommonJS module with `exports.default`: Node's ESM gives module.exports as the default import
  // (the factory is its `default`), while bundler-style interop (vitest) gives the factory itself.
  const factory = (typeof sesLocal === 'function' ? sesLocal : sesLocal.default) as typeof sesLocal.default;
  const server = await factory({ host: options.host, port: options.port });
  if (!server.listening) await once(server, 'listening');
  let written = getStoreReadonly().emails.length;
  // The file holds exactly the store's emails: loaded ones are rewritten once, new ones appended.
  writeFileAtomically(options.file, linesOf(getStoreReadonly().emails));
  rmSync(legacyInboxFile(options.file), { force: true });
  const persist = () => {
    const emails = getStoreReadonly().emails;
    if (emails.length === written) return;
    // The store only grows, unless the inbox page cleared it: then the file starts over.
    if (emails.length < written) writeFileAtomically(options.file, linesOf(emails));
    else appendFileSync(options.file, linesOf(emails.slice(written)), { mode: 0o600 });
    written = emails.length;
  };
  // Only requests that can change the store are followed by a save: the inbox page and the demo poll `GET /store`.
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') response.on('finish', persist);
  });
  return {
    url: `http://${options.host}:${options.port}`,
    stop: async () => {
      persist();
      await closeServer(server);
    },
  };
}

function linesOf(emails: readonly Email[]): string {
  return emails.map((email) => `${JSON.stringify(email)}\n`).join('');
}

/** `inbox.json`, where older runtimes kept the inbox as one JSON array. */
function legacyInboxFile(file: string): string {
  return file.replace(/\.jsonl$/, '.json');
}

/** The emails kept by an earlier run: `inbox.jsonl`, and the `inbox.json` array older runtimes wrote. */
export function savedEmails(file: string): Email[] {
  const emails: Email[] = [];
  const legacy = legacyInboxFile(file);
  if (existsSync(legacy)) emails.push(...(JSON.parse(readFileSync(legacy, 'utf8')) as Email[]));
  if (!existsSync(file)) return emails;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      emails.push(JSON.parse(line) as Email);
    } catch {
      // The last line of a file a kill cut short; everything before it is whole.
    }
  }
  return emails;
}

/** Where a service keeps its files inside the data folder. */
export function servicePaths(dataDir: string) {
  return {
    dynamodb: join(dataDir, 'dynamodb'),
    s3: join(dataDir, 's3'),
    inbox: join(dataDir, 'inbox.jsonl'),
    logs: join(dataDir, 'logs'),
  };
}
