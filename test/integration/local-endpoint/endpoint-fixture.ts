import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { openDataFolder } from '../../../lib/local/data-folder.js';
import { LocalKms } from '../../../lib/local/aws-endpoint/kms.js';
import { LocalSecrets } from '../../../lib/local/aws-endpoint/secrets.js';
import { startLocalAwsEndpoint, type LocalAwsEndpoint } from '../../../lib/local/aws-endpoint/server.js';
import type { LocalStepFunctions } from '../../../lib/local/aws-endpoint/step-functions-service.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../../support/dynalite.js';

/** The secret every local data folder made here holds (a random value per folder). */
export const PAYMENTS_SECRET_ID = 'wardflow/local/payments-api-key';

/** A local AWS endpoint over a real data folder, with SDK clients pointed at it. */
export interface EndpointUnderTest {
  dataDir: string;
  kms: LocalKms;
  secrets: LocalSecrets;
  aws: LocalAwsEndpoint;
  /** Every line the endpoint logged. */
  logged: string[];
  kmsClient(): KMSClient;
  secretsClient(): SecretsManagerClient;
  sfnClient(): SFNClient;
  stop(): Promise<void>;
}

const folders: string[] = [];

/** A fresh data folder under the OS temp folder; `removeDataFolders` deletes them all. */
export function newDataFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wardflow-aws-endpoint-'));
  folders.push(dir);
  return dir;
}

export function removeDataFolders(): void {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Opens (or reopens) `dataDir` as the local runtime does and starts the endpoint on a free
 * port. Clients make one attempt only, so a test sees the first answer.
 */
export async function startEndpoint(options: { dataDir?: string; stepFunctions?: LocalStepFunctions } = {}): Promise<EndpointUnderTest> {
  const dataDir = options.dataDir ?? newDataFolder();
  const folder = openDataFolder(dataDir, [PAYMENTS_SECRET_ID]);
  const kms = LocalKms.open(dataDir, TEST_REGION);
  const secrets = LocalSecrets.fromDataFolder(folder, TEST_REGION);
  const logged: string[] = [];
  const aws = await startLocalAwsEndpoint({ port: 0, region: TEST_REGION, kms, secrets, stepFunctions: options.stepFunctions, log: (line) => logged.push(line) });
  const clients: { destroy(): void }[] = [];
  const config = { endpoint: aws.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 };
  const track = <T extends { destroy(): void }>(client: T): T => {
    clients.push(client);
    return client;
  };
  return {
    dataDir,
    kms,
    secrets,
    aws,
    logged,
    kmsClient: () => track(new KMSClient(config)),
    secretsClient: () => track(new SecretsManagerClient(config)),
    sfnClient: () => track(new SFNClient(config)),
    async stop() {
      for (const client of clients.splice(0)) client.destroy();
      await aws.stop();
    },
  };
}

/** The raw HTTP answer to one request: what any client (or eavesdropper on loopback) would see. */
export interface RawAnswer {
  status: number;
  contentType: string | null;
  text: string;
  json: { __type?: string; message?: string } & Record<string, unknown>;
}

/**
 * Sends one request as an AWS JSON client would, without the SDK, so tests can send what
 * the SDK never would (bad JSON, unknown targets) and read the exact bytes that come back.
 */
export async function rawCall(endpoint: string, target: string | undefined, body: string | object, contentType = 'application/x-amz-json-1.1'): Promise<RawAnswer> {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (target !== undefined) headers['x-amz-target'] = target;
  const response = await fetch(endpoint, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await response.text();
  let json: RawAnswer['json'] = {};
  try {
    json = JSON.parse(text) as RawAnswer['json'];
  } catch {
    // left empty: the test reads `text`
  }
  return { status: response.status, contentType: response.headers.get('content-type'), text, json };
}
