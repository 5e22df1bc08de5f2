import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationInvalid } from '../../../functions/shared/errors.js';
import { LOCAL_CLOCK_OFFSET_VARIABLE, LOCAL_RUNTIME_MARKER, localClockOffsetMs, MAX_LOCAL_CLOCK_OFFSET_MS } from '../../../functions/shared/local-clock.js';
import { dependenciesFromEnvironment } from '../../../functions/shared/runtime.js';
import { synthesizeLocalApplication } from '../../../lib/local/runtime/app/definitions.js';
import { localFunctionEnvironment, type LocalResources } from '../../../lib/local/runtime/lambda/handler-environment.js';
import { formatClockOffset, parseClockOffset } from '../../../lib/local/scheduler/clock-offset.js';
import { synthWardflow } from '../cdk/synth.js';

const STEP_ENVIRONMENT = { EVENTS_TABLE: 'wardflow-local-events', DATA_KEY_ID: 'arn:aws:kms:us-east-1:000000000000:key/k' };
const local = (offset: string) => ({ ...STEP_ENVIRONMENT, [LOCAL_RUNTIME_MARKER]: '1', [LOCAL_CLOCK_OFFSET_VARIABLE]: offset });

describe('--clock-offset', () => {
  it('reads minutes, hours and days, and shows them back in the largest unit that divides them', () => {
    expect(parseClockOffset('90m')).toBe(90 * 60_000);
    expect(parseClockOffset('25h')).toBe(25 * 3_600_000);
    expect(parseClockOffset('3d')).toBe(3 * 86_400_000);
    expect(parseClockOffset('400d')).toBe(MAX_LOCAL_CLOCK_OFFSET_MS);
    expect(formatClockOffset(parseClockOffset('25h'))).toBe('+25h');
    expect(formatClockOffset(parseClockOffset('48h'))).toBe('+2d');
    expect(formatClockOffset(parseClockOffset('90m'))).toBe('+90m');
  });

  it('refuses anything else, saying what it takes', () => {
    for (const text of ['', '25', '1.5h', '-2h', '2w', '401d', 'h', '25 h']) {
      expect(() => parseClockOffset(text), text).toThrow(/--clock-offset must be a whole number of minutes, hours or days \(90m, 25h, 3d\), at most 400d/);
    }
  });
});

describe("the handlers' clock", () => {
  it('runs ahead by the offset inside the local runtime', () => {
    const before = Date.now();
    const { now } = dependenciesFromEnvironment(local(String(25 * 3_600_000)));
    const seen = now().getTime();
    expect(seen).toBeGreaterThanOrEqual(before + 25 * 3_600_000);
    expect(seen).toBeLessThanOrEqual(Date.now() + 25 * 3_600_000);
  });

  it('ignores the offset without the local runtime marker (a deployed function never runs ahead)', () => {
    expect(localClockOffsetMs({ [LOCAL_CLOCK_OFFSET_VARIABLE]: '90000000' })).toBe(0);
    expect(localClockOffsetMs({ [LOCAL_CLOCK_OFFSET_VARIABLE]: '90000000', [LOCAL_RUNTIME_MARKER]: 'true' })).toBe(0);
    expect(localClockOffsetMs({ [LOCAL_RUNTIME_MARKER]: '1' })).toBe(0);
    const { now } = dependenciesFromEnvironment({ ...STEP_ENVIRONMENT, [LOCAL_CLOCK_OFFSET_VARIABLE]: String(MAX_LOCAL_CLOCK_OFFSET_MS) });
    expect(now().getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('refuses a malformed or out-of-range offset in the local runtime, naming the variable and never running on the real clock', () => {
    for (const text of ['-1', '1.5', '25h', ' 5', '1e6', String(MAX_LOCAL_CLOCK_OFFSET_MS + 1)]) {
      expect(() => dependenciesFromEnvironment(local(text)), text).toThrow(ConfigurationInvalid);
      expect(() => localClockOffsetMs(local(text)), text).toThrow(/WARDFLOW_LOCAL_CLOCK_OFFSET_MS must be a whole number of milliseconds from 0 to 34560000000/);
    }
    expect(localClockOffsetMs(local(String(MAX_LOCAL_CLOCK_OFFSET_MS)))).toBe(MAX_LOCAL_CLOCK_OFFSET_MS);
  });
});

describe('who sets the local clock variables', () => {
  const resources: LocalResources = {
    region: 'us-east-1',
    eventsTable: 't',
    sealingKeyArn: 'k',
    linkKeyArn: 'l',
    approvalSiteUrl: 'http://localhost',
    paymentsSecretId: 's',
    auditBucket: 'b',
    endpoints: { dynamodb: 'd', s3: 's', sesv2: 'e', aws: 'http://127.0.0.1:7704' },
    scheduler: { timerArn: 'arn:aws:lambda:us-east-1:000000000000:function:wardflow-local-approval-timer', roleArn: 'arn:aws:iam::000000000000:role/r', group: 'wardflow-local-approvals' },
    clockOffsetMs: 90_000_000,
  };

  // Synthesized once, in hooks with room for a loaded 2-core machine (every stage, then the local one).
  let app: ReturnType<typeof synthWardflow>;
  let localApp: ReturnType<typeof synthesizeLocalApplication>;
  beforeAll(() => {
    app = synthWardflow();
    localApp = synthesizeLocalApplication({ environmentName: 'local', region: 'us-east-1' });
  }, 240_000);

  it('CDK sets neither on any function of any environment, nor of the local synthesis', () => {
    expect(app.stages.length).toBeGreaterThan(1);
    let functions = 0;
    for (const stage of app.stages) {
      const lambdas = Template.fromStack(stage.stack).findResources('AWS::Lambda::Function') as Record<string, { Properties: { Environment?: { Variables?: Record<string, unknown> } } }>;
      for (const [id, fn] of Object.entries(lambdas)) {
        functions += 1;
        const names = Object.keys(fn.Properties.Environment?.Variables ?? {});
        expect(names, `${stage.stack.stackName} ${id}`).not.toContain(LOCAL_CLOCK_OFFSET_VARIABLE);
        expect(names, `${stage.stack.stackName} ${id}`).not.toContain(LOCAL_RUNTIME_MARKER);
      }
    }
    expect(functions).toBeGreaterThan(10);
    for (const fn of localApp.functions) {
      const fromTemplate = [...Object.keys(fn.literalEnvironment), ...Object.keys(fn.resolvedEnvironment), ...fn.referencedEnvironment];
      expect(fromTemplate, fn.name).not.toContain(LOCAL_CLOCK_OFFSET_VARIABLE);
      expect(fromTemplate, fn.name).not.toContain(LOCAL_RUNTIME_MARKER);
    }
  });

  it('the local runtime sets both on every function, with the Scheduler endpoint and the timer variables it resolves', () => {
    for (const fn of localApp.functions) {
      const environment = localFunctionEnvironment(fn, resources);
      expect(environment, fn.name).toMatchObject({ [LOCAL_RUNTIME_MARKER]: '1', [LOCAL_CLOCK_OFFSET_VARIABLE]: '90000000', AWS_ENDPOINT_URL_SCHEDULER: 'http://127.0.0.1:7704' });
      for (const variable of ['APPROVAL_TIMER_ARN', 'APPROVAL_TIMER_ROLE_ARN', 'APPROVAL_SCHEDULE_GROUP'] as const) {
        if (fn.referencedEnvironment.includes(variable)) expect(environment[variable], `${fn.name} ${variable}`).toBe({ APPROVAL_TIMER_ARN: resources.scheduler!.timerArn, APPROVAL_TIMER_ROLE_ARN: resources.scheduler!.roleArn, APPROVAL_SCHEDULE_GROUP: resources.scheduler!.group }[variable]);
      }
    }
  });
});
