import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { EndpointsFile } from '../../../lib/local/runtime/services/endpoints-file.js';
import { runCli } from '../../../lib/cli/main.js';
import { TEST_CREDENTIALS, TEST_REGION } from '../../support/dynalite.js';

export const LOCAL_ACCOUNT = '000000000000';
export const INVOICE_MACHINE_ARN = `arn:aws:states:${TEST_REGION}:${LOCAL_ACCOUNT}:stateMachine:invoice-approval`;
export const executionArn = (name: string, machineArn = INVOICE_MACHINE_ARN): string => `${machineArn.replace(':stateMachine:', ':execution:')}:${name}`;

/** Nothing listens here: with aws-sdk-client-mock the Step Functions calls never leave the process. */
const UNUSED = 'http://127.0.0.1:9';

/**
 * A data folder with an endpoints.json as a running local runtime writes it (this process's
 * pid, so it reads as alive). `dynamodb` points at a test's dynalite when it reads events; `s3`
 * at a test's s3rver (or moto) holding the audit bucket `auditBucket`. s3rver checks signatures
 * against the key pairs it knows: give it the runtime's `credentials` (LOCAL_CREDENTIALS).
 *
 * @example
 * const folder = localRuntimeFolder({ dynamodb: dynamo.endpoint, eventsTable });
 * await runCliCaptured(['executions', '--data-dir', folder.dir]);
 */
export function localRuntimeFolder(
  options: {
    dynamodb?: string;
    /** A local AWS endpoint answering Step Functions (the runtime's own, or a test's). */
    stepfunctions?: string;
    eventsTable?: string;
    stateMachines?: Record<string, string>;
    pid?: number;
    s3?: string;
    auditBucket?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  } = {},
): { dir: string; file: EndpointsFile; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'wardflow-cli-'));
  const file: EndpointsFile = {
    version: 1,
    pid: options.pid ?? process.pid,
    startedAt: '2026-12-01T08:00:00.000Z',
    dataDir: dir,
    region: TEST_REGION,
    credentials: options.credentials ?? TEST_CREDENTIALS,
    endpoints: {
      approvalSite: UNUSED,
      inbox: UNUSED,
      sesv2: UNUSED,
      dynamodb: options.dynamodb ?? UNUSED,
      s3: options.s3 ?? UNUSED,
      stepfunctions: options.stepfunctions ?? UNUSED,
      kms: UNUSED,
      secretsmanager: UNUSED,
    },
    resources: {
      eventsTable: options.eventsTable ?? 'events',
      auditBucket: options.auditBucket ?? 'audit',
      stateMachines: options.stateMachines ?? { 'invoice-approval': INVOICE_MACHINE_ARN },
      sealingKeyArn: `arn:aws:kms:${TEST_REGION}:${LOCAL_ACCOUNT}:key/sealing`,
      linkKeyArn: `arn:aws:kms:${TEST_REGION}:${LOCAL_ACCOUNT}:key/links`,
    },
  };
  writeFileSync(join(dir, 'endpoints.json'), JSON.stringify(file));
  return { dir, file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliRun {
  code: number;
  /** Each line written to stdout. */
  out: string[];
  err: string[];
  /** stdout as one text. */
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in process with captured output, optionally with a standard input.
 *
 * @example
 * const run = await runCliCaptured(['start', 'invoice-approval', '--input', '-'], { stdin: '{"invoiceText":"x"}' });
 */
export async function runCliCaptured(argv: string[], options: { stdin?: string | NodeJS.ReadableStream } = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const stdin = typeof options.stdin === 'string' ? Readable.from([Buffer.from(options.stdin)]) : (options.stdin ?? Readable.from([]));
  const code = await runCli(argv, { out: (line) => out.push(line), err: (line) => err.push(line), stdin });
  return { code, out, err, stdout: out.join('\n'), stderr: err.join('\n') };
}
