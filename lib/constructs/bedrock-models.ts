import { ArnFormat, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
// cdk-nag's own rendering of a resource in a finding id, so the acknowledgement names exactly its finding.
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/**
 * The geography prefixes of Bedrock's cross-Region (system-defined) inference profiles: an id such
 * as `eu.amazon.nova-lite-v1:0` is the profile that routes `amazon.nova-lite-v1:0` to the Regions
 * of that geography (`global.` to every commercial Region).
 */
export const INFERENCE_PROFILE_PREFIXES = ['us', 'us-gov', 'eu', 'apac', 'jp', 'au', 'ca', 'global'] as const;

/** An allowed model id that names a cross-Region inference profile: its geography and the foundation model it routes to. */
export interface InferenceProfileId {
  readonly geography: (typeof INFERENCE_PROFILE_PREFIXES)[number];
  readonly foundationModel: string;
}

/**
 * The inference profile an allowed model id names, or undefined for a foundation-model id.
 *
 * @example
 * inferenceProfileOf('eu.amazon.nova-lite-v1:0'); // { geography: 'eu', foundationModel: 'amazon.nova-lite-v1:0' }
 * inferenceProfileOf('amazon.nova-lite-v1:0'); // undefined
 */
export function inferenceProfileOf(modelId: string): InferenceProfileId | undefined {
  const dot = modelId.indexOf('.');
  const prefix = modelId.slice(0, dot);
  if (dot < 0 || !(INFERENCE_PROFILE_PREFIXES as readonly string[]).includes(prefix)) return undefined;
  return { geography: prefix as InferenceProfileId['geography'], foundationModel: modelId.slice(dot + 1) };
}

/**
 * Why a foundation model reached through an inference profile is granted in every Region ("*"),
 * repeated in the cdk-nag acknowledgement.
 */
const PROFILE_REGION_WILDCARD_REASON =
  'A cross-Region inference profile routes each request to a foundation model in one of its destination Regions, and AWS requires bedrock:InvokeModel on the foundation model in each of them; the destination Regions are AWS\'s to set (global. profiles reach every commercial Region) and change without a deploy. The Region is therefore "*", only for this one model, and only through the allowed profile (condition bedrock:InferenceProfileArn).';

/**
 * The statements that let a role invoke exactly the allowed models (ids from the environment's
 * allow-list, also enforced in code):
 * - a foundation-model id (`amazon.nova-lite-v1:0`): that model in the stack's Region;
 * - an inference profile id (`eu.amazon.nova-lite-v1:0`): the profile
 *   (`arn:aws:bedrock:<region>:<account>:inference-profile/<id>`), and its foundation model in any
 *   Region but only when the request comes through that profile (bedrock:InferenceProfileArn), as
 *   AWS documents for cross-Region inference
 *   (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html).
 *
 * @example
 * for (const statement of invokeModelStatements(step, ['amazon.nova-lite-v1:0', 'eu.amazon.nova-micro-v1:0'])) role.addToPrincipalPolicy(statement);
 */
export function invokeModelStatements(scope: IConstruct, modelIds: readonly string[]): iam.PolicyStatement[] {
  const stack = Stack.of(scope);
  const direct = modelIds.filter((id) => inferenceProfileOf(id) === undefined);
  const profiles = modelIds.filter((id) => inferenceProfileOf(id) !== undefined);
  const statements: iam.PolicyStatement[] = [];
  const directResources = [
    ...direct.map((id) => foundationModelArn(scope, id)),
    ...profiles.map((id) => stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: id, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })),
  ];
  if (directResources.length > 0) statements.push(new iam.PolicyStatement({ sid: 'InvokeAllowedModels', actions: ['bedrock:InvokeModel'], resources: directResources }));
  profiles.forEach((id, index) => {
    const profileArn = stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: id, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    statements.push(
      new iam.PolicyStatement({
        sid: `InvokeModelThroughProfile${index + 1}`,
        actions: ['bedrock:InvokeModel'],
        // Wildcard Region: see PROFILE_REGION_WILDCARD_REASON.
        resources: [foundationModelArn(scope, inferenceProfileOf(id)!.foundationModel, '*')],
        conditions: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
      }),
    );
  });
  return statements;
}

/** A foundation model's ARN (no account) in the stack's Region or the one given. */
function foundationModelArn(scope: IConstruct, modelId: string, region?: string): string {
  return Stack.of(scope).formatArn({ service: 'bedrock', account: '', ...(region === undefined ? {} : { region }), resource: 'foundation-model', resourceName: modelId });
}

/**
 * The cdk-nag acknowledgements of the Region wildcards `invokeModelStatements` adds for the
 * inference profiles among `modelIds`, on `role`.
 */
export function acknowledgeProfileRegions(role: IConstruct, modelIds: readonly string[]): void {
  for (const id of modelIds) {
    const profile = inferenceProfileOf(id);
    if (profile === undefined) continue;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(role).resolve(foundationModelArn(role, profile.foundationModel, '*')))}]`,
      reason: `${PROFILE_REGION_WILDCARD_REASON} (profile ${id})`,
    });
  }
}
