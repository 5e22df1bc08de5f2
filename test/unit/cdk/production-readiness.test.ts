import { App } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import { ConfigurationInvalid } from '../../../functions/shared/errors.js';
import { type AslGraph, checkProductionReadiness, TODAY_CONTEXT_KEY, todayOf } from '../../../lib/workflows/production-readiness.js';
import { type AnyWorkflow, defineWorkflow } from '../../../lib/workflows/workflow-definition.js';
import { expenseClaim } from '../../fixtures/workflows/expense-claim/workflow.js';
import { TEST_TODAY } from '../../support/test-today.js';
import { CDK_CONTEXT, synthWardflow } from './synth.js';

/**
 * A prod environment refuses to synthesize a workflow nobody owns, nobody reviewed lately, or whose
 * money- or data-moving step can run without an approval. Judged on small throwaway variants of the
 * expense claim, synthesized into prod alone (the constructs throw; no template is written).
 */

const environments = structuredClone(CDK_CONTEXT['wardflow:environments']) as Record<string, { workflows?: Record<string, unknown> }>;
for (const [name, environment] of Object.entries(environments)) {
  environment.workflows = { ...environment.workflows, 'expense-claim': { approvers: [`managers-${name}@example.com`] } };
}

/** Builds the workflow into the given stages; returns the error, if any. */
function synthIn(workflow: AnyWorkflow, stages = 'prod', today = TEST_TODAY): Error | undefined {
  try {
    synthWardflow({ 'wardflow:environments': environments, 'wardflow:stages': stages, [TODAY_CONTEXT_KEY]: today }, { workflows: [workflow] });
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

type Flow = Parameters<AnyWorkflow['definition']>[0];
const readClaim = (flow: Flow) => flow.step('ReadClaim', 'read-claim', { input: { claimText: sfn.JsonPath.stringAt('$.claimText') }, resultPath: '$.claim' });
const recordClaim = (flow: Flow) => flow.step('RecordClaim', 'record-claim', { input: { claim: sfn.JsonPath.objectAt('$.claim') }, resultPath: sfn.JsonPath.DISCARD });

/** The expense claim with record-claim moving data out, its read list and its happy path replaced. */
function egressVariant(read: readonly string[], definition: AnyWorkflow['definition']): AnyWorkflow {
  return defineWorkflow({
    ...(expenseClaim as AnyWorkflow),
    steps: { ...expenseClaim.steps, 'record-claim': { ...expenseClaim.steps['record-claim'], egress: 'data', read } },
    definition,
  });
}

/** Read claim, then a Choice: `auto` goes straight to RecordClaim, anything else through the manager gate. */
const choiceOrGate: AnyWorkflow['definition'] = (flow) => {
  const record = recordClaim(flow).next(flow.done);
  return readClaim(flow).next(
    new sfn.Choice(flow.scope, 'IsSmall').when(sfn.Condition.stringEquals('$.claim.purpose', 'auto'), record).otherwise(flow.gate('ManagerApproval', 'manager').next(record)),
  );
};

describe('a prod environment refuses an unready workflow', () => {
  it('synthesizes the expense claim (owner, review date within 90 days, no egress) in dev and prod', () => {
    expect(synthIn(expenseClaim as AnyWorkflow, 'dev,prod')).toBeUndefined();
  });

  it('refuses a workflow without owner or review date in prod only, naming workflow, fields and fix', () => {
    const { owner: _o, reviewDate: _r, ...rest } = expenseClaim as AnyWorkflow;
    const unowned = defineWorkflow(rest as AnyWorkflow);
    expect(synthIn(unowned, 'dev')).toBeUndefined();
    const error = synthIn(unowned);
    expect(error).toBeInstanceOf(ConfigurationInvalid);
    expect(error!.message).toContain('workflow expense-claim cannot deploy to prod (tier prod)');
    expect(error!.message).toContain('owner is missing: add owner:');
    expect(error!.message).toContain("reviewDate is missing: review the workflow and set reviewDate: 'YYYY-MM-DD', at most 90 days after 2026-12-03");
  });

  it.each([
    ['2026-12-02', 'has passed (today is 2026-12-03)'],
    ['2027-03-04', 'is more than 90 days after 2026-12-03'],
  ])('refuses review date %s: it %s', (reviewDate, says) => {
    const error = synthIn(defineWorkflow({ ...(expenseClaim as AnyWorkflow), reviewDate }));
    expect(error).toBeInstanceOf(ConfigurationInvalid);
    expect(error!.message).toContain(`reviewDate ${reviewDate} ${says}`);
  });

  it('judges the review date against the pinned day, not the real one (today and 90 days later are both fine)', () => {
    const definition: AslGraph = { StartAt: 'A', States: { A: { Type: 'Succeed' } } };
    const check = (reviewDate: string, today: string) => () =>
      checkProductionReadiness({
        workflow: { ...(expenseClaim as AnyWorkflow), reviewDate },
        tier: 'prod',
        environmentName: 'prod',
        today,
        definition,
        states: { gates: new Set(), steps: new Map() },
      });
    expect(check('2026-12-03', '2026-12-03')).not.toThrow();
    expect(check('2027-03-03', '2026-12-03')).not.toThrow();
    expect(check('2027-03-04', '2026-12-03')).toThrow(ConfigurationInvalid);
    expect(check('2030-01-01', '2029-12-01')).not.toThrow();
  });

  it('reads "today" from wardflow:today, refuses a malformed one, and uses the UTC date without it', () => {
    expect(todayOf(new App({ context: { [TODAY_CONTEXT_KEY]: '2027-01-31' } }))).toBe('2027-01-31');
    expect(() => todayOf(new App({ context: { [TODAY_CONTEXT_KEY]: '2027-02-30' } }))).toThrow(/context "wardflow:today" must be a date YYYY-MM-DD/);
    expect(todayOf(new App(), () => new Date('2026-12-31T23:59:59Z'))).toBe('2026-12-31');
  });
});

describe('a prod environment refuses a step that moves money or data out without an approval', () => {
  it('accepts an egress step every path to which passes the gate', () => {
    const gated = egressVariant([], (flow) => readClaim(flow).next(flow.gate('ManagerApproval', 'manager')).next(recordClaim(flow)).next(flow.done));
    expect(synthIn(gated)).toBeUndefined();
  });

  it('refuses an egress step with no gate before it, naming the path and the fix; dev accepts it', () => {
    const ungated = egressVariant(['approval'], (flow) => readClaim(flow).next(recordClaim(flow)).next(flow.done));
    expect(synthIn(ungated, 'dev')).toBeUndefined();
    const error = synthIn(ungated);
    expect(error).toBeInstanceOf(ConfigurationInvalid);
    expect(error!.message).toContain("steps.record-claim (egress: 'data') is reached without an approval (RecordStart -> ReadClaim -> RecordClaim)");
    expect(error!.message).toContain('and no approval gate leads to it on any path: put a flow.gate before state RecordClaim');
  });

  it("accepts a branch that skips the gate only when the step acts on a recorded decision (read: ['approval']), as invoice-approval's auto-approval does", () => {
    expect(synthIn(egressVariant(['approval'], choiceOrGate))).toBeUndefined();
    const error = synthIn(egressVariant([], choiceOrGate));
    expect(error).toBeInstanceOf(ConfigurationInvalid);
    expect(error!.message).toContain('(RecordStart -> ReadClaim -> IsSmall -> RecordClaim)');
    expect(error!.message).toContain("it does not read the approval stream (read: ['approval'])");
  });

  it('does not count a gate whose rejection leads to the step: only its approving exit carries a decision', () => {
    const rejectedToEgress = egressVariant([], (flow) => {
      const record = recordClaim(flow).next(flow.done);
      return readClaim(flow).next(flow.gate('ManagerApproval', 'manager', { onRejected: record }).next(record));
    });
    const error = synthIn(rejectedToEgress);
    expect(error).toBeInstanceOf(ConfigurationInvalid);
    expect(error!.message).toContain('(RecordStart -> ReadClaim -> ManagerApproval -> RecordClaim)');
  });
});
