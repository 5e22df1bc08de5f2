import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationInvalid } from '../../../functions/shared/errors.js';
import { parseEnvironments } from '../../../lib/config/environments.js';
import { synthesizeLocalApplication } from '../../../lib/local/runtime/app/definitions.js';
import { handlerProcessEnvironment, localFunctionEnvironment } from '../../../lib/local/runtime/lambda/handler-environment.js';
import { WORKFLOWS } from '../../../statemachines/index.js';
import { actionList, CDK_CONTEXT, functionsOf, resourcesOf, statementsOf, synthWardflow, templateOf, variablesOf } from './synth.js';

/**
 * Issue 14: Bedrock Guardrails' prompt-attack filter as a second injection layer on AWS. One
 * guardrail per environment, at a fixed version; the steps that call models may apply it and
 * nothing else may; `guardrail: false` leaves it out; the local runtime never has one.
 */

const fromCdkJson = CDK_CONTEXT['wardflow:environments'] as Record<string, Record<string, unknown>>;
const MODEL_STEPS = functionsOf(WORKFLOWS).filter((fn) => fn.purpose === 'step' && fn.workflow!.steps[fn.key!]!.models === true).map((fn) => fn.name);
const OTHER_FUNCTIONS = functionsOf(WORKFLOWS).filter((fn) => !MODEL_STEPS.includes(fn.name)).map((fn) => fn.name);

let dev: Template;
let prod: Template;
let devMedium: Template;
let withoutGuardrail: Template;
beforeAll(() => {
  const app = synthWardflow();
  dev = templateOf(app, 'dev');
  prod = templateOf(app, 'prod');
  devMedium = templateOf(synthWardflow({ 'wardflow:environments': { dev: { ...fromCdkJson.dev, guardrail: { promptAttack: 'MEDIUM' } } }, 'wardflow:stages': 'dev' }), 'dev');
  withoutGuardrail = templateOf(synthWardflow({ 'wardflow:environments': { dev: { ...fromCdkJson.dev, guardrail: false } }, 'wardflow:stages': 'dev' }), 'dev');
}, 120_000);

const only = (template: Template, type: string) => {
  const found = Object.entries(resourcesOf(template, type));
  expect(found, type).toHaveLength(1);
  return found[0]!;
};

describe('the environment\'s Bedrock guardrail', () => {
  it('filters prompt attacks on input at the configured strength, output NONE as AWS requires, with wardflow\'s blocked messages', () => {
    for (const [template, env] of [[dev, 'dev'], [prod, 'prod']] as const) {
      const [, guardrail] = only(template, 'AWS::Bedrock::Guardrail');
      expect(guardrail.Properties).toMatchObject({
        Name: `wardflow-${env}-guardrail`,
        ContentPolicyConfig: { FiltersConfig: [{ Type: 'PROMPT_ATTACK', InputStrength: 'HIGH', InputAction: 'BLOCK', OutputStrength: 'NONE' }] },
        BlockedInputMessaging: expect.stringMatching(/^wardflow: .*prompt-attack/),
        BlockedOutputsMessaging: expect.stringMatching(/^wardflow: /),
      });
      // Only the prompt-attack filter: no other policy that could block or mask the steps' text.
      expect(Object.keys(guardrail.Properties).sort()).toEqual(['BlockedInputMessaging', 'BlockedOutputsMessaging', 'ContentPolicyConfig', 'Description', 'Name']);
    }
    const [, medium] = only(devMedium, 'AWS::Bedrock::Guardrail');
    expect(medium.Properties.ContentPolicyConfig).toEqual({ FiltersConfig: [{ Type: 'PROMPT_ATTACK', InputStrength: 'MEDIUM', InputAction: 'BLOCK', OutputStrength: 'NONE' }] });
  });

  it('has a fixed version of that guardrail, replaced when its settings change (the description carries their digest)', () => {
    const [guardrailId] = only(dev, 'AWS::Bedrock::Guardrail');
    const [, version] = only(dev, 'AWS::Bedrock::GuardrailVersion');
    expect(version.Properties.GuardrailIdentifier).toEqual({ 'Fn::GetAtt': [guardrailId, 'GuardrailId'] });
    const [, mediumVersion] = only(devMedium, 'AWS::Bedrock::GuardrailVersion');
    expect(mediumVersion.Properties.Description).not.toEqual(version.Properties.Description);
    expect(version.Properties.Description).toMatch(/^wardflow dev: prompt attack HIGH, settings [0-9a-f]{16}$/);
  });

  it('is applied by the steps that call models, at its version: GUARDRAIL_ID, GUARDRAIL_VERSION and bedrock:ApplyGuardrail on its ARN alone', () => {
    expect(MODEL_STEPS.length).toBeGreaterThan(0);
    const [guardrailId] = only(dev, 'AWS::Bedrock::Guardrail');
    const [versionId] = only(dev, 'AWS::Bedrock::GuardrailVersion');
    for (const name of MODEL_STEPS) {
      expect(variablesOf(dev, name), name).toMatchObject({ GUARDRAIL_ID: { 'Fn::GetAtt': [guardrailId, 'GuardrailId'] }, GUARDRAIL_VERSION: { 'Fn::GetAtt': [versionId, 'Version'] } });
      const applying = statementsOf(dev, name).filter((s) => actionList(s).some((a) => a.startsWith('bedrock:Apply') || a === 'bedrock:*'));
      expect(applying, name).toEqual([{ Sid: 'ApplyPromptAttackGuardrail', Effect: 'Allow', Action: 'bedrock:ApplyGuardrail', Resource: { 'Fn::GetAtt': [guardrailId, 'GuardrailArn'] } }]);
    }
  });

  it('is neither named to nor applicable by any other function', () => {
    for (const name of OTHER_FUNCTIONS) {
      const variables = variablesOf(dev, name);
      expect(variables.GUARDRAIL_ID, name).toBeUndefined();
      expect(variables.GUARDRAIL_VERSION, name).toBeUndefined();
      expect(statementsOf(dev, name).flatMap(actionList).filter((a) => a.includes('Guardrail')), name).toEqual([]);
    }
  });

  it('is left out with guardrail: false: no resource, no variable, no grant', () => {
    expect(Object.keys(resourcesOf(withoutGuardrail, 'AWS::Bedrock::Guardrail'))).toEqual([]);
    expect(Object.keys(resourcesOf(withoutGuardrail, 'AWS::Bedrock::GuardrailVersion'))).toEqual([]);
    for (const name of MODEL_STEPS) {
      expect(variablesOf(withoutGuardrail, name).GUARDRAIL_ID, name).toBeUndefined();
      expect(statementsOf(withoutGuardrail, name).flatMap(actionList), name).not.toContain('bedrock:ApplyGuardrail');
    }
  });
});

describe('the guardrail setting in cdk.json', () => {
  const failureOf = (raw: unknown): string => {
    try {
      parseEnvironments(raw);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationInvalid);
      return (error as Error).message;
    }
    throw new Error('expected parseEnvironments to throw');
  };
  const { guardrail: _, ...prodWithout } = fromCdkJson.prod!;
  const { guardrail: __, ...devWithout } = fromCdkJson.dev!;

  it('takes a strength, false, or (outside prod) nothing', () => {
    for (const guardrail of [{ promptAttack: 'LOW' }, { promptAttack: 'MEDIUM' }, { promptAttack: 'HIGH' }, false]) {
      expect(parseEnvironments({ prod: { ...fromCdkJson.prod, guardrail } })[0]!.config.guardrail).toEqual(guardrail);
    }
    expect(parseEnvironments({ dev: devWithout })[0]!.config.guardrail).toBeUndefined();
  });

  it('must be said in prod, so turning it off there is written down', () => {
    expect(failureOf({ prod: prodWithout })).toContain('wardflow:environments.prod.guardrail is missing: a prod environment says whether its model steps get a Bedrock guardrail');
  });

  it('refuses another strength, another filter or true, naming the key and the choices', () => {
    expect(failureOf({ dev: { ...fromCdkJson.dev, guardrail: { promptAttack: 'EXTREME' } } })).toMatch(/wardflow:environments\.dev\.guardrail.*(LOW, MEDIUM, HIGH)/);
    expect(failureOf({ dev: { ...fromCdkJson.dev, guardrail: { promptAttack: 'HIGH', violence: 'HIGH' } } })).toContain('wardflow:environments.dev.guardrail');
    expect(failureOf({ dev: { ...fromCdkJson.dev, guardrail: true } })).toContain('wardflow:environments.dev.guardrail must be false (no guardrail) or an object such as { "promptAttack": "HIGH" }');
  });
});

describe('the local runtime', () => {
  it('synthesizes no guardrail from an environment that has one, and gives no function GUARDRAIL_* (no Bedrock locally)', () => {
    expect(fromCdkJson.dev!.guardrail).toEqual({ promptAttack: 'HIGH' });
    const app = synthesizeLocalApplication({ environmentName: 'local', region: 'us-east-1' });
    expect(app.functions.length).toBeGreaterThan(0);
    const resources = { region: 'us-east-1', eventsTable: 't', sealingKeyArn: 'k', linkKeyArn: 'l', approvalSiteUrl: 'http://localhost', paymentsSecretId: 's', auditBucket: 'b', scheduler: { timerArn: 'arn:aws:lambda:us-east-1:000000000000:function:t', roleArn: 'r', group: 'g' }, endpoints: { dynamodb: 'd', s3: 's', sesv2: 'e', aws: 'a' } };
    for (const fn of app.functions) {
      const environment = localFunctionEnvironment(fn, resources);
      expect(Object.keys(environment).filter((name) => name.startsWith('GUARDRAIL_')), fn.name).toEqual([]);
      expect(fn.referencedEnvironment, fn.name).not.toContain('GUARDRAIL_ID');
    }
    const extract = app.functions.find((fn) => fn.name === 'invoice-approval-extract-invoice')!;
    expect(localFunctionEnvironment(extract, resources)).toMatchObject({ MODEL_PROVIDER: 'local' });
    // Nor from the shell the runtime was started in.
    const seen = handlerProcessEnvironment({ GUARDRAIL_ID: 'fromshell', GUARDRAIL_VERSION: '1', HOME: '/home/x' }, localFunctionEnvironment(extract, resources));
    expect(seen.GUARDRAIL_ID).toBeUndefined();
    expect(seen.GUARDRAIL_VERSION).toBeUndefined();
    expect(seen.HOME).toBe('/home/x');
  });
});
