import { inferenceProfileOf } from '../../../lib/constructs/bedrock-models.js';
import type { IamRequest } from './policy-world.js';

/** A Region a cross-Region inference profile may route to that is not the environment's own. */
export const otherRegion = (region: string): string => (region === 'eu-central-1' ? 'eu-west-3' : 'eu-central-1');

/**
 * The InvokeModel requests an allowed model id means: its foundation model in the environment's
 * Region; or, for an inference profile, the profile and its foundation model in the environment's
 * Region and in another one it routes to, each made through the profile (bedrock:InferenceProfileArn).
 *
 * @example
 * modelRequests('eu-west-1', '111111111111', 'eu.amazon.nova-lite-v1:0'); // three requests
 */
export function modelRequests(region: string, account: string, modelId: string): IamRequest[] {
  const profile = inferenceProfileOf(modelId);
  if (profile === undefined) return [{ action: 'bedrock:InvokeModel', resource: `arn:aws:bedrock:${region}::foundation-model/${modelId}` }];
  const profileArn = `arn:aws:bedrock:${region}:${account}:inference-profile/${modelId}`;
  return [
    { action: 'bedrock:InvokeModel', resource: profileArn },
    ...[region, otherRegion(region)].map((r) => ({
      action: 'bedrock:InvokeModel',
      resource: `arn:aws:bedrock:${r}::foundation-model/${profile.foundationModel}`,
      context: { 'bedrock:InferenceProfileArn': profileArn },
    })),
  ];
}
