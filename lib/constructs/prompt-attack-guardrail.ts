import { createHash } from 'node:crypto';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { PromptAttackStrength } from '../config/environments.js';
import type { WorkflowStep } from './workflow-step.js';

export interface PromptAttackGuardrailProps {
  readonly environmentName: string;
  /** The PROMPT_ATTACK filter's input strength (the environment's `guardrail.promptAttack`). */
  readonly strength: PromptAttackStrength;
}

/** What Bedrock answers in place of a blocked text. The steps never show it: they read the verdict, not the text. */
const BLOCKED_INPUT = 'wardflow: this input was blocked by the prompt-attack filter and did not reach a model.';
const BLOCKED_OUTPUT = 'wardflow: this model answer was blocked by a guardrail.';

/**
 * The environment's Bedrock guardrail, a second layer against prompt injection on AWS (the first is
 * wardflow's own injection guard, which also runs locally): one content filter, PROMPT_ATTACK, on
 * input only. AWS accepts PROMPT_ATTACK only with outputStrength NONE: an attack is an instruction
 * in what goes in, not in what comes out.
 *
 * Steps call it with ApplyGuardrail on a fixed version (GUARDRAIL_VERSION), never the DRAFT, so
 * what a step runs against changes only with a deploy. A version is a snapshot AWS takes when the
 * version resource is created, and CloudFormation creates a new one only when a property of the
 * version changes: its description carries a digest of the guardrail's settings, so changing the
 * strength or the messages replaces the version, and the steps move to the new one in the same deploy.
 *
 * Encryption: no customer managed key. The guardrail holds only its settings and the two messages
 * above, no data; Bedrock encrypts them with an AWS owned key. (cdk-nag has no rule on guardrails.)
 *
 * @example
 * const guardrail = new PromptAttackGuardrail(stack, 'Guardrail', { environmentName: 'dev', strength: 'HIGH' });
 * guardrail.grantApply(step); // and guardrail.stepEnvironment in the step's variables
 */
export class PromptAttackGuardrail extends Construct {
  readonly guardrail: bedrock.CfnGuardrail;
  readonly version: bedrock.CfnGuardrailVersion;
  /** `arn:aws:bedrock:<region>:<account>:guardrail/<id>`: what bedrock:ApplyGuardrail is granted on. */
  readonly guardrailArn: string;
  readonly guardrailId: string;
  /** The fixed version the steps apply (`1`, `2`, ...). */
  readonly guardrailVersion: string;

  constructor(scope: Construct, id: string, props: PromptAttackGuardrailProps) {
    super(scope, id);
    const settings = {
      contentPolicyConfig: {
        filtersConfig: [{ type: 'PROMPT_ATTACK', inputStrength: props.strength, inputAction: 'BLOCK', outputStrength: 'NONE' }],
      },
      blockedInputMessaging: BLOCKED_INPUT,
      blockedOutputsMessaging: BLOCKED_OUTPUT,
    } satisfies Omit<bedrock.CfnGuardrailProps, 'name'>;
    this.guardrail = new bedrock.CfnGuardrail(this, 'Guardrail', {
      // At most 50 characters: environment names have at most 31.
      name: `wardflow-${props.environmentName}-guardrail`,
      description: `wardflow ${props.environmentName}: prompt-attack filter on untrusted text before it reaches a model`,
      ...settings,
    });
    const digest = createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 16);
    this.version = new bedrock.CfnGuardrailVersion(this, 'Version', {
      guardrailIdentifier: this.guardrail.attrGuardrailId,
      description: `wardflow ${props.environmentName}: prompt attack ${props.strength}, settings ${digest}`,
    });
    this.guardrailArn = this.guardrail.attrGuardrailArn;
    this.guardrailId = this.guardrail.attrGuardrailId;
    this.guardrailVersion = this.version.attrVersion;
  }

  /** The variables functions/shared/models/guardrail.ts reads (readGuardrailSettings). */
  get stepEnvironment(): Record<string, string> {
    return { GUARDRAIL_ID: this.guardrailId, GUARDRAIL_VERSION: this.guardrailVersion };
  }

  /** Lets a step apply this guardrail: bedrock:ApplyGuardrail on its ARN only, no wildcard. */
  grantApply(step: WorkflowStep): void {
    step.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ApplyPromptAttackGuardrail', actions: ['bedrock:ApplyGuardrail'], resources: [this.guardrailArn] }));
  }
}
