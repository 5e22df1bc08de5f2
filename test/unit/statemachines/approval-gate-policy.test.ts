import { Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { approvalGate } from '../../../statemachines/fragments/approval-gate.js';

/** The gate fragment's payload with and without a policy, as Step Functions receives it. */
const POLICY = {
  groups: { managers: { description: 'Managers', approverTitle: { one: 'manager', other: 'managers' } } },
  facts: { amount: { type: 'decimal' }, knownVendor: { type: 'boolean' } },
  rules: [{ name: 'otherwise', when: 'always', then: { route: [{ name: 'm', group: 'managers', quorum: 1, deadlineHours: 24, onDeadline: 'fail' }] } }],
};

function gateState(extra: Record<string, unknown> = {}): { Parameters: { Payload: { input: Record<string, unknown> } }; TimeoutSeconds: number } {
  const stack = new Stack();
  const handler = lambda.Function.fromFunctionArn(stack, 'Handler', 'arn:aws:lambda:eu-west-1:111122223333:function:request-approval');
  const gate = approvalGate(stack, 'Gate', {
    workflowName: 'expense-policy',
    handler,
    taskTimeout: Duration.hours(25),
    subject: { title: 'Claim', fields: [{ label: 'Amount', path: '$.claim.amount' }] },
    ...extra,
  });
  return stack.resolve(gate.toStateJson()) as ReturnType<typeof gateState>;
}

describe('approvalGate with a policy', () => {
  it('carries the policy literally and each fact by JsonPath (.$ keeps booleans and numbers as they are)', () => {
    const input = gateState({ policy: POLICY, facts: { amount: '$.claim.amount', knownVendor: '$.vendor.known' } }).Parameters.Payload.input;
    expect(input.policy).toEqual(POLICY);
    expect(input.facts).toEqual({ 'amount.$': '$.claim.amount', 'knownVendor.$': '$.vendor.known' });
    expect(input['approvalId.$']).toBe("States.Format('expense-policy:{}-1', $$.Execution.Name)");
  });

  it('keeps a policy text that looks like a JsonPath literal: only a key ending in .$ is read from the state, and no policy key can', () => {
    const lookalike = { ...POLICY, groups: { managers: { ...POLICY.groups.managers, description: '$.managers of the claimant' } } };
    const input = gateState({ policy: lookalike, facts: { amount: '$.claim.amount', knownVendor: '$.vendor.known' } }).Parameters.Payload.input;
    expect((input.policy as typeof POLICY).groups.managers.description).toBe('$.managers of the claimant');
    expect(JSON.stringify(input.policy)).not.toContain('.$"');
  });

  it('leaves a plain gate’s payload as it was: no policy, no facts', () => {
    expect(Object.keys(gateState().Parameters.Payload.input).sort()).toEqual(['approvalId.$', 'subject']);
  });

  it('refuses a policy without its facts, or facts without a policy', () => {
    expect(() => gateState({ policy: POLICY })).toThrow(/give policy and facts together/);
    expect(() => gateState({ facts: { amount: '$.claim.amount' } })).toThrow(/give policy and facts together/);
  });
});
