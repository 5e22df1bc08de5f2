import { WORKFLOWS } from '../../../statemachines/index.js';
import { describePolicySimulation } from './policy-simulation-suite.js';

/** The app as it ships (statemachines/index.ts), in dev and prod: every role and resource policy evaluated by iam-simulate. */
describePolicySimulation({ label: 'the app', workflows: WORKFLOWS, environments: ['dev', 'prod'], resourcePolicies: true });
