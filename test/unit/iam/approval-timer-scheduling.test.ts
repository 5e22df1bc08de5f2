import { beforeAll, describe, expect, it } from 'vitest';
import { timerScheduleName } from '../../../functions/shared/approvals/timer-schedule.js';
import { expenseClaim } from '../../fixtures/workflows/expense-claim/workflow.js';
import { expensePolicy, expensePolicySettings } from '../../fixtures/workflows/expense-policy/workflow.js';
import { CDK_CONTEXT, environmentOf, resourcesOf, roleIdOf, synthWardflow, templateOf } from '../cdk/synth.js';
import { type IamRequest, PolicyWorld } from './policy-world.js';

/**
 * The approval timers' grants, evaluated by @cloud-copilot/iam-simulate on the synthesized dev
 * stack of a policy gate (test/fixtures/workflows/expense-policy) beside a plain gate: who may
 * create schedules where, who may hand Scheduler its role, and what that role may do.
 */
const environments = structuredClone(CDK_CONTEXT['wardflow:environments']) as Record<string, { workflows?: Record<string, unknown> }>;
for (const [name, environment] of Object.entries(environments)) {
  environment.workflows = { 'expense-claim': { approvers: [`managers-${name}@example.com`] }, 'expense-policy': expensePolicySettings(name) };
}
const environment = environmentOf('dev', { 'wardflow:environments': environments });
const { account, region } = environment.config;
const schedule = (group: string, name = timerScheduleName('expense-policy:run-1-1', '2026-12-03T10:00:00.000Z')) => `arn:aws:scheduler:${region}:${account}:schedule/${group}/${name}`;
const GROUP = 'wardflow-dev-approval-timers';

let world: PolicyWorld;
let roles: { policyGate: string; plainGate: string; page: string; timer: string; scheduler: string; recordDecision: string };
beforeAll(() => {
  const template = templateOf(synthWardflow({ 'wardflow:environments': environments, 'wardflow:stages': 'dev' }, { workflows: [expenseClaim, expensePolicy] }), 'dev');
  world = new PolicyWorld(template, environment);
  roles = {
    policyGate: roleIdOf(template, 'expense-policy-request-claim-approval'),
    plainGate: roleIdOf(template, 'expense-claim-request-manager-approval'),
    page: roleIdOf(template, 'approval-page'),
    timer: roleIdOf(template, 'approval-timer'),
    recordDecision: roleIdOf(template, 'expense-policy-record-decision'),
    scheduler: Object.keys(resourcesOf(template, 'AWS::IAM::Role')).find((id) => id.startsWith('ApprovalTimerSchedulerRole'))!,
  };
}, 120_000);

const decide = (roleId: string, request: IamRequest) => world.decide({ roleId }, request);
const passTo = (service: string): IamRequest['context'] => ({ 'iam:PassedToService': service });

describe('approval timers in IAM (iam-simulate)', () => {
  it('lets a policy gate’s request-approval, its record-decision (a vote may open the next level), the page and the timer create a schedule in the timer group, and in no other group', async () => {
    for (const role of [roles.policyGate, roles.recordDecision, roles.page, roles.timer]) {
      await world.validateRole(role, { action: 'scheduler:CreateSchedule', resource: schedule(GROUP) });
      expect(await decide(role, { action: 'scheduler:CreateSchedule', resource: schedule(GROUP) }), role).toBe('Allowed');
      expect(await decide(role, { action: 'scheduler:CreateSchedule', resource: schedule('default') }), role).toBe('ImplicitlyDenied');
      expect(await decide(role, { action: 'scheduler:CreateSchedule', resource: schedule('wardflow-prod-approval-timers') }), role).toBe('ImplicitlyDenied');
      // Creating only: no reading, changing or deleting anyone's schedules.
      for (const action of ['scheduler:DeleteSchedule', 'scheduler:UpdateSchedule', 'scheduler:GetSchedule']) {
        expect(await decide(role, { action, resource: schedule(GROUP) }), `${role} ${action}`).toBe('ImplicitlyDenied');
      }
    }
  });

  it('lets them pass the Scheduler role to Scheduler only, and no other role', async () => {
    const schedulerRole = world.roleArn(roles.scheduler);
    for (const role of [roles.policyGate, roles.recordDecision, roles.page, roles.timer]) {
      expect(await decide(role, { action: 'iam:PassRole', resource: schedulerRole, context: passTo('scheduler.amazonaws.com') }), role).toBe('Allowed');
      expect(await decide(role, { action: 'iam:PassRole', resource: schedulerRole, context: passTo('lambda.amazonaws.com') }), role).toBe('ImplicitlyDenied');
      expect(await decide(role, { action: 'iam:PassRole', resource: world.roleArn(roles.timer), context: passTo('scheduler.amazonaws.com') }), role).toBe('ImplicitlyDenied');
    }
  });

  it('gives a plain gate no scheduling at all', async () => {
    for (const role of [roles.plainGate]) {
      expect(await decide(role, { action: 'scheduler:CreateSchedule', resource: schedule(GROUP) }), role).toBe('ImplicitlyDenied');
      expect(await decide(role, { action: 'iam:PassRole', resource: world.roleArn(roles.scheduler), context: passTo('scheduler.amazonaws.com') }), role).toBe('ImplicitlyDenied');
    }
  });

  it('lets the Scheduler role invoke the approval-timer function and nothing else', async () => {
    const timer = `arn:aws:lambda:${region}:${account}:function:wardflow-dev-approval-timer`;
    await world.validateRole(roles.scheduler, { action: 'lambda:InvokeFunction', resource: timer });
    expect(await decide(roles.scheduler, { action: 'lambda:InvokeFunction', resource: timer })).toBe('Allowed');
    expect(await decide(roles.scheduler, { action: 'lambda:InvokeFunction', resource: `arn:aws:lambda:${region}:${account}:function:wardflow-prod-approval-timer` })).toBe('ImplicitlyDenied');
    expect(await decide(roles.scheduler, { action: 'lambda:InvokeFunction', resource: `arn:aws:lambda:${region}:${account}:function:expense-policy-request-claim-approval` })).toBe('ImplicitlyDenied');
    expect(await decide(roles.scheduler, { action: 'scheduler:CreateSchedule', resource: schedule(GROUP) })).toBe('ImplicitlyDenied');
  });
});
