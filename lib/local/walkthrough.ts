import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
// dynalite ships no types; it returns an http.Server.
// @ts-expect-error no declaration file
import dynalite from 'dynalite';
import { handler as applyPolicy } from '../../functions/apply-policy/handler.js';
import { handler as checkGrounding } from '../../functions/check-grounding/handler.js';
import { handler as extractInvoice } from '../../functions/extract-invoice/handler.js';
import { handler as payInvoice } from '../../functions/pay-invoice/handler.js';
import { handler as recordOutcome } from '../../functions/record-outcome/handler.js';
import { handler as recordStart } from '../../functions/record-start/handler.js';
import { handler as requestApproval } from '../../functions/request-approval/handler.js';
import { EncryptionSdkSealer } from '../../functions/shared/crypto/envelope-sealer.js';
import { DynamoDbEventStore } from '../../functions/shared/events/dynamodb-store.js';
import { executionStream, type StoredEvent } from '../../functions/shared/events/event.js';
import { executionState } from '../../functions/shared/events/fold.js';
import { setDependencies, type StepDependencies } from '../../functions/shared/runtime.js';
import { openDataFolder } from './data-folder.js';
import { ensureEventsTable } from './events-table.js';
import { startLocalSecretsEndpoint } from './secrets-endpoint.js';

/**
 * `npm start` until the embedded local runtime lands: the example invoices run through the
 * real step handlers, in process, in the order statemachines/invoice-approval.ts gives them,
 * against dynalite with its data on disk. What this driver does NOT do, and the local
 * runtime will: execute the synthesized state machine itself (retries, Catch, timeouts),
 * email approval links and resume an execution when an approver decides. Executions that
 * need a human therefore stop, recorded, at "waiting-for-approval".
 */
export interface WalkthroughOptions {
  dataFolder: string;
  /** Example files (workflow inputs) to run. */
  examples: string[];
  /** Where progress lines go. @default console.log */
  print?: (line: string) => void;
}

export interface WalkthroughResult {
  example: string;
  executionId: string;
  outcome: string;
  events: string[];
}

const TABLE = 'wardflow-events';
const PAYMENTS_SECRET_ID = 'wardflow/local/payments-api-key';
const ROOT = new URL('../../', import.meta.url);

type Step = (event: unknown, context: never) => Promise<unknown>;

export async function runWalkthrough(options: WalkthroughOptions): Promise<WalkthroughResult[]> {
  const print = options.print ?? ((line: string) => console.log(line));
  const folder = openDataFolder(options.dataFolder, [PAYMENTS_SECRET_ID]);
  const logFile = join(folder.root, 'logs', 'steps.log');
  mkdirSync(join(folder.root, 'logs'), { recursive: true });

  const dynamo: Server = dynalite({ path: folder.dynamodbPath, createTableMs: 0 });
  dynamo.listen(0, '127.0.0.1');
  await once(dynamo, 'listening');
  const secretsEndpoint = await startLocalSecretsEndpoint(folder.secrets);
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(dynamo.address() as AddressInfo).port}`,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const restoreEnv = useLocalEnvironment(secretsEndpoint.endpoint);
  try {
    await ensureEventsTable(client, TABLE);
    const sealer = EncryptionSdkSealer.rawAes({ keyName: 'sealing.key', keyNamespace: 'wardflow-local', key: folder.sealingKey });
    const store = new DynamoDbEventStore({ client, tableName: TABLE, sealer });
    const deps: StepDependencies = {
      config: { environment: 'local', eventsTable: TABLE, dataKeyId: 'local-raw-aes', dataKeyCacheSeconds: 0, secretsCacheSeconds: 300, logLevel: 'INFO' },
      store,
      sealer,
      now: () => new Date(),
    };
    setDependencies(deps);

    print(`wardflow walkthrough: data in ${folder.root}, step logs in ${logFile}`);
    const results: WalkthroughResult[] = [];
    for (const file of options.examples) {
      const executionId = `${basename(file, '.json').replace(/[^A-Za-z0-9_-]/g, '-')}-${randomBytes(4).toString('hex')}`;
      const input = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      await withStepLogsIn(logFile, () => runInvoiceApproval(executionId, input));
      const events = await store.read(executionStream(executionId));
      const result = { example: basename(file), executionId, outcome: outcomeOf(events), events: events.map((e) => e.type) };
      results.push(result);
      print(`  ${result.example.padEnd(30)} ${result.outcome.padEnd(26)} execution ${executionId} (${events.length} events)`);
    }
    return results;
  } finally {
    setDependencies(undefined);
    restoreEnv();
    client.destroy();
    await secretsEndpoint.stop();
    await new Promise<void>((resolve) => dynamo.close(() => resolve()));
  }
}

/** The workflow's steps in the state machine's order, with its failure path. */
async function runInvoiceApproval(executionId: string, input: unknown): Promise<void> {
  const call = (step: Step, stepInput: unknown, taskToken?: string) =>
    step({ executionId, input: stepInput, ...(taskToken ? { taskToken } : {}) }, { awsRequestId: randomBytes(8).toString('hex') } as never);
  let approvalId: string | undefined;
  try {
    await call(recordStart, input);
    const invoiceText = (input as { invoiceText: string }).invoiceText;
    const invoice = await call(extractInvoice, { invoiceText });
    await call(checkGrounding, { invoiceText, invoice });
    const policy = (await call(applyPolicy, { invoice })) as { decision: string; approvalId: string };
    approvalId = policy.approvalId;
    if (policy.decision !== 'auto-approve') {
      // No Step Functions here: the token is a local placeholder, sealed like a real one.
      await call(requestApproval, { approvalId, invoice }, `local-walkthrough-token-${randomBytes(16).toString('hex')}`);
      return;
    }
    await call(payInvoice, { invoice });
    await call(recordOutcome, { outcome: 'succeeded' });
  } catch (error) {
    const name = error instanceof Error ? error.name : 'StepFailed';
    await call(recordOutcome, { outcome: 'failed', error: { Error: name }, ...(approvalId ? { approvalId } : {}) });
  }
}

/** The outcome names of examples/expected.json. */
function outcomeOf(events: StoredEvent[]): string {
  const state = executionState(events);
  if (state.status === 'succeeded') return events.some((e) => e.type === 'ApprovalRequested') ? 'succeeded-approved' : 'succeeded-auto-approved';
  if (state.status === 'failed') return state.lastError === 'ValidationFailed' ? 'failed-validation' : `failed-${state.lastError ?? 'unknown'}`;
  return state.status;
}

/** Points the steps' own AWS clients at local endpoints only, so nothing reaches a real account. */
function useLocalEnvironment(secretsEndpoint: string): () => void {
  const policy = readFileSync(new URL('statemachines/invoice-approval/policy.json', ROOT), 'utf8');
  const settings: Record<string, string> = {
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsEndpoint,
    MODEL_PROVIDER: 'local',
    ALLOWED_MODELS: 'local.invoice-parser-v1',
    APPROVAL_POLICY: policy,
    APPROVER_EMAIL: 'approver@example.com',
    APPROVAL_TIMEOUT_SECONDS: String(72 * 3600),
    PAYMENTS_SECRET_ID,
  };
  // Unset too: a profile or session token must not lead a step's client to a real account,
  // and without PAYMENTS_API_URL payments are ledger-only (no money moves locally).
  const unset = ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'PAYMENTS_API_URL'];
  const saved = Object.fromEntries([...Object.keys(settings), ...unset].map((k) => [k, process.env[k]]));
  for (const k of unset) delete process.env[k];
  Object.assign(process.env, settings);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

/** Step logs are JSON lines for machines; the console keeps the summary readable. */
async function withStepLogsIn<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const streams = [process.stdout, process.stderr] as const;
  const writes = streams.map((stream) => stream.write);
  for (const stream of streams) {
    stream.write = ((chunk: string | Uint8Array) => {
      appendFileSync(file, chunk);
      return true;
    }) as typeof stream.write;
  }
  try {
    return await fn();
  } finally {
    streams.forEach((stream, i) => {
      stream.write = writes[i] as typeof stream.write;
    });
  }
}
