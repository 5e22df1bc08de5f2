import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { forgetEnvironmentClients } from '../../../../functions/shared/environment-clients.js';
import { LocalKms } from '../../aws-endpoint/kms.js';
import { LocalSecrets } from '../../aws-endpoint/secrets.js';
import { startLocalAwsEndpoint } from '../../aws-endpoint/server.js';
import { openDataFolder } from '../../data-folder.js';
import { ensureEventsTable } from '../../events-table.js';
import { startApprovalSite } from '../services/approval-site.js';
import { startAuditStream } from '../audit-stream/audit-stream.js';
import type { AnyWorkflow } from '../../../workflows/workflow-definition.js';
import { LOCAL_ACCOUNT, synthesizeLocalApplication, type LocalFunction, type LocalStateMachine } from './definitions.js';
import { DEFAULT_BASE_PORT, ENDPOINTS_FILE, PORT_OFFSETS, type EndpointsFile } from '../services/endpoints-file.js';
import { LocalEngine } from '../engine/engine.js';
import { executionEndDeliveries } from '../engine/execution-events.js';
import type { LocalEventStream } from '../audit-stream/event-stream.js';
import { installFunctionEnvironments } from '../lambda/function-environment.js';
import { handlerProcessEnvironment, localFunctionEnvironment, type LocalResources } from '../lambda/handler-environment.js';
import { lambdaContainers, type LambdaPool } from '../lambda/lambda-containers.js';
import type { LocalLambda } from '../lambda/lambda-invoke.js';
import { assertPortsFree } from '../services/free-ports.js';
import { LOCAL_CREDENTIALS, servicePaths, startDynamoDb, startInbox, startS3, type RunningService } from '../services/local-services.js';
import { isProcessAlive } from '../../process-alive.js';
import { functionTarget } from '../../scheduler/function-target.js';
import { LocalScheduler } from '../../scheduler/local-scheduler.js';
import { MAX_LOCAL_CLOCK_OFFSET_MS } from '../../../../functions/shared/local-clock.js';

export interface LocalRuntimeOptions {
  /** Absolute path of the data folder. */
  dataDir: string;
  /** Base port; every server has a fixed offset from it (endpoints-file.ts). @default 7700 */
  basePort?: number;
  /** @default 127.0.0.1: nothing local listens beyond this machine. */
  host?: string;
  /** Progress lines. @default none */
  log?: (line: string) => void;
  /** The workflows to run. @default the app's registry (statemachines/index.ts) */
  workflows?: readonly AnyWorkflow[];
  /** Settings of workflows by name, over cdk.json's (for a workflow cdk.json does not know, in a test). @default none */
  workflowSettings?: Readonly<Record<string, unknown>>;
  /**
   * Runs as if this many ms later (`wardflow dev --clock-offset 25h`): every handler's `now` and the
   * local EventBridge Scheduler's due times. 0 to 400 days. @default 0
   */
  clockOffsetMs?: number;
}

export interface LocalRuntime {
  endpoints: EndpointsFile;
  engine: LocalEngine;
  stateMachines: readonly LocalStateMachine[];
  /** True the first time this data folder is used. */
  firstStart: boolean;
  resumed: string[];
  /**
   * The events table's stream feeding the audit archiver (event-stream.ts): `flush()` resolves once
   * every event appended so far is archived or dead-lettered; `deadLetterFile` is the local dead-letter queue.
   */
  auditStream: LocalEventStream;
  /** The local EventBridge Scheduler (schedules in `<data>/schedules.json`). */
  scheduler: LocalScheduler;
  /** The clock offset it runs with, in ms (0: the real clock). */
  clockOffsetMs: number;
  stop(): Promise<void>;
}

export const LOCAL_REGION = 'us-east-1';
const ENVIRONMENT = 'local';
const EVENTS_TABLE = 'wardflow-local-events';
const AUDIT_BUCKET = 'wardflow-local-audit';
const PAYMENTS_SECRET_ID = 'wardflow/local/payments-api-key';
/** The handler folder of the function approval timers invoke (functions/approval-timer). */
const APPROVAL_TIMER_HANDLER = 'approval-timer';
const APPROVAL_SCHEDULE_GROUP = `wardflow-${ENVIRONMENT}-approvals`;
/** Nothing assumes it locally; Scheduler's API requires one. */
const APPROVAL_SCHEDULER_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT}:role/wardflow-${ENVIRONMENT}-approval-scheduler`;
const FUNCTIONS = new URL('../../../../functions/', import.meta.url);

let active = false;

/**
 * Starts the embedded local runtime: DynamoDB (dynalite), S3 (s3rver), SES with its inbox
 * (aws-ses-v2-local), the local AWS endpoint (Step Functions, KMS, Secrets Manager, EventBridge
 * Scheduler, whose schedules invoke the local functions), the
 * approval site, and the engine running the synthesized state machines with the real handlers.
 * Everything lives in `dataDir`; `endpoints.json` is written there once all of it is ready
 * and removed by `stop()`.
 *
 * One runtime per process: it gives each function its own environment through `process.env`
 * (function-environment.ts), which one process has once. Two runtimes run side by side as two
 * processes with different ports and data folders.
 *
 * @example
 * const runtime = await startLocalRuntime({ dataDir: '/tmp/wardflow', basePort: 7800 });
 * console.log(runtime.endpoints.endpoints.inbox);
 * await runtime.stop();
 */
export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  if (active) throw new Error('a local runtime already runs in this process; start another process for a second one');
  active = true;
  const stops: Array<() => Promise<void>> = [];
  try {
    return await start(options, stops);
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    active = false;
    throw error;
  }
}

async function start(options: LocalRuntimeOptions, stops: Array<() => Promise<void>>): Promise<LocalRuntime> {
  const host = options.host ?? '127.0.0.1';
  const basePort = options.basePort ?? DEFAULT_BASE_PORT;
  const log = options.log ?? (() => undefined);
  const dataDir = options.dataDir;
  const clockOffsetMs = options.clockOffsetMs ?? 0;
  if (!Number.isSafeInteger(clockOffsetMs) || clockOffsetMs < 0 || clockOffsetMs > MAX_LOCAL_CLOCK_OFFSET_MS) {
    throw new Error('the clock offset must be a whole number of milliseconds from 0 to 400 days');
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  refuseIfInUse(dataDir);
  await assertPortsFree(host, basePort);
  const firstStart = !existsSync(join(dataDir, 'executions'));
  const paths = servicePaths(dataDir);
  const url = (offset: number) => `http://${host}:${basePort + offset}`;

  const folder = openDataFolder(dataDir, [PAYMENTS_SECRET_ID]);
  const kms = LocalKms.open(dataDir, LOCAL_REGION);
  const endpoints = {
    approvalSite: url(PORT_OFFSETS.approvalSite),
    ses: url(PORT_OFFSETS.ses),
    dynamodb: url(PORT_OFFSETS.dynamodb),
    s3: url(PORT_OFFSETS.s3),
    aws: url(PORT_OFFSETS.aws),
  };

  log('synthesizing the state machines (cdk synth, in process, without bundling)...');
  const app = synthesizeLocalApplication({
    environmentName: ENVIRONMENT,
    region: LOCAL_REGION,
    ...(options.workflows === undefined ? {} : { workflows: options.workflows }),
    ...(options.workflowSettings === undefined ? {} : { workflowSettings: options.workflowSettings }),
  });
  const resources: LocalResources = {
    region: LOCAL_REGION,
    eventsTable: EVENTS_TABLE,
    sealingKeyArn: kms.sealingKeyArn,
    linkKeyArn: kms.linkKeyArn,
    approvalSiteUrl: endpoints.approvalSite,
    paymentsSecretId: PAYMENTS_SECRET_ID,
    auditBucket: AUDIT_BUCKET,
    endpoints: { dynamodb: endpoints.dynamodb, s3: endpoints.s3, sesv2: endpoints.ses, aws: endpoints.aws },
    scheduler: {
      // Without the function (an application that has none) the variables still resolve; a schedule that fires then says what is missing.
      timerArn: app.functions.find((fn) => fn.handler === APPROVAL_TIMER_HANDLER)?.arn ?? `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:wardflow-${ENVIRONMENT}-${APPROVAL_TIMER_HANDLER}`,
      roleArn: APPROVAL_SCHEDULER_ROLE_ARN,
      group: APPROVAL_SCHEDULE_GROUP,
    },
    clockOffsetMs,
  };
  // Every function's environment before any is loaded: one without a local value stops the start here.
  const environments = new Map(app.functions.map((fn) => [fn.arn, handlerProcessEnvironment(process.env, localFunctionEnvironment(fn, resources))]));
  const restoreEnvironment = installFunctionEnvironments();
  forgetEnvironmentClients();
  stops.push(async () => {
    restoreEnvironment();
    forgetEnvironmentClients();
  });

  const functions: LocalLambda[] = [];
  for (const fn of app.functions) functions.push(await loadFunction(fn, environments.get(fn.arn)!));

  const dynamodb = await startDynamoDb({ host, port: basePort + PORT_OFFSETS.dynamodb, path: paths.dynamodb });
  stops.push(dynamodb.stop);
  const s3 = await startS3({ host, port: basePort + PORT_OFFSETS.s3, directory: paths.s3, buckets: [AUDIT_BUCKET] });
  stops.push(s3.stop);
  const inbox: RunningService = await startInbox({ host, port: basePort + PORT_OFFSETS.ses, file: paths.inbox });
  stops.push(inbox.stop);

  // Endings the workflow could not record reach the event store as EventBridge's status-change events would on AWS.
  const endings = executionEndDeliveries({ functions, log });
  const engine = new LocalEngine({ dataDir, stateMachines: app.stateMachines, functions, log, onEnded: endings.deliver });
  // Answers the API from here on (a resumed gate may schedule a timer); fires nothing before start() below.
  const scheduler = LocalScheduler.open({
    dataDir,
    now: () => Date.now() + clockOffsetMs,
    // The groups CloudFormation would have made: ours, and any a function's template names literally.
    groups: [APPROVAL_SCHEDULE_GROUP, ...[...environments.values()].flatMap((env) => (env.APPROVAL_SCHEDULE_GROUP === undefined ? [] : [env.APPROVAL_SCHEDULE_GROUP]))],
    invoke: functionTarget(functions, APPROVAL_TIMER_HANDLER),
    log,
  });
  const aws = await startLocalAwsEndpoint({
    host,
    port: basePort + PORT_OFFSETS.aws,
    region: LOCAL_REGION,
    kms,
    secrets: LocalSecrets.fromDataFolder(folder, LOCAL_REGION),
    stepFunctions: engine,
    scheduler,
  });
  stops.push(aws.stop);

  const client = new DynamoDBClient({ endpoint: endpoints.dynamodb, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  await ensureEventsTable(client, EVENTS_TABLE);
  client.destroy();

  const page = functions.find((fn) => fn.handler === 'approval-page');
  if (page === undefined) throw new Error('the synthesized application has no approval-page function');
  const site = await startApprovalSite({ host, port: basePort + PORT_OFFSETS.approvalSite, page, inboxUrl: `${endpoints.ses}/` });
  stops.push(site.stop);

  // After the engine stops, before the servers: endings being recorded finish.
  stops.push(endings.stop);
  // Stopped first (stops run in reverse): handlers under way finish while every server they call is still up.
  stops.push(() => engine.stop());
  const { resumed, ended } = await engine.resumeInterrupted();
  for (const name of ended) log(`execution ${name} could not be resumed and ended; see \`wardflow status ${name}\``);

  // Started once the table exists and the engine runs; stopped before them (stops run in reverse),
  // letting a delivery under way finish. It resumes from its checkpoint in the data folder.
  const audit = await startAuditStream({
    dataDir,
    region: LOCAL_REGION,
    table: EVENTS_TABLE,
    dynamodb: { url: endpoints.dynamodb, port: basePort + PORT_OFFSETS.dynamodb },
    credentials: LOCAL_CREDENTIALS,
    definitions: app.functions,
    functions,
    log,
  });
  stops.push(audit.stop);

  // Last to start, first to stop: a timer fires only while everything it calls runs; on stop a firing under way finishes.
  scheduler.start();
  stops.push(() => scheduler.stop());

  const file: EndpointsFile = {
    version: 1,
    pid: process.pid,
    startedAt: new Date().toISOString(),
    dataDir,
    region: LOCAL_REGION,
    credentials: { ...LOCAL_CREDENTIALS },
    endpoints: {
      approvalSite: endpoints.approvalSite,
      inbox: `${endpoints.ses}/`,
      sesv2: endpoints.ses,
      dynamodb: endpoints.dynamodb,
      s3: endpoints.s3,
      stepfunctions: endpoints.aws,
      kms: endpoints.aws,
      secretsmanager: endpoints.aws,
    },
    resources: {
      eventsTable: EVENTS_TABLE,
      auditBucket: AUDIT_BUCKET,
      stateMachines: Object.fromEntries(app.stateMachines.map((m) => [m.workflow, m.arn])),
      sealingKeyArn: kms.sealingKeyArn,
      linkKeyArn: kms.linkKeyArn,
    },
  };
  const endpointsPath = join(dataDir, ENDPOINTS_FILE);
  writeFileSync(endpointsPath, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  stops.push(async () => rmSync(endpointsPath, { force: true }));

  let stopped: Promise<void> | undefined;
  return {
    endpoints: file,
    engine,
    stateMachines: app.stateMachines,
    firstStart,
    resumed,
    auditStream: audit.stream,
    scheduler,
    clockOffsetMs,
    stop: () => {
      stopped ??= (async () => {
        for (const stop of stops.reverse()) await stop().catch(() => undefined);
        active = false;
      })();
      return stopped;
    },
  };
}

/** A data folder serves one runtime at a time: two would write one dynalite store. */
function refuseIfInUse(dataDir: string): void {
  const file = join(dataDir, ENDPOINTS_FILE);
  if (!existsSync(file)) return;
  let pid: number | undefined;
  try {
    pid = (JSON.parse(readFileSync(file, 'utf8')) as { pid?: number }).pid;
  } catch {
    pid = undefined;
  }
  if (pid !== undefined && pid !== process.pid && isProcessAlive(pid)) {
    throw new Error(`another local runtime (pid ${pid}) uses ${dataDir}; stop it, or give this one another --data-dir and --port`);
  }
  // Left behind by a runtime that was killed: it is stale.
  rmSync(file, { force: true });
}

/** Each function behind a pool of Lambda-like environments of its own, with its own variables (lambda-containers.ts). */
async function loadFunction(fn: LocalFunction, environment: Readonly<Record<string, string>>): Promise<LocalLambda> {
  const pool: LambdaPool = await lambdaContainers(new URL(`${fn.handler}/handler.ts`, FUNCTIONS).href, undefined, { function: { name: fn.name, environment } });
  return { ...fn, environment, ...pool };
}
