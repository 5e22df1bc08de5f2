import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalFunction } from '../../../lib/local/runtime/app/definitions.js';
import { installFunctionEnvironments, runInFunctionEnvironment } from '../../../lib/local/runtime/lambda/function-environment.js';
import { handlerProcessEnvironment, localFunctionEnvironment, type LocalResources } from '../../../lib/local/runtime/lambda/handler-environment.js';
import { lambdaContainers } from '../../../lib/local/runtime/lambda/lambda-containers.js';
import { invokeLocalLambda, type LocalLambda } from '../../../lib/local/runtime/lambda/lambda-invoke.js';

const FIXTURE = new URL('./fixtures/environment-handler.ts', import.meta.url).href;
type Seen = { loadedWith?: string; before?: string; after?: string; has: boolean; keys: string[]; spread?: string; setByHandler?: string };

describe('function environments: each function sees its own process.env, as on Lambda', () => {
  let restore: (() => void) | undefined;
  const original = process.env;
  beforeEach(() => {
    process.env.APPROVERS = 'the-process-value';
    delete process.env.SET_BY_HANDLER;
  });
  afterEach(() => {
    restore?.();
    restore = undefined;
    delete process.env.APPROVERS;
  });

  async function functionNamed(name: string, approvers: string): Promise<LocalLambda> {
    const pool = await lambdaContainers(FIXTURE, 4, { function: { name, environment: { APPROVERS: approvers, ONLY_IN_FUNCTION: name } } });
    return { handler: 'fixture', arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`, timeoutSeconds: 30, ...pool };
  }

  it('gives two functions with different values for one variable each their own, in concurrent invocations and at module load', async () => {
    restore = installFunctionEnvironments();
    const [a, b] = await Promise.all([functionNamed('invoice-request-approval', '["a@example.com"]'), functionNamed('vendor-request-approval', '["b@example.com"]')]);
    // Interleaved: each invocation reads before and after the others' awaits.
    const runs = Array.from({ length: 8 }, (_, n) => (n % 2 === 0 ? { fn: a, expected: '["a@example.com"]' } : { fn: b, expected: '["b@example.com"]' }));
    const seen = (await Promise.all(runs.map(({ fn }, n) => invokeLocalLambda(fn, { waitMs: 5 * ((n * 7) % 5) })))) as Seen[];
    seen.forEach((answer, n) => {
      const expected = runs[n]!.expected;
      expect(answer).toMatchObject({ loadedWith: expected, before: expected, after: expected, spread: expected, has: true });
      expect(answer.keys).toEqual(['APPROVERS', 'ONLY_IN_FUNCTION']);
    });
    // Outside an invocation, meanwhile and after: the process's own environment, untouched.
    expect(process.env.APPROVERS).toBe('the-process-value');
    expect('ONLY_IN_FUNCTION' in process.env).toBe(false);
    expect(Object.keys(process.env)).not.toContain('ONLY_IN_FUNCTION');
    expect(original.APPROVERS).toBe('the-process-value');
  });

  it("keeps what a handler sets in its own environment, out of the process's and the other function's", async () => {
    restore = installFunctionEnvironments();
    const [a, b] = await Promise.all([functionNamed('a', 'x'), functionNamed('b', 'y')]);
    expect(await invokeLocalLambda(a, { waitMs: 0, set: 'by-a' })).toMatchObject({ setByHandler: 'by-a' });
    expect(await invokeLocalLambda(b, { waitMs: 0 })).not.toHaveProperty('setByHandler');
    expect(await invokeLocalLambda(a, { waitMs: 0 })).toMatchObject({ setByHandler: 'by-a' });
    expect(process.env.SET_BY_HANDLER).toBeUndefined();
  });

  it('writes outside an invocation reach the real environment, and stop puts the original process.env back', () => {
    restore = installFunctionEnvironments();
    expect(process.env).not.toBe(original);
    process.env.SET_BY_HANDLER = 'outside';
    expect(original.SET_BY_HANDLER).toBe('outside');
    delete process.env.SET_BY_HANDLER;
    expect(original.SET_BY_HANDLER).toBeUndefined();
    expect(runInFunctionEnvironment({ APPROVERS: 'inside' }, () => process.env.APPROVERS)).toBe('inside');
    restore();
    restore = undefined;
    expect(process.env).toBe(original);
    expect(() => runInFunctionEnvironment({}, () => undefined)).toThrow(/not installed/);
  });

  it('refuses a second installation: one local runtime per process', () => {
    restore = installFunctionEnvironments();
    expect(() => installFunctionEnvironments()).toThrow(/installed already/);
  });
});

describe('localFunctionEnvironment', () => {
  const resources: LocalResources = {
    region: 'us-east-1',
    eventsTable: 'wardflow-local-events',
    sealingKeyArn: 'arn:seal',
    linkKeyArn: 'arn:link',
    approvalSiteUrl: 'http://127.0.0.1:7700',
    paymentsSecretId: 'wardflow/local/payments-api-key',
    auditBucket: 'wardflow-local-audit',
    endpoints: { dynamodb: 'http://d', s3: 'http://s', sesv2: 'http://e', aws: 'http://a' },
  };
  const requestApproval = (workflow: string, approver: string, machine: string): LocalFunction => ({
    handler: 'request-approval',
    name: `${workflow}-request-approval`,
    arn: `arn:aws:lambda:us-east-1:000000000000:function:wardflow-local-${workflow}-request-approval`,
    timeoutSeconds: 30,
    literalEnvironment: { APPROVERS: JSON.stringify([approver]), WORKFLOW_NAME: workflow, NODE_OPTIONS: '--enable-source-maps' },
    resolvedEnvironment: { STATE_MACHINE_ARN: machine },
    referencedEnvironment: ['EVENTS_TABLE', 'APPROVAL_LINK_KEY_ID'],
  });

  it("gives two functions their own values for one variable, with the shared local settings and each one's references", () => {
    const invoice = localFunctionEnvironment(requestApproval('invoice-approval', 'a@example.com', 'arn:sm:invoice'), resources);
    const vendor = localFunctionEnvironment(requestApproval('vendor-bank-details', 'b@example.com', 'arn:sm:vendor'), resources);
    expect(invoice).toMatchObject({ APPROVERS: '["a@example.com"]', WORKFLOW_NAME: 'invoice-approval', STATE_MACHINE_ARN: 'arn:sm:invoice', EVENTS_TABLE: 'wardflow-local-events' });
    expect(vendor).toMatchObject({ APPROVERS: '["b@example.com"]', WORKFLOW_NAME: 'vendor-bank-details', STATE_MACHINE_ARN: 'arn:sm:vendor', APPROVAL_LINK_KEY_ID: 'arn:link' });
    for (const environment of [invoice, vendor]) {
      expect(environment).toMatchObject({ WARDFLOW_ENV: 'local', MODEL_PROVIDER: 'local', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_DYNAMODB: 'http://d', AWS_ACCESS_KEY_ID: 'local' });
      expect(environment).not.toHaveProperty('NODE_OPTIONS');
    }
  });

  it('gives every function the Scheduler endpoint, the local marker and the clock offset, and resolves the approval timer variables', () => {
    const scheduler = { timerArn: 'arn:aws:lambda:us-east-1:000000000000:function:wardflow-local-approval-timer', roleArn: 'arn:aws:iam::000000000000:role/r', group: 'wardflow-local-approvals' };
    const fn = { ...requestApproval('invoice-approval', 'a@example.com', 'arn:sm'), referencedEnvironment: ['APPROVAL_TIMER_ARN', 'APPROVAL_TIMER_ROLE_ARN', 'APPROVAL_SCHEDULE_GROUP'] };
    expect(localFunctionEnvironment(fn, { ...resources, scheduler, clockOffsetMs: 5_400_000 })).toMatchObject({
      APPROVAL_TIMER_ARN: scheduler.timerArn,
      APPROVAL_TIMER_ROLE_ARN: scheduler.roleArn,
      APPROVAL_SCHEDULE_GROUP: 'wardflow-local-approvals',
      AWS_ENDPOINT_URL_SCHEDULER: 'http://a',
      WARDFLOW_LOCAL_RUNTIME: '1',
      WARDFLOW_LOCAL_CLOCK_OFFSET_MS: '5400000',
    });
    // Without an offset the variable is 0, so one left in the shell never reaches a handler.
    expect(localFunctionEnvironment(requestApproval('a', 'a@example.com', 'arn:sm'), resources).WARDFLOW_LOCAL_CLOCK_OFFSET_MS).toBe('0');
    expect(() => localFunctionEnvironment(fn, resources)).toThrow(/gets APPROVAL_TIMER_ARN from a CloudFormation reference that the local runtime has no local value for/);
  });

  it('refuses a referenced variable that has no local value, naming the function', () => {
    const fn = { ...requestApproval('invoice-approval', 'a@example.com', 'arn:sm'), referencedEnvironment: ['SOMETHING_NEW'] };
    expect(() => localFunctionEnvironment(fn, resources)).toThrow(/invoice-approval-request-approval gets SOMETHING_NEW from a CloudFormation reference that the local runtime has no local value for/);
  });

  it('lays the function environment over the process environment, without the variables removed locally', () => {
    const environment = handlerProcessEnvironment({ PATH: '/bin', AWS_PROFILE: 'prod', APPROVERS: 'shell' }, { APPROVERS: 'template' });
    expect(environment).toEqual({ PATH: '/bin', APPROVERS: 'template' });
  });
});
