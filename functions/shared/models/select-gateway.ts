import * as z from 'zod';
import type { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { ConfigurationInvalid } from '../errors.js';
import { parseAllowList } from './allow-list.js';
import { BedrockGateway } from './bedrock.js';
import type { ModelGateway } from './gateway.js';
import { LOCAL_INVOICE_PARSER_ID, LocalInvoiceParserGateway } from './local-invoice-parser.js';
import { onForgetEnvironment } from '../environment-clients.js';

/** The model settings of a step, read from its environment in this one place. */
export interface ModelSettings {
  /** `bedrock` on AWS; `local` for the labelled stand-in. No default: a deploy must choose. */
  provider: 'bedrock' | 'local';
  /** The model to ask; defaults to the stand-in's id when the provider is `local`. */
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
 * Reads MODEL_PROVIDER, MODEL_ID and ALLOWED_MODELS.
 *
 * @example
 * readModelSettings({ MODEL_PROVIDER: 'local', ALLOWED_MODELS: 'local.invoice-parser-v1' });
 * // { provider: 'local', modelId: 'local.invoice-parser-v1', allowedModels: ['local.invoice-parser-v1'] }
 */
export function readModelSettings(env: NodeJS.ProcessEnv = process.env): ModelSettings {
  const parsed = ModelEnvironment.safeParse(env);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.')))].join(', ');
    throw new ConfigurationInvalid(`environment variables ${fields} are missing or malformed (MODEL_PROVIDER is bedrock or local)`);
  }
  const { MODEL_PROVIDER: provider, MODEL_ID, ALLOWED_MODELS } = parsed.data;
  const modelId = MODEL_ID ?? (provider === 'local' ? LOCAL_INVOICE_PARSER_ID : undefined);
  if (!modelId) throw new ConfigurationInvalid('environment variable MODEL_ID is required when MODEL_PROVIDER is bedrock');
  return { provider, modelId, allowedModels: parseAllowList(ALLOWED_MODELS) };
}

/** One gateway per provider and region for the container's lifetime: SDK clients keep their connections and credentials warm. */
const gateways = new Map<string, ModelGateway>();
// The Bedrock client is built from the environment (region, endpoint, credentials).
onForgetEnvironment(() => gateways.clear());

/**
 * The gateway for a provider: Bedrock, or the local stand-in (not AI). Cached per container
 * (per provider, and AWS region for Bedrock), so a warm Lambda reuses its BedrockRuntimeClient
 * instead of building one, and resolving credentials, on every invocation. The model id is
 * per request, not per gateway. A `bedrockClient` passed in (tests) is used as is, uncached.
 *
 * @example
 * const gateway = selectGateway('local'); // LocalInvoiceParserGateway, the same one next time
 */
export function selectGateway(provider: ModelSettings['provider'], bedrockClient?: BedrockRuntimeClient): ModelGateway {
  if (bedrockClient) return provider === 'bedrock' ? new BedrockGateway(bedrockClient) : localGateway();
  if (provider === 'local') return localGateway();
  const key = `bedrock:${process.env.AWS_REGION ?? ''}`;
  let gateway = gateways.get(key);
  if (!gateway) {
    // Its BedrockRuntimeClient is made at the first call, and kept with the gateway.
    gateway = new BedrockGateway();
    gateways.set(key, gateway);
  }
  return gateway;
}

function localGateway(): ModelGateway {
  let gateway = gateways.get('local');
  if (!gateway) {
    gateway = new LocalInvoiceParserGateway();
    gateways.set('local', gateway);
  }
  return gateway;
}
