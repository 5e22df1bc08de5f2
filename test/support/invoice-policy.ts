import { readFileSync } from 'node:fs';
import { checkPolicy, formatProblems } from '../../functions/shared/approvals/policy/check.js';
import type { ApprovalPolicy } from '../../functions/shared/approvals/policy/schema.js';
import { INVOICE_POLICY_FACTS } from '../../statemachines/invoice-approval/policy-facts.js';

/**
 * The invoice gate's approval policy as the gate uses it, for tests that play the decision end to
 * end: the shipped statemachines/invoice-approval/approval-policy.json, checked against the dev
 * environment's approver groups in cdk.json (the ones the local runtime runs with).
 */
const ROOT = new URL('../../', import.meta.url);

export function shippedInvoicePolicy(): ApprovalPolicy {
  const cdk = JSON.parse(readFileSync(new URL('cdk.json', ROOT), 'utf8')) as { context: Record<string, Record<string, { workflows: Record<string, { approverGroups: Record<string, string[]> }> }>> };
  const groupMembers = cdk.context['wardflow:environments']!.dev!.workflows['invoice-approval']!.approverGroups;
  const checked = checkPolicy(JSON.parse(readFileSync(new URL('statemachines/invoice-approval/approval-policy.json', ROOT), 'utf8')), { groupMembers });
  if (!checked.ok) throw new Error(`the shipped invoice policy is refused:\n${formatProblems(checked.problems)}`);
  return checked.policy;
}

/**
 * The gate's facts, read from the state at the gate with the JsonPaths the workflow declares
 * (`$.invoice.amount`, ...), keeping each value's JSON type as Step Functions' `.$` does. Only
 * dotted paths are declared, so a dotted walk is all the reading needs; a path that finds nothing
 * leaves the fact out, as a missing field would.
 */
export function gateFacts(state: unknown): Record<string, unknown> {
  const facts: Record<string, unknown> = {};
  for (const [fact, path] of Object.entries(INVOICE_POLICY_FACTS)) {
    let value: unknown = state;
    for (const key of path.slice(2).split('.')) value = value !== null && typeof value === 'object' && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
    if (value !== undefined) facts[fact] = value;
  }
  return facts;
}
