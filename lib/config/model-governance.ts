import { ConfigurationInvalid } from '../../functions/shared/errors.js';
import { type InferenceProfileId, inferenceProfileOf } from '../constructs/bedrock-models.js';
import type { DataClassification } from '../workflows/workflow-definition.js';
import type { NamedEnvironment } from './environments.js';

/**
 * Model governance: which models a workflow's data may go to, by the workflow's data classification
 * (`classification` in its declaration, DATA_CLASSIFICATIONS) and the environment it runs in.
 *
 * The environment's `allowedModels` (cdk.json) stay the outer bound; each classification admits a
 * part of them by its rule below. A workflow's model steps get that part as ALLOWED_MODELS (checked
 * before and after every call, functions/shared/models/allow-list.ts) and as their IAM grant
 * (lib/workflows/workflow-deployment.ts). A workflow whose classification admits no model it asks
 * for fails synth, naming the workflow, its classification, the environment and the rule.
 *
 * Where a request is served decides who can see the data: a foundation-model id is invoked in the
 * environment's own Region; an inference profile (`eu.`, `us.`, ...) routes each request to any
 * Region of its geography, and a `global.` profile to any commercial Region in the world.
 */

/** Where a model id sends a request made from `region`. */
export type ModelReach = 'region' | 'geography' | 'other-geography' | 'global';

/** The inference-profile geographies whose destination Regions include `region` (AWS names them by prefix). */
export function geographiesOf(region: string): readonly InferenceProfileId['geography'][] {
  if (region.startsWith('us-gov-')) return ['us-gov'];
  if (region.startsWith('us-')) return ['us'];
  if (region.startsWith('ca-')) return ['ca'];
  if (region.startsWith('eu-')) return ['eu'];
  // Japan's and Australia's own profiles stay in the country; the apac profiles span the region.
  if (region === 'ap-northeast-1' || region === 'ap-northeast-3') return ['jp', 'apac'];
  if (region === 'ap-southeast-2' || region === 'ap-southeast-4') return ['au', 'apac'];
  if (region.startsWith('ap-')) return ['apac'];
  return [];
}

/**
 * Where `modelId` sends a request made from `region`.
 *
 * @example
 * reachOf('amazon.nova-lite-v1:0', 'eu-west-1'); // 'region'
 * reachOf('eu.amazon.nova-lite-v1:0', 'eu-west-1'); // 'geography'
 * reachOf('us.amazon.nova-lite-v1:0', 'eu-west-1'); // 'other-geography'
 * reachOf('global.amazon.nova-lite-v1:0', 'eu-west-1'); // 'global'
 */
export function reachOf(modelId: string, region: string): ModelReach {
  const profile = inferenceProfileOf(modelId);
  if (profile === undefined) return 'region';
  if (profile.geography === 'global') return 'global';
  return geographiesOf(region).includes(profile.geography) ? 'geography' : 'other-geography';
}

/** One classification's rule: what it admits, said in words for errors and docs. */
export interface GovernanceRule {
  /** The rule in one sentence, quoted in synth errors and docs/architecture.md. */
  readonly rule: string;
  /** Whether a model of the environment's allowedModels may receive data of this classification there. */
  admits(modelId: string, environment: NamedEnvironment): boolean;
}

/** The rules, one per classification, from least to most sensitive; each admits no more than the one before. */
export const MODEL_GOVERNANCE: Readonly<Record<DataClassification, GovernanceRule>> = {
  public: {
    rule: 'public data may go to any model the environment allows',
    admits: () => true,
  },
  internal: {
    rule: "internal data stays in the environment's geography: foundation models and inference profiles of its own geography, no global. and no other geography's profiles",
    admits: (modelId, { config }) => ['region', 'geography'].includes(reachOf(modelId, config.region)),
  },
  confidential: {
    rule: "confidential data goes only to models served in the environment's Region: foundation-model ids, no inference profile (a profile routes requests to other Regions)",
    admits: (modelId, { config }) => reachOf(modelId, config.region) === 'region',
  },
  restricted: {
    rule: "restricted data goes to no model unless the environment lists it in restrictedModels, and then only if it is served in the environment's Region",
    admits: (modelId, environment) => environment.config.restrictedModels.includes(modelId) && MODEL_GOVERNANCE.confidential.admits(modelId, environment),
  },
};

/** A workflow's classification when it declares none (lib/workflows/workflow-definition.ts says the same). */
export const DEFAULT_CLASSIFICATION: DataClassification = 'internal';

/**
 * The models data of `classification` may go to in `environment`: the environment's allowedModels
 * that the classification's rule admits, in their order.
 *
 * @example
 * governedModels(dev, 'confidential'); // ['amazon.nova-lite-v1:0', 'amazon.nova-micro-v1:0'] (no eu./global. profiles)
 */
export function governedModels(environment: NamedEnvironment, classification: DataClassification = DEFAULT_CLASSIFICATION): string[] {
  const { admits } = MODEL_GOVERNANCE[classification];
  return environment.config.allowedModels.filter((modelId) => admits(modelId, environment));
}

/**
 * The models a workflow's model steps may call in `environment` (its ALLOWED_MODELS and IAM grant).
 * Throws ConfigurationInvalid when the environment's model (`modelId`, what the steps call) is not
 * among them: synth stops with the workflow, classification, environment and rule named.
 *
 * @example
 * modelsForWorkflow({ name: 'invoice-approval', classification: 'confidential' }, dev);
 */
export function modelsForWorkflow(workflow: { readonly name: string; readonly classification?: DataClassification | undefined }, environment: NamedEnvironment): string[] {
  const classification = workflow.classification ?? DEFAULT_CLASSIFICATION;
  const allowed = governedModels(environment, classification);
  const { modelId } = environment.config;
  if (!allowed.includes(modelId)) {
    const left = allowed.length === 0 ? 'none of allowedModels' : `only ${allowed.join(', ')}`;
    throw new ConfigurationInvalid(
      `workflow ${workflow.name} (classification ${classification}) may not send its data to model ${modelId} in environment ${environment.name} ` +
        `(${environment.config.region}): ${MODEL_GOVERNANCE[classification].rule} (lib/config/model-governance.ts); ${left} qualifies. ` +
        `Choose a modelId of environment ${environment.name} that the rule admits, or review the workflow's classification`,
    );
  }
  return allowed;
}
