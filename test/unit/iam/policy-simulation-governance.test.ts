import type { AnyWorkflow } from '../../../lib/workflows/workflow-definition.js';
import { invoiceApproval } from '../../../statemachines/invoice-approval/workflow.js';
import { vendorBankDetails } from '../../../statemachines/vendor-bank-details/workflow.js';
import { CDK_CONTEXT } from '../cdk/synth.js';
import { describePolicySimulation } from './policy-simulation-suite.js';

/**
 * Model governance (issue 14) under the whole policy simulation: dev allows an in-Region model and two
 * inference profiles (one of its geography, one global). The invoice workflow, declared public here,
 * is allowed all three; the vendor workflow stays confidential, so governance keeps the profiles from
 * it, and the suite's generated denials (expected-requests.ts) prove its role cannot call them.
 */
const environments = structuredClone(CDK_CONTEXT['wardflow:environments']) as Record<string, { allowedModels: string[]; modelId: string }>;
environments.dev!.allowedModels = ['amazon.nova-lite-v1:0', 'eu.amazon.nova-micro-v1:0', 'global.amazon.nova-micro-v1:0'];
environments.dev!.modelId = 'amazon.nova-lite-v1:0';

describePolicySimulation({
  label: 'model governance',
  context: { 'wardflow:environments': environments, 'wardflow:stages': 'dev' },
  workflows: [{ ...(invoiceApproval as AnyWorkflow), classification: 'public' }, vendorBankDetails],
  environments: ['dev'],
});
