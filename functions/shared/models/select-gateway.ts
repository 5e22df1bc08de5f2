import * as z from 'zod';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { ConfigurationInvalid } from '../errors.js';
import { parseAllowList } from './allow-list.js';
import { BedrockGateway } from './bedrock.js';
import type { ModelGateway } from './gateway.js';
import { onForgetEnvironment } from '../environment-clients.js';

/** The model settings of a step, read from its environment in this one place. */
export interface ModelSettings {
  /** `bedrock` on AWS; `local` for the labelled stand-in. No default: a deploy must choose. */
  provider: 'bedrock' | 'local';
  /** The model to ask; LOCAL_STAND_IN when the provider is `local` and MODEL_ID is unset. */
  modelId: string;
  /** Models this environment allows (ALLOWED_MODELS, comma-separated). */
  allowedModels: string[];
}

const ModelEnvironment = z.object({
  MODEL_PROVIDER: z.enum(['bedrock', 'local']),
  MODEL_ID: z.string().trim().min(1).max(200).optional(),
  ALLOWED_MODELS: z.string().min(1),
});

/**
 * The model id of "the workflow's local stand-in", whatever it is: what the local runtime sets as
 * ALLOWED_MODELS, and what a step asks for when MODEL_PROVIDER is `local`. Each stand-in answers
 * with its own `local.` id (assertModelAllowed admits those where this entry is allowed).
 */
export const LOCAL_STAND_IN = 'local.stand-in';

/**
 * A workflow's labelled local stand-in for a model (NOT AI): used only where MODEL_PROVIDER is
 * `local`. `id` keys its cache; `create` builds it once per container.
 */
export interface LocalStandIn {
  readonly id: string;
  create(): ModelGateway;
}

/**
 * Reads MODEL_PROVIDER, MODEL_ID and ALLOWED_MODELS.
 *
 * @example
 * readModelSettings({ MODEL_PROVIDER: 'local', ALLOWED_MODELS: 'local.stand-in' });
 * // { provider: 'local', modelId: 'local.stand-in', allowedModels: ['local.stand-in'] }
 */
export function readModelSettings(env: NodeJS.ProcessEnv = process.env): ModelSettings {
  const parsed = ModelEnvironment.safeParse(env);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))].join(', ');
    throw new ConfigurationInvalid(`environment variables ${fields} are missing or malformed (MODEL_PROVIDER is bedrock or local)`);
  }
  const { MODEL_PROVIDER: provider, MODEL_ID, ALLOWED_MODELS } = parsed.data;
  const modelId = MODEL_ID ?? (provider === 'local' ? LOCAL_STAND_IN : undefined);
  if (!modelId) throw new ConfigurationInvalid('environment variable MODEL_ID is required when MODEL_PROVIDER is bedrock');
  return { provider, modelId, allowedModels: parseAllowList(ALLOWED_MODELS) };
}

/** One gateway per provider and region for the container's lifetime: SDK clients keep their connections and credentials warm. */
const gateways = new Map<string, ModelGateway>();
// The Bedrock client is built from the environment (region, endpoint, credentials).
onForgetEnvironment(() => gateways.clear());

/**
 * The gateway for a provider: Bedrock, or the workflow's local stand-in (not AI), which the step
 * names: the platform knows no workflow's stand-in. Cached per container (per provider, and AWS
 * region for Bedrock; per stand-in id locally), so a warm Lambda reuses its BedrockRuntimeClient
 * instead of building one, and resolving credentials, on every invocation. The model id is per
 * request, not per gateway. A `bedrockClient` passed in (tests) is used as is, uncached.
 *
 * @example
 * const gateway = selectGateway(settings.provider, { standIn: { id: LOCAL_INVOICE_PARSER_ID, create: () => new LocalInvoiceParserGateway() } });
 */
export function selectGateway(provider: ModelSettings['provider'], options: { standIn?: LocalStandIn; bedrockClient?: BedrockRuntimeClient } = {}): ModelGateway {
  if (provider === 'local') return localGateway(options.standIn);
  if (options.bedrockClient) return new BedrockGateway(options.bedrockClient);
  const key = `bedrock:${process.env.AWS_REGION ?? ''}`;
  let gateway = gateways.get(key);
  if (!gateway) {
    // Its BedrockRuntimeClient is the container's (bedrock-client.ts, shared with the guardrail), made at the first call.
    gateway = new BedrockGateway();
    gateways.set(key, gateway);
  }
  return gateway;
}

function localGateway(standIn: LocalStandIn | undefined): ModelGateway {
  if (standIn === undefined) {
    throw new ConfigurationInvalid('MODEL_PROVIDER is local, but this step names no local stand-in for its model; pass one to selectGateway');
  }
  const key = `local:${standIn.id}`;
  let gateway = gateways.get(key);
  if (!gateway) {
    gateway = standIn.create();
    gateways.set(key, gateway);
  }
  return gateway;
}
