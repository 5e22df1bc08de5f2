import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WardflowApp } from '../../../lib/app.js';
import { readPolicyGate } from '../../../lib/workflows/policy-gate.js';
import { type AnyWorkflow, defineWorkflow, type GateDeclaration } from '../../../lib/workflows/workflow-definition.js';
import { expenseClaim } from '../../fixtures/workflows/expense-claim/workflow.js';
import { expensePolicy, expensePolicySettings } from '../../fixtures/workflows/expense-policy/workflow.js';
import { renderDefinition } from '../statemachines/asl.js';
import {
  actionList,
  arnIn,
  CDK_CONTEXT,
  environmentOf,
  functionOf,
  resourcesOf,
  roleIdOf,
  settingsContextOf,
  stateMachineOf,
  statementsOf,
  statementsOfRole,
  synthWardflow,
  templateOf,
  variablesOf,
} from './synth.js';
import { SCHEDULER_VARIABLES, schedulerVariablesIn, STACK_CHECKS, WORKFLOW_CHECKS } from './workflow-expectations.js';

/**
 * A gate with an approval policy (test/fixtures/workflows/expense-policy), next to a plain gate
 * (expense-claim), and nothing else: what synth makes of the policy (timeout, payload, groups),
 * the timers' schedule group, Scheduler's role and the approval-timer function with their grants,
 * and the refusals that stop synth. Independent of how the app's own workflows are gated.
 */

const WORKFLOWS = [expenseClaim, expensePolicy];
const environments = structuredClone(CDK_CONTEXT['wardflow:environments']) as Record<string, { workflows?: Record<string, unknown> }>;
for (const [name, environment] of Object.entries(environments)) {
  environment.workflows = { 'expense-claim': { approvers: [`managers-${name}@example.com`] }, 'expense-policy': expensePolicySettings(name) };
}
const context = { ...CDK_CONTEXT, 'wardflow:environments': environments };
/** The fixture's longest route: manager 48 h, escalated to the directors 36 h, then the directors 72 h; plus an hour. */
const ROUTE_SECONDS = (48 + 36 + 72 + 1) * 3600;

let outdir: string;
let wardflow: WardflowApp;
let templates: Record<string, Template>;
beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'wardflow-policy-gate-'));
  wardflow = synthWardflow({ 'wardflow:environments': environments }, { outdir, workflows: WORKFLOWS });
  templates = { dev: templateOf(wardflow, 'dev'), prod: templateOf(wardflow, 'prod') };
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('a policy gate, synthesized', () => {
  it('synthesizes cdk-nag clean (AwsSolutions, Serverless, NIST 800-53 R5) in every environment, and a real synth does not throw', () => {
    for (const stage of wardflow.stages) {
      for (const pack of wardflow.packs) {
        const report = pack.validateScope(stage);
        expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`), `${stage.node.id} ${pack.readPackName}`).toEqual([]);
      }
    }
    expect(() => wardflow.app.synth()).not.toThrow();
  });

  it.each(['dev', 'prod'])('waits the longest route plus an hour, and hands request-approval the policy literally and each fact by JsonPath in %s', (env) => {
    const template = templates[env]!;
    const asl = renderDefinition(stateMachineOf(template, expensePolicy)[1].Properties.DefinitionString);
    const gate = asl.States.ClaimApproval!;
    expect(gate.TimeoutSeconds).toBe(ROUTE_SECONDS);
    const payload = (gate.Parameters as { Payload: { input: Record<string, unknown> } }).Payload.input;
    expect(payload.facts).toEqual({ 'amount.$': '$.claim.amount' });
    expect((payload.policy as { rules: Array<{ name: string }> }).rules.map((r) => r.name)).toEqual(['small', 'otherwise']);
    // The execution may wait as long as its gate, plus the hour every workflow gets for its other states.
    expect(asl.TimeoutSeconds).toBe(ROUTE_SECONDS + 3600);
    expect(variablesOf(template, 'expense-policy-request-claim-approval')).toMatchObject({
      APPROVER_GROUPS: JSON.stringify(expensePolicySettings(env)),
      APPROVAL_TIMEOUT_SECONDS: String(ROUTE_SECONDS),
      ...schedulerVariablesIn(environmentOf(env, context)),
    });
    // The plain gate beside it is as it always was: one list, no timers.
    const plain = variablesOf(template, 'expense-claim-request-manager-approval');
    expect(plain.APPROVERS).toBe(JSON.stringify([`managers-${env}@example.com`]));
    for (const variable of ['APPROVER_GROUPS', ...SCHEDULER_VARIABLES]) expect(plain[variable], variable).toBeUndefined();
  });

  it.each(['dev', 'prod'])('keeps the timers in one schedule group, run by a role only Scheduler of this account assumes, which may only invoke the timer, in %s', (env) => {
    const template = templates[env]!;
    const environment = environmentOf(env, context);
    expect(Object.values(resourcesOf(template, 'AWS::Scheduler::ScheduleGroup')).map((g) => g.Properties)).toEqual([{ Name: `wardflow-${env}-approval-timers` }]);
    const roles = Object.entries(resourcesOf(template, 'AWS::IAM::Role')).filter(([id]) => id.startsWith('ApprovalTimerSchedulerRole'));
    expect(roles).toHaveLength(1);
    const [roleId, role] = roles[0]!;
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': environment.config.account } } }],
    });
    expect(statementsOfRole(template, roleId)).toEqual([
      { Sid: 'InvokeApprovalTimer', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: arnIn(environment, 'lambda', `function:wardflow-${env}-approval-timer`) },
    ]);
    expect(functionOf(template, 'approval-timer')[1].Properties.FunctionName).toBe(`wardflow-${env}-approval-timer`);
  });

  it.each(['dev', 'prod'])('lets request-approval and record-decision of the policy gate, the page and the timer create schedules in that group only and pass that role only to Scheduler, in %s', (env) => {
    const template = templates[env]!;
    const environment = environmentOf(env, context);
    const roleId = Object.keys(resourcesOf(template, 'AWS::IAM::Role')).find((id) => id.startsWith('ApprovalTimerSchedulerRole'))!;
    for (const name of ['expense-policy-request-claim-approval', 'expense-policy-record-decision', 'approval-page', 'approval-timer']) {
      const scheduling = statementsOf(template, name).filter((s) => actionList(s).some((a) => a.startsWith('scheduler:') || a.startsWith('iam:')));
      expect(scheduling, name).toEqual([
        { Sid: 'ScheduleApprovalTimers', Effect: 'Allow', Action: 'scheduler:CreateSchedule', Resource: arnIn(environment, 'scheduler', `schedule/wardflow-${env}-approval-timers/*`) },
        { Sid: 'PassApprovalTimerRole', Effect: 'Allow', Action: 'iam:PassRole', Resource: { 'Fn::GetAtt': [roleId, 'Arn'] }, Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } } },
      ]);
      expect(variablesOf(template, name), name).toMatchObject(schedulerVariablesIn(environment));
    }
    // Nothing else schedules or passes roles: the plain gate, the steps, the deciders.
    const others = Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
      .filter((p) => !['expense-policy-request-claim-approval', 'expense-policy-record-decision', 'approval-page', 'approval-timer'].some((name) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleIdOf(template, name) }])))
      .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Array<{ Action: string | string[] }> }).Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
    expect(others.filter((a) => a.startsWith('scheduler:') || a === 'iam:PassRole')).toEqual([]);
  });

  it.each(['dev', 'prod'])('gives the timer what it does: link signing and email as a sender, and resolving the policy workflow’s tasks by its fixed ARN, in %s', (env) => {
    const template = templates[env]!;
    const environment = environmentOf(env, context);
    const statements = statementsOf(template, 'approval-timer');
    expect(statements.find((s) => s.Sid === 'ResolveWaitingExecutionExpensePolicy')).toEqual({
      Sid: 'ResolveWaitingExecutionExpensePolicy',
      Effect: 'Allow',
      Action: ['states:SendTaskFailure', 'states:SendTaskSuccess'],
      Resource: arnIn(environment, 'states', `stateMachine:wardflow-${env}-expense-policy`),
    });
    // Only the workflow whose gate has a policy: the plain gate's approvals never have timers.
    expect(JSON.stringify(statements)).not.toContain('expense-claim');
    expect(statements.find((s) => s.Sid === 'SignApprovalLinks')).toMatchObject({ Action: 'kms:GenerateMac' });
    expect(variablesOf(template, 'approval-timer')).toMatchObject({
      APPROVAL_SITE_URL: { 'Fn::GetAtt': [expect.stringMatching(/^ApprovalSiteApi/), 'ApiEndpoint'] },
      APPROVAL_LINK_KEY_ID: { 'Fn::GetAtt': [expect.stringMatching(/^KeysApprovalLinkKey/), 'Arn'] },
      APPROVAL_EMAIL_FROM: environment.config.approvalEmailFrom,
      WARDFLOW_ENV: env,
      DATA_KEY_ID: { 'Fn::GetAtt': [expect.stringMatching(/^KeysSealingKey/), 'Arn'] },
    });
  });

  it('gives no function WARDFLOW_LOCAL_CLOCK_OFFSET_MS: the clock offset is the local runtime’s alone', () => {
    for (const template of Object.values(templates)) {
      for (const [id, fn] of Object.entries(resourcesOf(template, 'AWS::Lambda::Function'))) {
        expect(JSON.stringify(fn.Properties.Environment ?? {}), id).not.toContain('WARDFLOW_LOCAL_CLOCK_OFFSET_MS');
      }
    }
  });

  it('makes no timer, group or Scheduler role for an app whose gates have no policy', () => {
    const template = templateOf(synthWardflow({ 'wardflow:environments': environments, 'wardflow:stages': 'dev' }, { workflows: [expenseClaim] }), 'dev');
    expect(resourcesOf(template, 'AWS::Scheduler::ScheduleGroup')).toEqual({});
    expect(() => functionOf(template, 'approval-timer')).toThrow(/found 0/);
    for (const variable of SCHEDULER_VARIABLES) expect(variablesOf(template, 'approval-page')[variable]).toBeUndefined();
  });

  describe.each(['dev', 'prod'])('%s stack: what the platform promises, for a plain gate and a policy gate alike', (env) => {
    const template = () => templates[env]!;
    const environment = environmentOf(env, context);
    for (const [title, check] of STACK_CHECKS) it(title, () => check(template(), environment, WORKFLOWS));
    describe.each(WORKFLOWS.map((workflow) => [workflow.name, workflow] as const))('workflow %s', (_name, workflow) => {
      for (const [title, check] of WORKFLOW_CHECKS) it(title, () => check(template(), environment, workflow));
    });
  });
});

describe('a policy gate that synth refuses', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'wardflow-policy-refused-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const environment = environmentOf('dev', context);
  const where = { workflow: 'expense-policy', gate: 'claim', environment: 'dev' };
  const claimGate = expensePolicy.gates!.claim as GateDeclaration<unknown>;
  const declaration = claimGate.policy!;
  const settings = settingsContextOf(expensePolicy, environment);
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('names the workflow, gate and file of a policy file that is missing or not JSON', () => {
    const missing = path.join(dir, 'missing.json');
    expect(() => readPolicyGate(where, { ...declaration, file: missing }, settings)).toThrow(`workflow expense-policy: gate claim: its policy file ${missing} is refused: it cannot be read`);
    const broken = write('broken.json', '{ "groups": ');
    expect(() => readPolicyGate(where, { ...declaration, file: broken }, settings)).toThrow(`its policy file ${broken} is refused: it is not valid JSON`);
  });

  it('lists checkPolicy’s problems against the environment’s groups, naming workflow, gate and environment, never an address', () => {
    // Two directors in dev: a quorum of 3 cannot be met there.
    const policy = JSON.parse(JSON.stringify(readPolicyGate(where, declaration, settings).policy)) as { rules: Array<{ then: { route?: Array<{ quorum: number }> } }> };
    policy.rules[1]!.then.route![1]!.quorum = 3;
    const file = write('quorum.json', JSON.stringify(policy));
    const error = (() => {
      try {
        readPolicyGate(where, { ...declaration, file }, settings);
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('test: expected a refusal');
    })();
    expect(error.message).toContain('workflow expense-policy: gate claim in dev: its policy');
    expect(error.message).toContain('\n- rule "otherwise" (rules[1]) then.route[1].quorum: 3 exceeds the 2 members of group "directors" in this environment');
    expect(error.message).not.toContain('@example.com');
  });

  it('refuses a group without 1 to 20 distinct addresses, a fact without a JsonPath, and a JsonPath for no fact', () => {
    const groups = () => ({ managers: [] as string[], directors: ['a@example.com', 'A@example.com'] });
    expect(() => readPolicyGate(where, { ...declaration, groups }, settings)).toThrow(/- groups\.managers: has 0 members; give it 1 to 20[\s\S]*- groups\.directors: lists the same address twice/);
    expect(() => readPolicyGate(where, { ...declaration, facts: {} }, settings)).toThrow(/- facts\.amount: the policy declares it; give its JsonPath/);
    expect(() => readPolicyGate(where, { ...declaration, facts: { amount: '$.claim.amount', vendor: '$.claim.vendor' } }, settings)).toThrow(/- policy\.facts\.vendor: the policy declares no such fact/);
  });

  it('stops synth with that message', () => {
    const file = write('no-always.json', JSON.stringify({ ...readPolicyGate(where, declaration, settings).policy, rules: [{ name: 'small', when: { fact: 'amount', op: 'lt', value: '10.00' }, then: { decide: 'approve' } }] }));
    const refused = defineWorkflow({ ...(expensePolicy as AnyWorkflow), gates: { claim: { ...claimGate, policy: { ...declaration, file } } } });
    expect(() => synthWardflow({ 'wardflow:environments': environments, 'wardflow:stages': 'dev' }, { workflows: [refused] })).toThrow(
      /workflow expense-policy: gate claim in dev: its policy .*no-always\.json is refused:\n- rule "small" \(rules\[0\]\) when: the last rule must be when: "always"/,
    );
  });
});
