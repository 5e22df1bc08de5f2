import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WardflowApp } from '../../../lib/app.js';
import { defineWorkflow } from '../../../lib/workflows/workflow-definition.js';
import { pascal } from '../../../lib/workflows/workflow-deployment.js';
import { WORKFLOWS } from '../../../statemachines/index.js';
import { readClaim } from '../../fixtures/workflows/expense-claim/domain/claim.js';
import { expenseClaim } from '../../fixtures/workflows/expense-claim/workflow.js';
import { renderDefinition } from '../statemachines/asl.js';
import { expectPayloadsFitHandlers } from '../statemachines/payload-contract.js';
import { CDK_CONTEXT, environmentOf, resourcesOf, stateMachineOf, synthWardflow, templateOf, variablesOf } from './synth.js';
import { STACK_CHECKS, WORKFLOW_CHECKS } from './workflow-expectations.js';

/**
 * A workflow written in a test, with the public surface only (test/fixtures/workflows/expense-claim),
 * registered next to the app's own: it synthesizes cdk-nag clean, gets everything the platform
 * promises every workflow, and changes nothing of the workflows already there.
 */

const FIXTURE = fileURLToPath(new URL('../../fixtures/workflows/expense-claim/', import.meta.url));
const APP_WORKFLOWS = [...WORKFLOWS, expenseClaim];

/** cdk.json's environments with the expense claim's settings added, as a team would add them. */
const environments = structuredClone(CDK_CONTEXT['wardflow:environments']) as Record<string, { workflows?: Record<string, unknown> }>;
for (const [name, environment] of Object.entries(environments)) {
  environment.workflows = { ...environment.workflows, 'expense-claim': { approvers: [`managers-${name}@example.com`, `finance-${name}@example.com`] } };
}
const context = { ...CDK_CONTEXT, 'wardflow:environments': environments };

let outdir: string;
let wardflow: WardflowApp;
let templates: Record<string, Template>;
beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'wardflow-throwaway-'));
  wardflow = synthWardflow({ 'wardflow:environments': environments }, { outdir, workflows: APP_WORKFLOWS });
  templates = { dev: templateOf(wardflow, 'dev'), prod: templateOf(wardflow, 'prod') };
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('a throwaway workflow (expense-claim) next to the app’s workflows', () => {
  it('is written with the public surface only: #wardflow/workflow, #wardflow/step, zod, aws-cdk-lib/aws-stepfunctions, node: and its own files', () => {
    const files = readdirSync(FIXTURE, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    expect(files.sort()).toEqual(['domain/claim.ts', 'functions/read-claim/handler.ts', 'functions/record-claim/handler.ts', 'workflow.ts']);
    for (const file of files) {
      const specifiers = [...readFileSync(path.join(FIXTURE, file), 'utf8').matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]!);
      for (const specifier of specifiers) {
        const own = specifier.startsWith('.') && path.resolve(FIXTURE, path.dirname(file), specifier).startsWith(FIXTURE);
        expect(own || ['#wardflow/workflow', '#wardflow/step', 'zod', 'aws-cdk-lib/aws-stepfunctions'].includes(specifier) || specifier.startsWith('node:'), `${file}: ${specifier}`).toBe(true);
      }
    }
  });

  it('keeps its handlers in its own directory, which must be absolute (a relative one would depend on where synth runs)', () => {
    expect(expenseClaim.functionsDirectory).toBe(path.join(FIXTURE, 'functions'));
    expect(() => defineWorkflow({ ...expenseClaim, functionsDirectory: 'test/fixtures/workflows/expense-claim/functions' })).toThrow(
      /workflow expense-claim: functionsDirectory must be an absolute path/,
    );
  });

  it('reads a claim’s labelled lines, and refuses a claim without them', () => {
    expect(readClaim('Employee: Ada Lovelace\nAmount: 42.50\nPurpose: Train to the conference\n')).toMatchObject({
      success: true,
      data: { employee: 'Ada Lovelace', amount: 42.5, purpose: 'Train to the conference' },
    });
    expect(readClaim('Employee: Ada Lovelace\nPurpose: Train').success).toBe(false);
    expect(readClaim('Employee: Ada\nAmount: 12,50 EUR\nPurpose: Lunch').success).toBe(false);
  });

  it('synthesizes cdk-nag clean (AwsSolutions, Serverless, NIST 800-53 R5) in every environment: no finding, and a real synth (nag is a validation plugin) does not throw', () => {
    for (const stage of wardflow.stages) {
      for (const pack of wardflow.packs) {
        const report = pack.validateScope(stage);
        expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`), `${stage.node.id} ${pack.readPackName}`).toEqual([]);
      }
    }
    expect(() => wardflow.app.synth()).not.toThrow();
  });

  it.each(['dev', 'prod'])('deploys its state machine with the manager gate and outputs it as ExpenseClaimStateMachineArn in %s', (env) => {
    const template = templates[env]!;
    const [machineId, machine] = stateMachineOf(template, expenseClaim);
    expect(machine.Properties.StateMachineName).toBe(`wardflow-${env}-expense-claim`);
    expect((template.toJSON().Outputs as Record<string, { Value: unknown }>).ExpenseClaimStateMachineArn?.Value).toEqual({ Ref: machineId });
    const asl = renderDefinition(machine.Properties.DefinitionString);
    const next = (name: string) => asl.States[name]!.Next;
    expect([asl.StartAt, next('RecordStart'), next('ReadClaim'), next('ManagerApproval'), next('RecordClaim'), next('RecordSuccess')]).toEqual([
      'RecordStart',
      'ReadClaim',
      'ManagerApproval',
      'RecordClaim',
      'RecordSuccess',
      'ExpenseClaimSucceeded',
    ]);
    expect(asl.States.ManagerApproval).toMatchObject({
      Resource: 'arn:${AWS::Partition}:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: '${ExpenseClaimRequestManagerApprovalFunction.Arn}',
        Payload: { input: { 'approvalId.$': "States.Format('expense-claim:{}-1', $$.Execution.Name)", subject: { 'title.$': "States.Format('Expense claim of {} by {}', $.claim.amount, $.claim.employee)" } } },
      },
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'DescribeGateFailure' }],
    });
    expect(variablesOf(template, 'expense-claim-request-manager-approval')).toMatchObject({
      APPROVERS: JSON.stringify([`managers-${env}@example.com`, `finance-${env}@example.com`]),
      WORKFLOW_NAME: 'expense-claim',
    });
  });

  it('changes nothing of the app’s own workflows: their resources are the same as in the app without it', () => {
    const without = templateOf(synthWardflow({ 'wardflow:stages': 'dev' }), 'dev');
    const own = (template: Template) =>
      Object.fromEntries(
        Object.entries(template.toJSON().Resources as Record<string, unknown>).filter(([id]) => WORKFLOWS.some((w) => id.startsWith(pascal(w.name)))),
      );
    expect(Object.keys(own(without)).length).toBeGreaterThan(10);
    expect(own(templates.dev!)).toEqual(own(without));
    // And the page serving them all still resolves each of their approvals.
    expect(Object.keys(resourcesOf(templates.dev!, 'AWS::StepFunctions::StateMachine'))).toHaveLength(APP_WORKFLOWS.length);
  });

  describe.each(['dev', 'prod'])('%s stack: what the platform promises, for the app’s workflows and the throwaway one alike', (env) => {
    const template = () => templates[env]!;
    const environment = environmentOf(env, context);
    for (const [title, check] of STACK_CHECKS) it(title, () => check(template(), environment, APP_WORKFLOWS));
    describe.each(APP_WORKFLOWS.map((workflow) => [workflow.name, workflow] as const))('workflow %s', (_name, workflow) => {
      for (const [title, check] of WORKFLOW_CHECKS) it(title, () => check(template(), environment, workflow));
      it('gives every Task the envelope and input keys the handler it invokes validates', async () => {
        await expectPayloadsFitHandlers(template(), workflow);
      });
    });
  });
});
