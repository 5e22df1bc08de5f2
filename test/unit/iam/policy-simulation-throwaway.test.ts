import { WORKFLOWS } from '../../../statemachines/index.js';
import { expenseClaim } from '../../fixtures/workflows/expense-claim/workflow.js';
import { CDK_CONTEXT } from '../cdk/synth.js';
import { describePolicySimulation } from './policy-simulation-suite.js';

/**
 * The throwaway workflow of the platform test (test/fixtures/workflows/expense-claim), registered next
 * to the app's workflows with its settings added as a team would add them: its functions get the
 * same proof as the app's, and the app's workflows' secrets and streams are its neighbours.
 */
const environments = structuredClone(CDK_CONTEXT['wardflow:environments']) as Record<string, { workflows?: Record<string, unknown> }>;
for (const [name, environment] of Object.entries(environments)) {
  environment.workflows = { ...environment.workflows, 'expense-claim': { approvers: [`managers-${name}@example.com`, `finance-${name}@example.com`] } };
}

describePolicySimulation({
  label: 'the throwaway workflow',
  context: { 'wardflow:environments': environments },
  workflows: [...WORKFLOWS, expenseClaim],
  evaluate: [expenseClaim],
  environments: ['dev', 'prod'],
});
