import { describe, expect, it } from 'vitest';
import { defineWorkflow, type GateDeclaration } from '../../../../lib/workflows/workflow-definition.js';
import { expensePolicy } from '../../../fixtures/workflows/expense-policy/workflow.js';

/** defineWorkflow's checks of a gate's approvers or policy, at import time, before any synth reads the policy. */
const gate = expensePolicy.gates!.claim as GateDeclaration<unknown>;
const withGate = (claim: Record<string, unknown>) => () => defineWorkflow({ ...expensePolicy, gates: { claim: claim as unknown as GateDeclaration<{ managers: string[]; directors: string[] }> } });

describe('defineWorkflow: a gate asks approvers or follows a policy, exactly one', () => {
  it('accepts a policy gate: an absolute .json file, a groups function, a "$."-JsonPath per fact', () => {
    expect(withGate({ ...gate })).not.toThrow();
  });

  it('refuses a gate with both, or with neither', () => {
    expect(withGate({ ...gate, approvers: () => ['a@example.com'] })).toThrow('workflow expense-policy: gates.claim: give either approvers or policy, not both');
    expect(withGate({ subject: gate.subject })).toThrow(/gates\.claim\.approvers must be a function of the settings returning the approvers' addresses \(or give a policy instead\)/);
  });

  it('names each wrong part of a policy', () => {
    const policy = gate.policy!;
    expect(withGate({ ...gate, policy: { ...policy, file: 'approval-policy.json' } })).toThrow(/gates\.claim\.policy\.file must be the absolute path of the policy's \.json file/);
    expect(withGate({ ...gate, policy: { ...policy, file: '/policies/approval-policy.yaml' } })).toThrow(/gates\.claim\.policy\.file must be/);
    expect(withGate({ ...gate, policy: { ...policy, groups: { managers: [] } } })).toThrow(/gates\.claim\.policy\.groups must be a function/);
    expect(withGate({ ...gate, policy: { ...policy, facts: { amount: 'claim.amount' } } })).toThrow(/gates\.claim\.policy\.facts\.amount must be a JsonPath starting with "\$\."/);
    expect(withGate({ ...gate, policy: { ...policy, facts: ['$.claim.amount'] } })).toThrow(/gates\.claim\.policy\.facts must be a record/);
    expect(withGate({ ...gate, policy: 'approval-policy.json' })).toThrow(/gates\.claim\.policy must be \{ file, groups, facts \}/);
  });

  it('refuses timeoutHours on a policy gate: the policy’s deadlines say how long it waits', () => {
    expect(withGate({ ...gate, timeoutHours: () => 72 })).toThrow(/gates\.claim\.timeoutHours does not apply to a policy gate/);
  });
});
