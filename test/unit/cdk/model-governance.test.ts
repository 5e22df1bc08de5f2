import { describe, expect, it } from 'vitest';
import { ConfigurationInvalid } from '../../../functions/shared/errors.js';
import { type NamedEnvironment, parseEnvironments } from '../../../lib/config/environments.js';
import { DEFAULT_CLASSIFICATION, geographiesOf, governedModels, MODEL_GOVERNANCE, modelsForWorkflow, reachOf } from '../../../lib/config/model-governance.js';
import { DATA_CLASSIFICATIONS, type AnyWorkflow } from '../../../lib/workflows/workflow-definition.js';
import { invoiceApproval } from '../../../statemachines/invoice-approval/workflow.js';
import { vendorBankDetails } from '../../../statemachines/vendor-bank-details/workflow.js';
import { CDK_CONTEXT, statementsOf, synthWardflow, templateOf, variablesOf } from './synth.js';

/**
 * Issue 14, model governance: which models a workflow's data may go to, by its classification and
 * the environment (lib/config/model-governance.ts); enforced in ALLOWED_MODELS and in IAM.
 */

const fromCdkJson = CDK_CONTEXT['wardflow:environments'] as Record<string, Record<string, unknown>>;
const IN_REGION = ['amazon.nova-lite-v1:0', 'amazon.nova-micro-v1:0'];
const SAME_GEOGRAPHY = 'eu.amazon.nova-pro-v1:0';
const OTHER_GEOGRAPHY = 'us.amazon.nova-pro-v1:0';
const GLOBAL = 'global.anthropic.claude-sonnet-4-20250514-v1:0';
const EVERY_KIND = [...IN_REGION, SAME_GEOGRAPHY, OTHER_GEOGRAPHY, GLOBAL];

/** dev from cdk.json (eu-west-1) with the given settings over it. */
function devWith(settings: Record<string, unknown>): NamedEnvironment {
  return parseEnvironments({ dev: { ...fromCdkJson.dev, allowedModels: EVERY_KIND, ...settings } })[0]!;
}

describe('the rules', () => {
  it('tell where a model id sends a request: the Region, its geography, another geography, the world', () => {
    expect(reachOf('amazon.nova-lite-v1:0', 'eu-west-1')).toBe('region');
    expect(reachOf(SAME_GEOGRAPHY, 'eu-west-1')).toBe('geography');
    expect(reachOf(OTHER_GEOGRAPHY, 'eu-west-1')).toBe('other-geography');
    expect(reachOf(GLOBAL, 'eu-west-1')).toBe('global');
    expect(reachOf('us.amazon.nova-pro-v1:0', 'us-east-1')).toBe('geography');
    expect(reachOf('us.amazon.nova-pro-v1:0', 'us-gov-west-1')).toBe('other-geography');
    expect(reachOf('jp.amazon.nova-pro-v1:0', 'ap-northeast-1')).toBe('geography');
    expect(reachOf('jp.amazon.nova-pro-v1:0', 'ap-southeast-2')).toBe('other-geography');
    expect(geographiesOf('ap-southeast-2')).toEqual(['au', 'apac']);
    expect(geographiesOf('sa-east-1')).toEqual([]);
  });

  it('admit, per classification, a part of the environment\'s allowedModels, never more than the one less sensitive', () => {
    const dev = devWith({ restrictedModels: ['amazon.nova-lite-v1:0', SAME_GEOGRAPHY] });
    expect(governedModels(dev, 'public')).toEqual(EVERY_KIND);
    expect(governedModels(dev, 'internal')).toEqual([...IN_REGION, SAME_GEOGRAPHY]);
    expect(governedModels(dev, 'confidential')).toEqual(IN_REGION);
    // Listed for restricted data, and served in the Region: the eu. profile is listed but leaves the Region.
    expect(governedModels(dev, 'restricted')).toEqual(['amazon.nova-lite-v1:0']);
    for (let i = 1; i < DATA_CLASSIFICATIONS.length; i++) {
      const looser = governedModels(dev, DATA_CLASSIFICATIONS[i - 1]!);
      for (const model of governedModels(dev, DATA_CLASSIFICATIONS[i]!)) expect(looser, `${DATA_CLASSIFICATIONS[i]} ⊆ ${DATA_CLASSIFICATIONS[i - 1]}`).toContain(model);
    }
  });

  it('keep the environment\'s allowedModels as the outer bound: no classification admits a model it does not list', () => {
    const dev = devWith({ allowedModels: ['amazon.nova-lite-v1:0'], modelId: 'amazon.nova-lite-v1:0', restrictedModels: ['amazon.nova-lite-v1:0'] });
    for (const classification of DATA_CLASSIFICATIONS) expect(governedModels(dev, classification)).toEqual(['amazon.nova-lite-v1:0']);
    expect(() => parseEnvironments({ dev: { ...fromCdkJson.dev, restrictedModels: ['amazon.nova-premier-v1:0'] } })).toThrow(
      'wardflow:environments.dev.restrictedModels.0 is not in allowedModels',
    );
  });

  it('give restricted data no model unless the environment lists one', () => {
    expect(governedModels(devWith({}), 'restricted')).toEqual([]);
    expect(parseEnvironments(fromCdkJson)[0]!.config.restrictedModels).toEqual([]);
  });

  it('treat a workflow that declares no classification as internal', () => {
    expect(DEFAULT_CLASSIFICATION).toBe('internal');
    expect(modelsForWorkflow({ name: 'x' }, devWith({ modelId: SAME_GEOGRAPHY }))).toEqual([...IN_REGION, SAME_GEOGRAPHY]);
  });

  it('stop a workflow whose classification admits not the model it calls, naming the workflow, classification, environment and rule', () => {
    const error = (() => {
      try {
        modelsForWorkflow({ name: 'invoice-approval', classification: 'confidential' }, devWith({ modelId: GLOBAL }));
      } catch (e) {
        return e;
      }
      throw new Error('expected modelsForWorkflow to throw');
    })();
    expect(error).toBeInstanceOf(ConfigurationInvalid);
    const message = (error as Error).message;
    expect(message).toContain(`workflow invoice-approval (classification confidential) may not send its data to model ${GLOBAL} in environment dev (eu-west-1)`);
    expect(message).toContain(MODEL_GOVERNANCE.confidential.rule);
    expect(message).toContain(`only ${IN_REGION.join(', ')} qualifies`);
    expect(() => modelsForWorkflow({ name: 'records', classification: 'restricted' }, devWith({}))).toThrow(/classification restricted.*none of allowedModels qualifies/);
  });
});

describe('in the template', () => {
  const environments = { dev: { ...fromCdkJson.dev, allowedModels: EVERY_KIND, modelId: 'amazon.nova-lite-v1:0' } };
  const publicInvoices: AnyWorkflow = { ...(invoiceApproval as AnyWorkflow), classification: 'public' };

  it('gives a confidential workflow\'s model step only the in-Region models, in ALLOWED_MODELS and in its role; a public one every allowed model', () => {
    const template = templateOf(synthWardflow({ 'wardflow:environments': environments, 'wardflow:stages': 'dev' }, { workflows: [publicInvoices, vendorBankDetails] }), 'dev');
    const confidential = 'vendor-bank-details-extract-bank-details';
    expect(variablesOf(template, confidential).ALLOWED_MODELS).toBe(IN_REGION.join(','));
    const granted = JSON.stringify(statementsOf(template, confidential).filter((s) => JSON.stringify(s.Action).includes('bedrock:InvokeModel')));
    for (const model of IN_REGION) expect(granted).toContain(`:foundation-model/${model}`);
    expect(granted).not.toContain('inference-profile');
    expect(granted).not.toMatch(/nova-pro|claude/);
    expect(granted).not.toContain('bedrock:*');

    const open = 'invoice-approval-extract-invoice';
    expect(variablesOf(template, open).ALLOWED_MODELS).toBe(EVERY_KIND.join(','));
    const openGrants = JSON.stringify(statementsOf(template, open));
    for (const profile of [SAME_GEOGRAPHY, OTHER_GEOGRAPHY, GLOBAL]) expect(openGrants).toContain(`inference-profile/${profile}`);
  });

  it('fails synth for a workflow whose classification leaves no model for its modelId', () => {
    const restricted: AnyWorkflow = { ...(invoiceApproval as AnyWorkflow), classification: 'restricted' };
    expect(() => synthWardflow({ 'wardflow:environments': environments, 'wardflow:stages': 'dev' }, { workflows: [restricted] })).toThrow(
      /workflow invoice-approval \(classification restricted\) may not send its data to model amazon\.nova-lite-v1:0 in environment dev.*restrictedModels/,
    );
  });
});
