import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { safeErrorName } from '../../../functions/shared/errors.js';
import type { LocalKms } from './kms.js';
import { kmsOperations } from './kms-operations.js';
import { AwsProtocolError } from './protocol-error.js';
import type { LocalScheduler } from '../scheduler/local-scheduler.js';
import { answerSchedulerRequest, isSchedulerPath } from './scheduler-operations.js';
import type { LocalSecrets } from './secrets.js';
import { secretsOperations } from './secrets-operations.js';
import type { LocalStepFunctions } from './step-functions-service.js';
import { stepFunctionsOperations } from './step-functions-operations.js';
import type { OperationTable, WireObject } from './wire.js';

export interface LocalAwsEndpointOptions {
  /** A loopback address; anything else is refused (see "No signature checks" below). @default '127.0.0.1' */
  host?: string;
  /** 0 picks any free port. */
  port: number;
  /**
   * The region the local clients use. A signed request whose SigV4 credential scope names
   * another region is refused with InvalidSignatureException, so a misconfigured client is
   * told so instead of getting NotFoundException for every ARN.
   */
  region: string;
  kms: LocalKms;
  secrets: LocalSecrets;
  /** The local engine; without it every Step Functions operation is unknown here. */
  stepFunctions?: LocalStepFunctions;
  /** The local EventBridge Scheduler; without it Scheduler's REST paths are unknown here. */
  scheduler?: LocalScheduler;
  /** Where unexpected failures are reported: operation and error class only. @default console.error */
  log?: (line: string) => void;
}

export interface LocalAwsEndpoint {
  /** `http://host:port`, for AWS_ENDPOINT_URL_KMS, _SECRETS_MANAGER, _SFN and _SCHEDULER. */
  endpoint: string;
  stop(): Promise<void>;
}

interface Service {
  /** What the error message calls it. */
  label: string;
  jsonVersion: '1.0' | '1.1';
  operations: OperationTable;
}

/** AWS's request size limits are lower per operation; this only bounds what we buffer. */
export const MAX_REQUEST_BYTES = 1024 * 1024;
const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost)$/;
const JSON_CONTENT_TYPE = /^application\/x-amz-json-(1\.[01])\b/;
const SAFE_OPERATION_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * Starts the one small HTTP server that answers the real AWS SDK v3 clients for KMS, Secrets
 * Manager and Step Functions in local mode, dispatching on `X-Amz-Target`:
 * `TrentService.<Op>` (KMS, AWS JSON 1.1), `secretsmanager.<Op>` (AWS JSON 1.1) and
 * `AWSStepFunctions.<Op>` (AWS JSON 1.0). Errors are `{"__type", "message"}` bodies with
 * the status the SDK expects, so the SDK throws exceptions named as AWS names them.
 * EventBridge Scheduler speaks REST-JSON instead (no X-Amz-Target; `/schedules/{Name}`):
 * its errors carry the type in `x-amzn-errortype` and a `{"Message"}` body (scheduler-operations.ts).
 *
 * No signature checks: SigV4 signatures are not verified. This endpoint exists for local
 * mode only and listens on loopback only; whoever can reach it can also read the data
 * folder's key file, so a signature check would protect nothing.
 *
 * @example
 * const kms = LocalKms.open(folder.root, 'us-east-1');
 * const aws = await startLocalAwsEndpoint({ port: 0, region: 'us-east-1', kms, secrets: LocalSecrets.fromDataFolder(folder, 'us-east-1') });
 * const client = new KMSClient({ endpoint: aws.endpoint, region: 'us-east-1' });
 * await aws.stop();
 */
export async function startLocalAwsEndpoint(options: LocalAwsEndpointOptions): Promise<LocalAwsEndpoint> {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.test(host)) {
    throw new Error(`the local AWS endpoint checks no signatures, so it listens on loopback only (127.0.0.1, ::1 or localhost), not on ${host}`);
  }
  const log = options.log ?? ((line: string) => console.error(line));
  const services = new Map<string, Service>([
    ['TrentService', { label: 'KMS', jsonVersion: '1.1', operations: kmsOperations(options.kms) }],
    ['secretsmanager', { label: 'Secrets Manager', jsonVersion: '1.1', operations: secretsOperations(options.secrets) }],
    ['AWSStepFunctions', { label: 'Step Functions', jsonVersion: '1.0', operations: options.stepFunctions ? stepFunctionsOperations(options.stepFunctions) : new Map() }],
  ]);

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    const answer = req.headers['x-amz-target'] === undefined && isSchedulerPath(path) ? handleScheduler : handle;
    answer(req, res, { services, region: options.region, log, ...(options.scheduler === undefined ? {} : { scheduler: options.scheduler }) }).catch((error: unknown) => {
      // Only a failure to write the response gets here; the connection is of no further use.
      log(`[local aws endpoint] could not answer a request (${safeErrorName(error)})`);
      res.destroy();
    });
  });
  server.listen(options.port, host);
  await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error))]);
  const { port } = server.address() as AddressInfo;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stop: () => {
      stopped ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // SDK clients keep connections alive; stopping means stopping now.
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

interface RequestContext {
  services: ReadonlyMap<string, Service>;
  region: string;
  log: (line: string) => void;
  scheduler?: LocalScheduler;
}

async function handle(req: IncomingMessage, res: ServerResponse, context: RequestContext): Promise<void> {
  const target = typeof req.headers['x-amz-target'] === 'string' ? req.headers['x-amz-target'] : '';
  const [prefix = '', operationName = ''] = splitTarget(target);
  const service = context.services.get(prefix);
  const requestVersion = JSON_CONTENT_TYPE.exec(req.headers['content-type'] ?? '')?.[1];
  const reply = (status: number, body: object) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': `application/x-amz-json-${requestVersion ?? service?.jsonVersion ?? '1.1'}`,
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
    });
    res.end(text);
  };
  const fail = (error: AwsProtocolError) => reply(error.status, { __type: error.type, message: error.message });

  const body = await readBody(req, MAX_REQUEST_BYTES);
  if (body === 'too large') {
    res.setHeader('connection', 'close');
    fail(new AwsProtocolError('RequestEntityTooLargeException', `The request body is larger than ${MAX_REQUEST_BYTES} bytes.`, 413));
    return;
  }
  const operation = req.method === 'POST' ? service?.operations.get(operationName) : undefined;
  if (operation === undefined) {
    fail(unknownOperation(target, service));
    return;
  }
  const signedRegion = signedRegionOf(req.headers.authorization);
  if (signedRegion !== undefined && signedRegion !== context.region) {
    fail(new AwsProtocolError('InvalidSignatureException', `This local endpoint serves region ${context.region}; the request was signed for ${signedRegion}. Configure the client with region ${context.region}.`));
    return;
  }
  const request = parseBody(body);
  if (request instanceof AwsProtocolError) {
    fail(request);
    return;
  }
  try {
    reply(200, await operation(request));
  } catch (error) {
    if (error instanceof AwsProtocolError) {
      fail(error);
      return;
    }
    // The class name only: an unexpected error's message may quote a plaintext or a token.
    context.log(`[local aws endpoint] ${target} failed unexpectedly (${safeErrorName(error)})`);
    reply(500, { __type: 'InternalFailure', message: 'The local AWS endpoint failed unexpectedly; see its log for the operation and error class, then retry.' });
  }
}

/** EventBridge Scheduler's REST-JSON requests: the operation is the method and path. */
async function handleScheduler(req: IncomingMessage, res: ServerResponse, context: RequestContext): Promise<void> {
  const reply = (status: number, body: object, errorType?: string) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
      ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
    });
    res.end(text);
  };
  const fail = (error: AwsProtocolError) => reply(error.status, { Message: error.message }, error.type);
  const body = await readBody(req, MAX_REQUEST_BYTES);
  if (body === 'too large') {
    res.setHeader('connection', 'close');
    fail(new AwsProtocolError('ValidationException', `The request body is larger than ${MAX_REQUEST_BYTES} bytes.`, 413));
    return;
  }
  if (context.scheduler === undefined) {
    fail(new AwsProtocolError('UnknownOperationException', 'The local AWS endpoint runs no EventBridge Scheduler here (the local runtime starts one).', 404));
    return;
  }
  const signedRegion = signedRegionOf(req.headers.authorization);
  if (signedRegion !== undefined && signedRegion !== context.region) {
    fail(new AwsProtocolError('InvalidSignatureException', `This local endpoint serves region ${context.region}; the request was signed for ${signedRegion}. Configure the client with region ${context.region}.`, 403));
    return;
  }
  const request = parseBody(body);
  if (request instanceof AwsProtocolError) {
    fail(request);
    return;
  }
  const url = new URL(req.url ?? '/', 'http://local');
  try {
    reply(200, answerSchedulerRequest(context.scheduler, { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body: request }, context.region));
  } catch (error) {
    if (error instanceof AwsProtocolError) {
      fail(error);
      return;
    }
    context.log(`[local aws endpoint] Scheduler ${req.method ?? ''} failed unexpectedly (${safeErrorName(error)})`);
    reply(500, { Message: 'The local AWS endpoint failed unexpectedly; see its log for the operation and error class, then retry.' }, 'InternalServerException');
  }
}

function splitTarget(target: string): [string, string] | [] {
  const dot = target.indexOf('.');
  return dot < 0 ? [] : [target.slice(0, dot), target.slice(dot + 1)];
}

function unknownOperation(target: string, service: Service | undefined): AwsProtocolError {
  const named = target === '' ? 'A request without X-Amz-Target' : SAFE_OPERATION_NAME.test(target) ? target : 'The X-Amz-Target given';
  const known = service && service.operations.size > 0 ? ` The local ${service.label} answers ${[...service.operations.keys()].join(', ')}.` : '';
  return new AwsProtocolError(
    'UnknownOperationException',
    `${named} is not an operation of the local AWS endpoint, which answers POST requests for KMS (TrentService.*), Secrets Manager (secretsmanager.*) and, when the local engine runs, Step Functions (AWSStepFunctions.*).${known}`,
  );
}

/** The region of a SigV4 `Authorization` header's credential scope, if there is one. */
function signedRegionOf(authorization: string | undefined): string | undefined {
  return /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\//.exec(authorization ?? '')?.[1];
}

function parseBody(body: Buffer): WireObject | AwsProtocolError {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return new AwsProtocolError('SerializationException', 'The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return new AwsProtocolError('SerializationException', 'The request body must be a JSON object.');
  }
  return parsed as WireObject;
}

/** The whole body, or 'too large' as soon as it passes `limit` (the rest is drained, not kept). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    let tooLarge = Number.isFinite(declared) && declared > limit;
    if (tooLarge) resolve('too large');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.byteLength;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      tooLarge = true;
      chunks.length = 0;
      resolve('too large');
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
