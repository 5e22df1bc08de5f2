import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkPolicy, formatProblems } from '../../../functions/shared/approvals/policy/check.js';

/**
 * cdk.json's approver groups against the workflows' approval policies, in every environment (the
 * local runtime runs with dev's): each environment must name exactly the groups its policy uses,
 * with enough distinct members for every quorum, or a synth there would be refused.
 */
const ROOT = new URL('../../../', import.meta.url);
const readJson = (path: string): unknown => JSON.parse(readFileSync(new URL(path, ROOT), 'utf8'));

type Environments = Record<string, { workflows: Record<string, { approverGroups?: Record<string, string[]> }> }>;
const environments = (readJson('cdk.json') as { context: { 'wardflow:environments': Environments } }).context['wardflow:environments'];

const POLICIES = {
  'invoice-approval': 'statemachines/invoice-approval/approval-policy.json',
  'vendor-bank-details': 'statemachines/vendor-bank-details/approval-policy.json',
} as const;

const cases = Object.keys(environments).flatMap((environment) => Object.entries(POLICIES).map(([workflow, policy]) => [environment, workflow, policy] as const));

describe("cdk.json's approverGroups and the approval policies", () => {
  it('covers dev, which the local runtime runs with, and prod', () => {
    expect(Object.keys(environments)).toEqual(expect.arrayContaining(['dev', 'prod']));
  });

  it.each(cases)('%s: %s names the groups of %s, with enough members for its quorums', (environment, workflow, path) => {
    const groupMembers = environments[environment]!.workflows[workflow]?.approverGroups ?? {};
    const policy = readJson(path) as { groups: Record<string, unknown> };
    expect(Object.keys(groupMembers).sort()).toEqual(Object.keys(policy.groups).sort());
    const checked = checkPolicy(policy, { groupMembers });
    expect(checked.ok, checked.ok ? '' : formatProblems(checked.problems)).toBe(true);
  });

  it('gives every person one group only within a workflow, so that no one decides at two levels of a route', () => {
    for (const [environment, { workflows }] of Object.entries(environments)) {
      for (const workflow of Object.keys(POLICIES)) {
        const addresses = Object.values(workflows[workflow]?.approverGroups ?? {}).flat().map((address) => address.toLowerCase());
        expect(new Set(addresses).size, `${environment} ${workflow}`).toBe(addresses.length);
      }
    }
  });
});
