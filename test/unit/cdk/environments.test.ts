import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ConfigurationInvalid } from '../../../functions/shared/errors.js';
import { loadEnvironments, MAX_APPROVAL_TIMEOUT_HOURS, parseEnvironments, stageIdOf } from '../../../lib/config/environments.js';
import { workflowSettings } from '../../../lib/workflows/workflow-definition.js';
import { WORKFLOWS } from '../../../statemachines/index.js';
import { CDK_CONTEXT } from './synth.js';

const fromCdkJson = CDK_CONTEXT['wardflow:environments'] as Record<string, Record<string, unknown>>;
const dev = fromCdkJson.dev!;

/** The error thrown by parseEnvironments, so its message can be read. */
function failureOf(raw: unknown, stages?: string): ConfigurationInvalid {
  try {
    parseEnvironments(raw, stages);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationInvalid);
    return error as ConfigurationInvalid;
  }
  throw new Error('expected parseEnvironments to throw');
}

describe('environment configuration', () => {
  it('accepts cdk.json as shipped: dev and prod, prod protected for 7 years', () => {
    const environments = parseEnvironments(fromCdkJson);
    expect(environments.map((e) => e.name)).toEqual(['dev', 'prod']);
    const prod = environments.find((e) => e.name === 'prod')!.config;
    expect(prod.deletionProtection).toBe(true);
    expect(prod.auditRetentionDays).toBe(2555);
    expect(prod.allowedModels).toContain(prod.modelId);
  });

  it('refuses a modelId outside allowedModels, naming the key and the fix', () => {
    const error = failureOf({ dev: { ...dev, modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0' } });
    expect(error.message).toContain('wardflow:environments.dev.modelId is not in allowedModels');
    expect(error.message).toContain('add it to allowedModels');
  });

  it('refuses wildcard model ids, which would widen the IAM allow-list', () => {
    const error = failureOf({ dev: { ...dev, allowedModels: ['amazon.*'], modelId: 'amazon.*' } });
    expect(error.message).toContain('wardflow:environments.dev.allowedModels.0');
    expect(error.message).toContain('no wildcards');
  });

  it('names every bad key at once and never echoes a value', () => {
    const error = failureOf({
      dev: { ...dev, approverEmail: 'not-an-email-secretish', logRetentionDays: 8, paymentsApiUrl: 'http://pay.example.com' },
    });
    expect(error.message).toContain('wardflow:environments.dev.approverEmail');
    expect(error.message).toContain('wardflow:environments.dev.logRetentionDays');
    expect(error.message).toContain('wardflow:environments.dev.paymentsApiUrl');
    expect(error.message).not.toContain('not-an-email-secretish');
    expect(error.message).toContain('Fix these keys in cdk.json');
  });

  it('refuses the invoice settings that moved into the workflow, saying where they went, without echoing them', () => {
    const error = failureOf({ dev: { ...dev, approverEmail: 'someone-secretish@example.com', paymentsApiUrl: 'https://pay.example.com/secretish' } });
    expect(error.message).toContain('wardflow:environments.dev.approverEmail has moved to workflows.invoice-approval.approvers');
    expect(error.message).toContain('wardflow:environments.dev.paymentsApiUrl has moved to workflows.invoice-approval.paymentsApiUrl');
    expect(error.message).not.toContain('secretish');
  });

  it('holds valid settings for every registered workflow in every environment of cdk.json', () => {
    for (const environment of parseEnvironments(fromCdkJson)) {
      for (const workflow of WORKFLOWS) expect(() => workflowSettings(workflow, environment), `${environment.name} ${workflow.name}`).not.toThrow();
    }
  });

  it('requires approvalEmailFrom, an email address, and says how to fix a missing or invalid one without echoing it', () => {
    const { approvalEmailFrom, ...withoutSender } = dev;
    expect(approvalEmailFrom).toEqual(expect.stringContaining('@'));
    const missing = failureOf({ dev: withoutSender });
    expect(missing.message).toContain('wardflow:environments.dev.approvalEmailFrom is missing');
    expect(missing.message).toContain('verified in SES');
    for (const invalid of ['approvals-at-example.com', '', 'two@@example.com', 42]) {
      const error = failureOf({ dev: { ...dev, approvalEmailFrom: invalid } });
      expect(error.message).toContain('wardflow:environments.dev.approvalEmailFrom must be an email address');
      if (typeof invalid === 'string' && invalid !== '') expect(error.message).not.toContain(invalid);
    }
    // One bad environment fails the whole context, even when the others are fine.
    expect(failureOf({ ...fromCdkJson, prod: { ...fromCdkJson.prod, approvalEmailFrom: undefined } }).message).toContain(
      'wardflow:environments.prod.approvalEmailFrom is missing',
    );
    expect(parseEnvironments(fromCdkJson).map((e) => e.config.approvalEmailFrom)).toEqual([dev.approvalEmailFrom, fromCdkJson.prod!.approvalEmailFrom]);
  });

  it('caps approvalTimeoutHours so the gate plus the hour on top stays within the one-year execution limit', () => {
    expect(MAX_APPROVAL_TIMEOUT_HOURS + 1).toBe(365 * 24);
    expect(parseEnvironments({ dev: { ...dev, approvalTimeoutHours: 8_759 } })[0]!.config.approvalTimeoutHours).toBe(8_759);
    const error = failureOf({ dev: { ...dev, approvalTimeoutHours: 8_760 } });
    expect(error.message).toContain('wardflow:environments.dev.approvalTimeoutHours');
    expect(error.message).not.toMatch(/\b8760\b|8,760/);
  });

  it('requires each environment to pin a 12-digit account, a region and a tier, naming the key and never the value', () => {
    const { account: _a, region: _r, tier: _t, ...unpinned } = dev;
    const missing = failureOf({ dev: unpinned });
    for (const key of ['account', 'region', 'tier']) expect(missing.message).toContain(`wardflow:environments.dev.${key}`);
    const invalid = failureOf({ dev: { ...dev, account: '12345-secretish', region: 'Europe West secretish', tier: 'staging-secretish' } });
    expect(invalid.message).toContain('wardflow:environments.dev.account must be the 12-digit AWS account id');
    expect(invalid.message).toContain('wardflow:environments.dev.region must be an AWS region name');
    expect(invalid.message).toContain('wardflow:environments.dev.tier must be one of dev, prod');
    expect(invalid.message).not.toContain('secretish');
    // An account id in the wrong type is refused too (a number loses leading zeros).
    expect(failureOf({ dev: { ...dev, account: 11111111111 } }).message).toContain('wardflow:environments.dev.account');
  });

  it('requires alarm subscribers in prod, not in dev, and refuses a subscriber that is not e-mail or https without echoing it', () => {
    const prod = fromCdkJson.prod!;
    const error = failureOf({ prod: { ...prod, alarmSubscribers: [] } });
    expect(error.message).toContain('wardflow:environments.prod.alarmSubscribers is empty: a prod environment needs at least one alarm subscriber');
    expect(failureOf({ prod: { ...prod, alarmSubscribers: undefined } }).message).toContain('wardflow:environments.prod.alarmSubscribers is empty');
    expect(parseEnvironments({ dev: { ...dev, alarmSubscribers: undefined } })[0]!.config.alarmSubscribers).toEqual([]);
    const bad = failureOf({ dev: { ...dev, alarmSubscribers: [{ protocol: 'https', endpoint: 'http://hooks.example.com/secretish' }, { protocol: 'email', endpoint: 'oncall-secretish' }] } });
    expect(bad.message).toContain('wardflow:environments.dev.alarmSubscribers.0.endpoint');
    expect(bad.message).toContain('wardflow:environments.dev.alarmSubscribers.1.endpoint');
    expect(bad.message).not.toContain('secretish');
  });

  it('refuses unknown keys so a typo cannot silently fall back to nothing', () => {
    const error = failureOf({ dev: { ...dev, deletionProtecton: true } });
    expect(error.message).toContain('wardflow:environments.dev');
    expect(error.message).toContain('deletionProtecton');
  });

  it('refuses a missing context and an empty one with a pointer to cdk.json', () => {
    expect(failureOf(undefined).message).toContain('"wardflow:environments" is missing');
    expect(failureOf({}).message).toContain('has no environments');
  });

  it('refuses environment names that cannot be used in resource names', () => {
    expect(failureOf({ Dev_1: dev }).message).toContain('wardflow:environments.Dev_1 is not a valid environment name');
  });

  it('picks the stages named in wardflow:stages, and refuses unknown ones', () => {
    expect(parseEnvironments(fromCdkJson, 'prod').map((e) => e.name)).toEqual(['prod']);
    expect(parseEnvironments(fromCdkJson, ' dev , prod ').map((e) => e.name)).toEqual(['dev', 'prod']);
    expect(failureOf(fromCdkJson, 'staging').message).toContain('(staging); use one of dev, prod');
  });

  it('reads both keys from the construct context', () => {
    const app = new App({ context: { 'wardflow:environments': fromCdkJson, 'wardflow:stages': 'dev' } });
    expect(loadEnvironments(app).map((e) => e.name)).toEqual(['dev']);
  });

  it('names stages after environments', () => {
    expect(stageIdOf('dev')).toBe('Dev');
    expect(stageIdOf('eu-prod')).toBe('EuProd');
  });
});
