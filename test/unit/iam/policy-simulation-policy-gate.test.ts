import { WORKFLOWS } from '../../../statemachines/index.js';
import { expenseClaim } from '../../fixtures/workflows/expense-claim/workflow.js';
import { expensePolicy, expensePolicySettings } from '../../fixtures/workflows/expense-policy/workflow.js';
import { CDK_CONTEXT } from '../cdk/synth.js';
import { describePolicySimulation } from './policy-simulation-suite.js';

/**
 * A workflow with a policy gate (test/fixtures/workflows/expense-policy) beside a plain gate: its
 * functions get the same proof as every workflow's, including its request-approval's scheduling of
 * approval timers (in the timer group only, passing the Scheduler role only to Scheduler). The app's
 * workflows are registered too: their secrets and streams are its neighbours.
 */
const environments = structuredClone(CDK_CONTEXT['wardflow:environments']) as Record<string, { workflows?: Record<string, unknown> }>;
for (const [name, environment] of Object.entries(environments)) {
  environment.workflows = { ...environment.workflows, 'expense-claim': { approvers: [`managers-${name}@example.com`] }, 'expense-policy': expensePolicySettings(name) };
}

describePolicySimulation({
  label: 'a policy gate',
  context: { 'wardflow:environments': environments },
  workflows: [...WORKFLOWS, expenseClaim, expensePolicy],
  evaluate: [expensePolicy],
  environments: ['dev'],
});
