import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseEnvironments } from '../../../lib/config/environments.js';
import { renderWorkflowDocs } from '../../../lib/docs-gen/workflow-docs.js';
import { expensePolicy, expensePolicySettings } from '../../fixtures/workflows/expense-policy/workflow.js';
import { CDK_CONTEXT } from '../cdk/synth.js';

/** The page of a workflow with a policy gate: each group's size per environment and the longest route, never an address. */
const raw = structuredClone(CDK_CONTEXT['wardflow:environments']) as Record<string, { workflows?: Record<string, unknown> }>;
for (const [name, environment] of Object.entries(raw)) environment.workflows = { 'expense-policy': expensePolicySettings(name) };
const environments = parseEnvironments(raw);
const policy = JSON.parse(readFileSync(expensePolicy.gates!.claim!.policy!.file, 'utf8')) as unknown;

describe('the generated page of a policy gate', () => {
  it('counts each group per environment, says how long the longest route may wait, and names no member', () => {
    const page = renderWorkflowDocs({ workflows: [expensePolicy], environments, sources: { 'expense-policy': { gatePolicies: { claim: policy } } } })['expense-policy.md']!;
    expect(page).toContain('Decided by its approval policy `approval-policy.json`');
    expect(page).toContain('facts `amount`.');
    expect(page).toMatch(/\| dev \| [a-z]+ \| `managers` 1, `directors` 2 \| 157 hours \(the longest route\), then the execution fails closed \|/);
    // The owner is printed on purpose; members never are.
    for (const name of Object.keys(raw)) for (const members of Object.values(expensePolicySettings(name))) for (const address of members) expect(page).not.toContain(address);
  });

  it('says a policy that could not be read is refused at synth, rather than guessing a timeout', () => {
    const page = renderWorkflowDocs({ workflows: [expensePolicy], environments, sources: { 'expense-policy': { gatePolicies: {} } } })['expense-policy.md']!;
    expect(page).toMatch(/\| dev \| [a-z]+ \| `managers` 1, `directors` 2 \| its policy is refused at synth \|/);
  });
});
