import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  GetSecretValueCommand,
  type SecretsManagerClientResolvedConfig,
  type ServiceInputTypes as SecretsManagerInput,
  type ServiceOutputTypes as SecretsManagerOutput,
} from '@aws-sdk/client-secrets-manager';
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  type SFNClientResolvedConfig,
  type ServiceInputTypes as SfnInput,
  type ServiceOutputTypes as SfnOutput,
} from '@aws-sdk/client-sfn';
import { SESv2Client, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { AwsStub } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, vi } from 'vitest';
import { useSfnClient } from '../../../functions/record-decision/handler.js';
import { useEmailClient } from '../../../functions/shared/approvals/approval-email.js';
import { HmacLinkSigner, useLinkSigner, type LinkSigner } from '../../../functions/shared/approvals/link-signer.js';
import { EncryptionSdkSealer } from '../../../functions/shared/crypto/envelope-sealer.js';
import { DynamoDbEventStore } from '../../../functions/shared/events/dynamodb-store.js';
import { approvalStream, executionStream, type StoredEvent } from '../../../functions/shared/events/event.js';
import type { ApprovalSubject } from '../../../functions/shared/approvals/approval-subject.js';
import type { Invoice } from '../../../functions/workflows/invoice-approval/domain/invoice.js';
import { handler as recordBankDetailsChange } from '../../../functions/workflows/vendor-bank-details/record-bank-details-change/handler.js';
import { vendorIdOf } from '../../../functions/workflows/vendor-bank-details/domain/vendor-id.js';
import { setDependencies, type StepDependencies } from '../../../functions/shared/runtime.js';
import { startDynalite, TEST_CREDENTIALS, TEST_REGION, type LocalDynamo } from '../../support/dynalite.js';

/** A Lambda context without getRemainingTimeInMillis, so middy sets no timeout timer. */
export function lambdaContext(awsRequestId = 'req-1'): Context {
  return { awsRequestId, functionName: 'test-fn' } as unknown as Context;
}

/** The workflow input of an example file, as the state machine receives it. */
export function exampleInput(file: string): { invoiceText: string; source: string } {
  return JSON.parse(readFileSync(new URL(`../../../statemachines/invoice-approval/examples/${file}`, import.meta.url), 'utf8')) as { invoiceText: string; source: string };
}

import { invoiceApproval } from '../../../statemachines/invoice-approval/workflow.js';
import { evaluatePolicy } from '../../../functions/shared/approvals/policy/evaluate.js';
import { ApprovalPolicy as ApprovalPolicySchema } from '../../../functions/shared/approvals/policy/schema.js';
import { workflowInputJsonSchema } from '../../../lib/workflows/input-schema.js';

/** The one approver of {@link STEP_ENV} (APPROVERS lists only them). */
export const APPROVER = 'approver@example.com';

/** The environment the CDK stack would give the invoice-approval steps, in local mode. */
export const STEP_ENV = {
  MODEL_PROVIDER: 'local',
  ALLOWED_MODELS: 'local.stand-in',
  APPROVERS: JSON.stringify([APPROVER]),
  // The invoice gate's policy groups (cdk.json's dev groups in shape) and its timers' scheduler.
  APPROVER_GROUPS: JSON.stringify({
    finance: [APPROVER, 'finance-2@example.com'],
    managers: ['manager-1@example.com'],
    'finance-directors': ['director-1@example.com', 'director-2@example.com', 'director-3@example.com'],
  }),
  APPROVAL_TIMER_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:wardflow-test-approval-timer',
  APPROVAL_TIMER_ROLE_ARN: 'arn:aws:iam::000000000000:role/wardflow-test-approval-timers',
  APPROVAL_SCHEDULE_GROUP: 'wardflow-test-approval-timers',
  WORKFLOW_NAME: 'invoice-approval',
  WORKFLOW_INPUT_SCHEMA: workflowInputJsonSchema(invoiceApproval),
  APPROVAL_TIMEOUT_SECONDS: '86400',
  PAYMENTS_SECRET_ID: 'wardflow/test/payments-api-key',
  APPROVAL_SITE_URL: 'https://approvals.example.test',
  APPROVAL_LINK_KEY_ID: 'alias/wardflow-test-approval-links',
  APPROVAL_EMAIL_FROM: 'wardflow@example.test',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:wardflow-test-invoice-approval',
  WORKFLOW_STATE_MACHINES: JSON.stringify({ 'invoice-approval': 'arn:aws:states:us-east-1:000000000000:stateMachine:wardflow-test-invoice-approval' }),
} as const;

export interface HandlerWorld {
  deps: StepDependencies;
  read(stream: string): Promise<StoredEvent[]>;
  executionEvents(executionId: string): Promise<StoredEvent[]>;
  approvalEvents(approvalId: string): Promise<StoredEvent[]>;
  /** Moves the clock the steps see. */
  setNow(date: Date): void;
  /** The in-process HMAC signer installed in place of KMS for approval links. */
  signer: LinkSigner;
  /** Every approval email sent through the world's outbox, in order (a file-level `mockClient(SESv2Client)` bypasses it). */
  sentEmails(): SendEmailCommandInput[];
  stop(): Promise<void>;
}

export interface WorldOptions {
  /**
   * Installs a real SFNClient for record-decision's delivery (so a file-level
   * `mockClient(SFNClient)` answers it); `stop()` uninstalls it.
   */
  stepFunctions?: boolean;
}

/**
 * dynalite with a fresh events table, a raw-AES sealer, and dependencies installed for the steps;
 * approval links signed by an in-process HMAC key and approval emails kept in an outbox, so
 * request-approval reaches neither KMS nor SES.
 *
 * @example
 * beforeAll(async () => { world = await startWorld({ stepFunctions: true }); });
 * afterAll(async () => { await world.stop(); });
 */
export async function startWorld(options: WorldOptions = {}): Promise<HandlerWorld> {
  const dynamo: LocalDynamo = await startDynalite();
  const tableName = await dynamo.createEventsTable();
  const sealer = EncryptionSdkSealer.rawAes({ keyName: 'test', keyNamespace: 'wardflow-test', key: randomBytes(32) });
  let now = new Date('2026-12-01T09:00:00.000Z');
  const store = new DynamoDbEventStore({ client: dynamo.client, tableName, sealer, now: () => now });
  const deps: StepDependencies = {
    config: {
      environment: 'test',
      eventsTable: tableName,
      dataKeyId: 'raw-aes-test',
      dataKeyCacheSeconds: 0,
      secretsCacheSeconds: 0,
      logLevel: 'DEBUG',
    },
    store,
    sealer,
    now: () => now,
  };
  setDependencies(deps);
  if (options.stepFunctions) useSfnClient(new SFNClient({ region: 'us-east-1' }));
  const signer = new HmacLinkSigner(randomBytes(32));
  useLinkSigner(signer);
  const outbox = outboxEmailClient();
  useEmailClient(outbox.client);
  return {
    deps,
    read: (stream) => store.read(stream),
    executionEvents: (id) => store.read(executionStream(id)),
    approvalEvents: (id) => store.read(approvalStream(id)),
    setNow(date) {
      now = date;
    },
    signer,
    sentEmails: () => [...outbox.sent],
    async stop() {
      if (options.stepFunctions) useSfnClient(undefined);
      useLinkSigner(undefined);
      useEmailClient(undefined);
      outbox.client.destroy();
      setDependencies(undefined);
      await dynamo.stop();
    },
  };
}

/**
 * Starts a world before the file's tests and stops it after them (registers `beforeAll` and
 * `afterAll`); call it at the top level of a test file. The returned world forwards to the
 * started one, so it may be captured in a `const` but is usable only inside tests and hooks.
 *
 * @example
 * const world = useHandlerWorld({ stepFunctions: true });
 * it('records the start', async () => { expect(await world.executionEvents('exec-1')).toHaveLength(2); });
 */
export function useHandlerWorld(options: WorldOptions = {}): HandlerWorld {
  let started: HandlerWorld | undefined;
  beforeAll(async () => {
    started = await startWorld(options);
  });
  afterAll(async () => {
    await started?.stop();
  });
  const current = (): HandlerWorld => {
    if (!started) throw new Error('the handler world starts in beforeAll; use it inside tests and hooks only');
    return started;
  };
  return {
    get deps() {
      return current().deps;
    },
    read: (stream) => current().read(stream),
    executionEvents: (id) => current().executionEvents(id),
    approvalEvents: (id) => current().approvalEvents(id),
    setNow: (date) => current().setNow(date),
    get signer() {
      return current().signer;
    },
    sentEmails: () => current().sentEmails(),
    stop: () => current().stop(),
  };
}

/**
 * A real SESv2Client whose requests never leave the process: SendEmail inputs are kept in
 * `sent` and answered with a message id, at the start of the SDK's middleware stack.
 */
function outboxEmailClient(): { client: SESv2Client; sent: SendEmailCommandInput[] } {
  const sent: SendEmailCommandInput[] = [];
  const client = new SESv2Client({ region: TEST_REGION, credentials: TEST_CREDENTIALS });
  client.middlewareStack.add(
    () => async (args) => {
      sent.push(args.input as SendEmailCommandInput);
      return { response: {}, output: { MessageId: `outbox-${sent.length}`, $metadata: {} } } as never;
    },
    { step: 'initialize', name: 'wardflowTestOutbox' },
  );
  return { client, sent };
}

/** The approval links (`.../approvals/<link>`) an email's text part carries, link part only. */
export function linksIn(email: SendEmailCommandInput): string[] {
  const text = email.Content?.Simple?.Body?.Text?.Data ?? '';
  return [...text.matchAll(/\/approvals\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g)].map((m) => m[1]!);
}

export interface PageRequest {
  /** Form body, sent as application/x-www-form-urlencoded unless `contentType` says otherwise. */
  form?: Record<string, string>;
  /** A raw body instead of `form`. */
  body?: string;
  contentType?: string;
  /** Sends the body base64-encoded, as API Gateway does for some clients. */
  base64?: boolean;
  requestId?: string;
}

/**
 * An API Gateway HTTP API (payload 2.0) event for the approval page, shaped as the local
 * runtime builds it from a node:http request.
 *
 * @example
 * const response = await approvalPage(pageEvent('POST', link, { form: { decision: 'approve' } }), lambdaContext());
 */
export function pageEvent(method: string, link: string, request: PageRequest = {}): APIGatewayProxyEventV2 {
  const text = request.body ?? (request.form ? new URLSearchParams(request.form).toString() : undefined);
  const headers: Record<string, string> = { host: 'approvals.example.test', 'user-agent': 'vitest' };
  if (text !== undefined) headers['content-type'] = request.contentType ?? 'application/x-www-form-urlencoded';
  return {
    version: '2.0',
    routeKey: `${method} /approvals/{link}`,
    rawPath: `/approvals/${link}`,
    rawQueryString: '',
    headers,
    pathParameters: { link },
    ...(text !== undefined ? { body: request.base64 ? Buffer.from(text, 'utf8').toString('base64') : text } : {}),
    isBase64Encoded: request.base64 === true,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'approvals.example.test',
      domainPrefix: 'approvals',
      http: { method, path: `/approvals/${link}`, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: request.requestId ?? 'page-req-1',
      routeKey: `${method} /approvals/{link}`,
      stage: '$default',
      time: '01/Dec/2026:09:00:00 +0000',
      timeEpoch: 1_796_115_600_000,
    },
  };
}

/** Runs `fn` and returns what it threw (fails the test when it did not throw). */
export async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the handler to fail, and it succeeded');
}

/** A step handler as the tests invoke it; the context type is the handler's own. */
export type StepHandler<T> = (event: unknown, context: never) => Promise<T>;

/**
 * Invokes a step with the envelope the state machine sends: `{ executionId, input, taskToken? }`.
 * `taskToken` is left out of the envelope entirely when not given, as for non-gate tasks.
 *
 * @example
 * const policy = await callStep(applyPolicy, 'exec-1', { invoice: SAMPLE_INVOICE });
 */
export function callStep<T>(handler: StepHandler<T>, executionId: string, input: unknown, taskToken?: string): Promise<T> {
  return handler({ executionId, input, ...(taskToken ? { taskToken } : {}) }, lambdaContext() as never);
}

/** Acme's account, as examples/invoice-small.json prints it and vendor-bank-details/examples/bank-change-acme.json registers it. */
export const SAMPLE_IBAN = 'IE48XMPL93115212345678';

/** The facts of examples/invoice-small.json: below the shipped auto-approve threshold, paid to the account {@link registerSampleVendor} registers. */
export const SAMPLE_INVOICE: Invoice = {
  vendor: 'Acme Office Supplies',
  invoiceNumber: 'INV-2026-0042',
  currency: 'EUR',
  amount: '4999.99',
  dueDate: '2026-12-31',
  iban: SAMPLE_IBAN,
};

/**
 * Puts Acme's bank details in the vendor register, in force since 1 November 2026 (the world's clock
 * starts on 1 December), through the vendor-bank-details workflow's own record step, as its example
 * bank-change-acme.json does once approved: without it no invoice is auto-approved. Idempotent.
 *
 * @example
 * const world = useHandlerWorld();
 * beforeAll(registerSampleVendor);
 */
export async function registerSampleVendor(): Promise<void> {
  const request = { vendor: SAMPLE_INVOICE.vendor, iban: SAMPLE_IBAN, effectiveDate: '2026-11-01' };
  await callStep(recordBankDetailsChange, 'vendor-bank-details:register-sample-vendor', { request, vendorId: vendorIdOf(request.vendor) });
}

/**
 * An invoice that needs an approver: above the shipped threshold, like examples/invoice-large.json
 * (with an earlier due date), for the tests that start at the approval gate.
 */
export const LARGE_INVOICE: Invoice = {
  vendor: 'Northwind Traders',
  invoiceNumber: 'NW-88213',
  currency: 'USD',
  amount: '12480.00',
  dueDate: '2026-12-31',
};

/**
 * The subject the invoice-approval workflow declares for its gate (statemachines/invoice-approval/workflow.ts),
 * as its state machine builds it from the extracted invoice.
 *
 * @example
 * await callStep(requestApproval, 'exec-1', { approvalId: 'exec-1-1', subject: invoiceSubject(LARGE_INVOICE) }, token);
 */
export function invoiceSubject(invoice: Invoice): ApprovalSubject {
  return {
    title: `Invoice ${invoice.invoiceNumber} from ${invoice.vendor}`,
    fields: [
      { label: 'Vendor', value: invoice.vendor },
      { label: 'Invoice number', value: invoice.invoiceNumber },
      { label: 'Amount', value: invoice.amount },
      { label: 'Currency', value: invoice.currency },
      { label: 'Due date', value: invoice.dueDate },
    ],
  };
}

/** The invoice gate's approval policy as shipped (statemachines/invoice-approval/approval-policy.json). */
export const INVOICE_APPROVAL_POLICY: unknown = JSON.parse(readFileSync(invoiceApproval.gates!.approval.policy!.file, 'utf8'));

/**
 * The gate's input for an invoice, as the invoice state machine builds it: the approval, the
 * subject, the shipped policy and its facts (the vendor check's `knownVendor`).
 *
 * @example
 * await callStep(requestApproval, id, invoiceGateInput(id, invoice, true), token); // auto-approved by the policy
 */
export function invoiceGateInput(executionId: string, invoice: Invoice, knownVendor: boolean): Record<string, unknown> {
  return {
    approvalId: `${executionId}-1`,
    subject: invoiceSubject(invoice),
    policy: INVOICE_APPROVAL_POLICY,
    facts: { amount: invoice.amount, currency: invoice.currency, knownVendor },
  };
}

/**
 * What the invoice gate records when its policy auto-approves (functions/shared/approvals/policy-gate/open-policy-approval.ts),
 * for tests of the steps after the gate that need an approval on record without running the gate
 * (and its Step Functions callback). Refuses an invoice the shipped policy would not auto-approve.
 *
 * @example
 * await recordPolicyAutoApproval(world, 'exec-1', invoice);
 */
export async function recordPolicyAutoApproval(world: HandlerWorld, executionId: string, invoice: Invoice): Promise<void> {
  const checked = ApprovalPolicySchema.parse(INVOICE_APPROVAL_POLICY);
  const outcome = evaluatePolicy(checked, { amount: invoice.amount, currency: invoice.currency, knownVendor: true });
  if (outcome.kind !== 'auto' || outcome.decision !== 'approve') throw new Error('test: the shipped policy does not auto-approve this invoice');
  const approvalId = `${executionId}-1`;
  await world.deps.store.append(approvalStream(approvalId), 0, [
    { type: 'ApprovalAutoDecided', actor: `policy:${outcome.rule}`, data: { approvalId, executionId, decision: 'approve', rule: outcome.rule } },
  ]);
}

/**
 * Stubs {@link STEP_ENV} for the next test, and PAYMENTS_API_URL when given ('' selects the
 * local ledger). Undone by {@link undoTestStubs}.
 *
 * @example
 * beforeEach(() => stubStepEnvironment({ paymentsApiUrl: '' }));
 */
export function stubStepEnvironment(options: { paymentsApiUrl?: string } = {}): void {
  for (const [name, value] of Object.entries(STEP_ENV)) vi.stubEnv(name, value);
  if (options.paymentsApiUrl !== undefined) vi.stubEnv('PAYMENTS_API_URL', options.paymentsApiUrl);
}

export type SecretsManagerStub = AwsStub<SecretsManagerInput, SecretsManagerOutput, SecretsManagerClientResolvedConfig>;

/**
 * Resets the file's Secrets Manager mock and makes GetSecretValue answer with the payments key.
 * With `onlyForSecretId`, only a read of {@link STEP_ENV}.PAYMENTS_SECRET_ID is answered, so a read
 * of any other secret fails the test.
 *
 * @example
 * const secretsManager = mockClient(SecretsManagerClient);
 * beforeEach(() => answerPaymentsSecret(secretsManager, { secretString: 'sk_test_x', versionId: 'v-1' }));
 */
export function answerPaymentsSecret(
  secretsManager: SecretsManagerStub,
  answer: { secretString: string; versionId: string; onlyForSecretId?: boolean },
): void {
  secretsManager.reset();
  const read = answer.onlyForSecretId
    ? secretsManager.on(GetSecretValueCommand, { SecretId: STEP_ENV.PAYMENTS_SECRET_ID })
    : secretsManager.on(GetSecretValueCommand);
  read.resolves({ SecretString: answer.secretString, VersionId: answer.versionId });
}

export type SfnStub = AwsStub<SfnInput, SfnOutput, SFNClientResolvedConfig>;

/**
 * Resets the file's Step Functions mock and makes SendTaskSuccess and SendTaskFailure succeed,
 * and DescribeExecution say every execution is RUNNING (a decision is only taken while it is).
 *
 * @example
 * const sfnMock = mockClient(SFNClient);
 * beforeEach(() => acceptTaskCallbacks(sfnMock));
 */
export function acceptTaskCallbacks(sfn: SfnStub): void {
  sfn.reset();
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
  sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
}

/**
 * The calls that told a gate task something (SendTaskSuccess, SendTaskFailure), leaving out the
 * status questions (DescribeExecution) asked before each decision.
 *
 * @example
 * expect(deliveries(sfnMock)).toHaveLength(1);
 */
export function deliveries(sfn: SfnStub): ReturnType<SfnStub['calls']> {
  return sfn.calls().filter((call) => call.args[0] instanceof SendTaskSuccessCommand || call.args[0] instanceof SendTaskFailureCommand);
}

/**
 * Swallows what the steps print for the current test (the logger writes to stdout/stderr),
 * so logged failures do not clutter the test output. Undone by {@link undoTestStubs}.
 */
export function silenceOutput(): void {
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
}

/**
 * Like {@link silenceOutput}, but keeps every chunk written to stdout or stderr, in order,
 * so a test can prove that no document text, secret or token reaches the logs.
 *
 * @example
 * beforeEach(() => { output = captureOutput(); });
 * // ... expect(output.join('')).not.toContain(PAYMENTS_KEY);
 */
export function captureOutput(): string[] {
  const output: string[] = [];
  const keep = (chunk: unknown) => {
    output.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(keep);
  vi.spyOn(process.stderr, 'write').mockImplementation(keep);
  return output;
}

/**
 * Undoes a test's spies and env stubs, and reinstalls the world's dependencies in case the
 * test swapped in a failing store.
 *
 * @example
 * afterEach(() => undoTestStubs(world));
 */
export function undoTestStubs(world: HandlerWorld): void {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  setDependencies(world.deps);
}
