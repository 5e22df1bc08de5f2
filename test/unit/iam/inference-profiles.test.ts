import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { inferenceProfileOf } from '../../../lib/constructs/bedrock-models.js';
import { parseEnvironments } from '../../../lib/config/environments.js';
import type { AnyWorkflow } from '../../../lib/workflows/workflow-definition.js';
import { invoiceApproval } from '../../../statemachines/invoice-approval/workflow.js';
import { vendorBankDetails } from '../../../statemachines/vendor-bank-details/workflow.js';
import { CDK_CONTEXT, environmentOf, roleIdOf, synthWardflow, templateOf, variablesOf } from '../cdk/synth.js';
import { modelRequests } from './model-requests.js';
import { PolicyWorld } from './policy-world.js';

/**
 * Issue 15, deploy fidelity: an allowed Bedrock inference profile id (`eu.amazon.nova-lite-v1:0`)
 * used to become a foundation-model ARN in IAM, so every call through the profile was denied. AWS
 * authorizes a call through a cross-Region profile on the profile and on the foundation model in
 * each destination Region (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html).
 *
 * Issue 14, model governance: a profile sends data to other Regions, so only a workflow whose data may
 * leave the Region gets it (lib/config/model-governance.ts). The invoice workflow is declared public
 * here, so its step may call every allowed profile; the vendor workflow stays confidential, so its step
 * gets the in-Region foundation model only, in its ALLOWED_MODELS and in IAM.
 */

const PROFILES = ['eu.amazon.nova-lite-v1:0', 'global.anthropic.claude-sonnet-4-20250514-v1:0', 'us.amazon.nova-pro-v1:0', 'apac.amazon.nova-micro-v1:0'];
const environments = structuredClone(CDK_CONTEXT['wardflow:environments']) as Record<string, { allowedModels: string[]; modelId: string }>;
environments.dev!.allowedModels = ['amazon.nova-lite-v1:0', ...PROFILES];
// The in-Region model: the one every classification up to confidential may call.
environments.dev!.modelId = 'amazon.nova-lite-v1:0';
const context = { 'wardflow:environments': environments, 'wardflow:stages': 'dev' };
const dev = environmentOf('dev', { 'wardflow:environments': environments });
const publicInvoices: AnyWorkflow = { ...(invoiceApproval as AnyWorkflow), classification: 'public' };
const STEP = 'invoice-approval-extract-invoice';
const CONFIDENTIAL_STEP = 'vendor-bank-details-extract-bank-details';

let template: Template;
let world: PolicyWorld;
let nag: string[];
beforeAll(() => {
  const app = synthWardflow(context, { workflows: [publicInvoices, vendorBankDetails] });
  template = templateOf(app, 'dev');
  world = new PolicyWorld(template, dev);
  nag = app.stages.flatMap((stage) => app.nag.validateScope(stage).violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`));
}, 120_000);

describe('an allowed inference profile', () => {
  it('is a valid model id in the settings, and is told apart from a foundation model by its geography prefix', () => {
    expect(() => parseEnvironments(environments, 'dev')).not.toThrow();
    expect(inferenceProfileOf('eu.amazon.nova-lite-v1:0')).toEqual({ geography: 'eu', foundationModel: 'amazon.nova-lite-v1:0' });
    expect(inferenceProfileOf('global.anthropic.claude-sonnet-4-20250514-v1:0')?.foundationModel).toBe('anthropic.claude-sonnet-4-20250514-v1:0');
    expect(inferenceProfileOf('amazon.nova-lite-v1:0')).toBeUndefined();
    expect(() => parseEnvironments({ ...environments, dev: { ...environments.dev, allowedModels: ['eu.amazon.*'] } }, 'dev')).toThrow(/allowedModels/);
  });

  it('lets a step with models call it: the profile, and its foundation model in this and another Region through that profile', async () => {
    const roleId = roleIdOf(template, STEP);
    for (const modelId of dev.config.allowedModels) {
      for (const request of modelRequests(dev.config.region, dev.config.account, modelId)) {
        expect(await world.decide({ roleId }, request), `${request.resource} ${JSON.stringify(request.context ?? {})}`).toBe('Allowed');
      }
    }
  });

  it('opens no other model: the foundation model outside the profile, another profile, another profile of the same model', async () => {
    const roleId = roleIdOf(template, STEP);
    const { region, account } = dev.config;
    const denied = [
      // The profile's model in another Region, called directly: the Region wildcard holds only through the profile.
      { action: 'bedrock:InvokeModel', resource: `arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0` },
      // Another geography's profile of an allowed model, and its model through it.
      { action: 'bedrock:InvokeModel', resource: `arn:aws:bedrock:${region}:${account}:inference-profile/us.amazon.nova-lite-v1:0` },
      { action: 'bedrock:InvokeModel', resource: `arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0`, context: { 'bedrock:InferenceProfileArn': `arn:aws:bedrock:${region}:${account}:inference-profile/us.amazon.nova-lite-v1:0` } },
      // A model not allowed, through an allowed profile's ARN (the condition names the profile, the resource the model).
      { action: 'bedrock:InvokeModel', resource: `arn:aws:bedrock:eu-central-1::foundation-model/amazon.nova-premier-v1:0`, context: { 'bedrock:InferenceProfileArn': `arn:aws:bedrock:${region}:${account}:inference-profile/eu.amazon.nova-lite-v1:0` } },
      // The same profile id in another account.
      { action: 'bedrock:InvokeModel', resource: `arn:aws:bedrock:${region}:999999999999:inference-profile/eu.amazon.nova-lite-v1:0` },
    ];
    for (const request of denied) expect(await world.decide({ roleId }, request), request.resource).not.toBe('Allowed');
  });

  it('is kept from a confidential workflow: its step gets the in-Region model only, in ALLOWED_MODELS and in IAM', async () => {
    expect(vendorBankDetails.classification).toBe('confidential');
    expect(variablesOf(template, CONFIDENTIAL_STEP).ALLOWED_MODELS).toBe('amazon.nova-lite-v1:0');
    expect(variablesOf(template, STEP).ALLOWED_MODELS).toBe(dev.config.allowedModels.join(','));
    const roleId = roleIdOf(template, CONFIDENTIAL_STEP);
    const { region, account } = dev.config;
    for (const request of modelRequests(region, account, 'amazon.nova-lite-v1:0')) expect(await world.decide({ roleId }, request)).toBe('Allowed');
    for (const profile of PROFILES) {
      const profileArn = `arn:aws:bedrock:${region}:${account}:inference-profile/${profile}`;
      const foundation = inferenceProfileOf(profile)!.foundationModel;
      expect(await world.decide({ roleId }, { action: 'bedrock:InvokeModel', resource: profileArn }), profile).toBe('ImplicitlyDenied');
      expect(
        await world.decide({ roleId }, { action: 'bedrock:InvokeModel', resource: `arn:aws:bedrock:eu-central-1::foundation-model/${foundation}`, context: { 'bedrock:InferenceProfileArn': profileArn } }),
        `${profile} elsewhere`,
      ).toBe('ImplicitlyDenied');
    }
  });

  it('is a Region wildcard only for the profiles\' foundation models, each acknowledged in cdk-nag with its reason', () => {
    const wildcards = JSON.stringify(template.toJSON()).match(/bedrock:\*::foundation-model\/[^"]+/g) ?? [];
    expect([...new Set(wildcards)].sort()).toEqual(PROFILES.map((id) => `bedrock:*::foundation-model/${inferenceProfileOf(id)!.foundationModel}`).sort());
    expect(nag).toEqual([]);
  });
});
